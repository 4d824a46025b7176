"""`sentinel spool inspect` and `sentinel spool replay`: what is waiting on this machine's
disk for the store, and delivering it on demand (the daemon does the same on a schedule).

Inspect reads without changing anything (no lock, no adoption), so it is safe while apps
run; replay takes the spool's replay lock like any other replayer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

spool_app = typer.Typer(help="Inspect and replay the local spool.", no_args_is_help=True)


def dead_letter_files(settings: Any) -> list[Path]:
    """Where this machine's stores and sinks set records aside."""
    paths = [settings.spool_path / "dead-letter.jsonl"]
    paths += sorted((settings.data_dir / "dead-letter").glob("*.jsonl"))
    url = settings.store_url
    if url.startswith("sqlite:///"):
        db = Path(url.removeprefix("sqlite:///"))
        paths.append(db.with_name(db.name + ".dead-letter.jsonl"))
    return paths


@spool_app.command("inspect")
def inspect(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Segments, records, damaged entries, quarantined files and dead letters."""
    from sentinel import cli_tables
    from sentinel.config import Settings
    from sentinel.records.spool import Spool

    settings = Settings()
    if not settings.spool_path.is_dir():
        info: dict[str, Any] = {"path": str(settings.spool_path), "segments": [], "records": 0}
    else:
        info = Spool.inspect(settings.spool_path, dead_letter_files(settings))
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    console = cli_tables.console()
    table = cli_tables.table(
        "file", "bytes", "records", "damaged", "torn tail", ids=("file",),
        title=f"spool {info['path']}",
    )  # fmt: skip
    for seg in info["segments"] + info.get("journals", []):
        if "error" in seg:
            table.add_row(seg["name"], "-", "-", "-", f"unreadable: {seg['error']}")
            continue
        row = (seg["bytes"], seg["records"], seg["damaged"], "yes" if seg["torn_tail"] else "")
        table.add_row(seg["name"], *map(str, row))
    console.print(table)
    console.print(f"{info['records']} record(s) waiting in {len(info['segments'])} segment(s)")
    for name in info.get("quarantined", []):
        console.print(f"[red]quarantined[/red] {name}: unreadable, moved aside; inspect it")
    for reason, n in info.get("dropped", {}).items():
        console.print(f"[red]lost[/red] {n} record(s): {reason}")
    for path, n in info.get("dead_letter", {}).items():
        console.print(f"dead-letter {path}: {n} record(s) the store refused")


@spool_app.command("replay")
def replay() -> None:
    """Deliver every spooled record to SENTINEL_STORE now, with a progress bar; exits 1
    (the records stay) if the store cannot take them."""
    from rich.progress import Progress

    from sentinel.config import Settings
    from sentinel.records.replay import StoreWriter
    from sentinel.records.spool import Spool
    from sentinel.records.spool_inspect import scan
    from sentinel.records.tombstones import Tombstones
    from sentinel.store import StoreUnavailable, open_store
    from sentinel.store.dead_letter import DeadLetterFile

    settings = Settings()
    if not settings.spool_path.is_dir():
        typer.echo(f"{settings.spool_path}: no spool, nothing to replay")
        return
    try:
        store = open_store(settings=settings)
    except StoreUnavailable as exc:
        typer.echo(f"store unavailable, nothing replayed: {exc}", err=True)
        raise typer.Exit(1) from None
    spool = Spool(settings.spool_path, fsync=settings.spool_fsync)
    fallback = DeadLetterFile(settings.spool_path / "dead-letter.jsonl")
    writer = StoreWriter(store, Tombstones(store), dead_letter=fallback)
    spool.adopt_orphans()
    total = sum(scan(settings.spool_path / n).get("records", 0) for n in spool.segments())
    try:
        with Progress() as progress:
            task = progress.add_task("replaying", total=total or None)

            def deliver(batch: list[Any]) -> None:
                writer.write(batch)
                progress.advance(task, len(batch))

            result = spool.replay(deliver, blocking=True)
    except StoreUnavailable as exc:
        typer.echo(f"store unavailable, the rest stays spooled: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        spool.close()
        store.close()
    typer.echo(
        f"replayed {result.replayed} record(s), {result.segments_deleted} segment(s) done, "
        f"{result.corrupt} damaged entr(y/ies) skipped, {result.quarantined} quarantined"
        + ("" if result.empty else f"; {len(spool.segments())} segment(s) left")
    )


def register(app: typer.Typer) -> None:
    """Add the `spool` command group to the `sentinel` app."""
    app.add_typer(spool_app, name="spool")
