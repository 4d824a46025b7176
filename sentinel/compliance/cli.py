"""`sentinel gdpr`, `sentinel tokens` and `sentinel audit`: the compliance officer's
commands. They work on the store named by SENTINEL_STORE (and the spool in
SENTINEL_SPOOL_DIR) directly, so they need no running daemon; everything they do is
written to the audit log with the actor `cli:<os user>`.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from sentinel import cli_tables
from sentinel.compliance import tombstones_cli
from sentinel.compliance.audit import Verification
from sentinel.compliance.auditkey import audit_key
from sentinel.compliance.service import Compliance, open_spool
from sentinel.compliance.tokens import SCOPES, PrefixTooShort, TokenError, describe
from sentinel.config import Settings
from sentinel.errors import ConfigurationError
from sentinel.store.base import StoreError, StoreUnavailable
from sentinel.subjects import InvalidSubjectId, normalize_subject_id

gdpr_app = typer.Typer(
    help="GDPR / PIPL export and erasure of one data subject.", no_args_is_help=True
)
tokens_app = typer.Typer(help="API tokens for the compliance HTTP API.", no_args_is_help=True)
audit_app = typer.Typer(
    help="The keyed, hash-chained audit log and its anchored head.", no_args_is_help=True
)

err = Console(stderr=True)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (containers)
        return "cli"


@contextlib.contextmanager
def _compliance() -> Iterator[Compliance]:
    """The compliance services over SENTINEL_STORE. A store that is down (at the start
    or midway) ends the command with one line naming it, exit 1, never a traceback: an
    erasure stopped that way stays resumable (`sentinel gdpr resume`)."""
    from sentinel.store import open_store

    settings = Settings()
    try:
        store = open_store(settings=settings)
    except StoreUnavailable as exc:
        # typer.echo: one line whatever its length (a Console wraps at 80 in a pipe)
        typer.echo(f"store unavailable (SENTINEL_STORE): {exc}", err=True)
        raise typer.Exit(1) from None
    try:
        yield Compliance.build(store, settings, spool=open_spool(settings))
    except (ConfigurationError, StoreError) as exc:  # e.g. a missing audit key or anchor
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.close()


def _subject(value: str) -> str:
    try:
        return normalize_subject_id(value)
    except InvalidSubjectId as exc:
        raise typer.BadParameter(str(exc), param_hint="SUBJECT") from None


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    # 0600: the export is personal data.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        yield out


@gdpr_app.command("export")
def gdpr_export(
    subject: Annotated[str, typer.Argument(help="The subject id, as apps pass it.")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write here (mode 0600), not stdout.")
    ] = None,
) -> None:
    """Write everything held about SUBJECT as one JSON document."""
    subject_id = _subject(subject)
    with _compliance() as service, _output(output) as out:
        progress = Progress(
            SpinnerColumn(), TextColumn("exporting"), BarColumn(),
            TextColumn("{task.completed} records"), TimeElapsedColumn(),
            console=err, transient=True, disable=not err.is_terminal,
        )  # fmt: skip
        with progress:
            task = progress.add_task("export", total=None)
            summary = service.exports.export_now(
                out, subject_id, service.subject_key(subject_id), _actor(),
                on_record=lambda n: progress.update(task, completed=n),
            )  # fmt: skip
    err.print(f"exported {summary.total} records {json.dumps(summary.counts)}")


def _print_removed(job: dict[str, Any]) -> None:
    table = cli_tables.table("store", "removed", "by kind", title="Erasure")
    by_kind = job.get("removed_by_kind", {})
    for store, count in sorted(job.get("removed", {}).items()):
        table.add_row(store, str(count), json.dumps(by_kind.get(store, {})))
    cli_tables.console().print(table)


@gdpr_app.command("erase")
def gdpr_erase(
    subject: Annotated[str, typer.Argument(help="The subject id, as apps pass it.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
) -> None:
    """Erase SUBJECT from the store, the spool and exports; leave a tombstone."""
    subject_id = _subject(subject)
    if not yes:
        err.print("refusing to erase without --yes (erasure cannot be undone)")
        raise typer.Exit(2)
    with _compliance() as service:
        job = service.erasures.request(subject_id, service.subject_key(subject_id), _actor(), None)
        result = service.erasures.run(
            job["id"], progress=lambda step, _job: err.print(f"  {step}: done")
        )
        if result is None:
            err.print(f"erasure {job['id']} is being run by another process; try again shortly")
            raise typer.Exit(1)
    err.print(f"erasure {result['id']} {result['status']}")
    if result.get("cut_off"):
        err.print(f"records created at or before the cut-off {result['cut_off']} are erased")
    _print_removed(result)
    if result.get("reclaim_again_at"):
        err.print(
            f"the store still holds deleted bytes it could not purge yet: `sentinel serve` "
            f"purges them after {result['reclaim_again_at']}, or run `sentinel gdpr resume` then"
        )


@gdpr_app.command("resume")
def gdpr_resume() -> None:
    """Finish erasures that a crash or an outage left unfinished, and the second
    reclaim of those whose store could not purge every byte at once."""
    with _compliance() as service:
        done = service.erasures.resume_unfinished()
        reclaimed = service.erasures.reclaim_due()
    err.print(f"resumed {len(done)} erasure(s); purged the deleted bytes of {reclaimed}")
    for job in done:
        _print_removed(job)


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Option("--name", help="Who holds the token (shown in audit).")],
    scope: Annotated[
        list[str], typer.Option("--scope", help=f"Repeatable or comma list: {', '.join(SCOPES)}.")
    ],
    app: Annotated[
        str | None,
        typer.Option("--app", help="Bind a proxy token to this app: no other app name works."),
    ] = None,
) -> None:
    """Create a token and print it once; only its hash is stored."""
    scopes = [s.strip() for item in scope for s in item.split(",") if s.strip()]
    with _compliance() as service:
        try:
            token, info = service.tokens.create(name, scopes, app=app)
        except TokenError as exc:
            raise typer.BadParameter(str(exc)) from None
        service.audit.append(
            _actor(), "token.created", details={"token_id": info.id, "name": info.name,
                                                "scopes": list(info.scopes), "app": info.app},
        )  # fmt: skip
    err.print(f"token {info.id} for {info.name} ({', '.join(info.scopes)}); it is shown once:")
    typer.echo(token)


@tokens_app.command("list")
def tokens_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """List tokens (never their secrets)."""
    with _compliance() as service:
        tokens = service.tokens.list()
    if as_json:
        for info in tokens:
            typer.echo(json.dumps(describe(info)))
        return
    table = cli_tables.table("id", "name", "scopes", "app", "created", "revoked", ids=("id",))
    for info in tokens:
        table.add_row(info.id, info.name, ", ".join(info.scopes), info.app or "",
                      info.created_at, info.revoked_at or "")  # fmt: skip
    cli_tables.console().print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[
        str, typer.Argument(help="The id from `tokens list`, or a unique start of it.")
    ],
) -> None:
    """Revoke a token; it stops working on the next request."""
    with _compliance() as service:
        try:
            info = service.tokens.revoke(service.tokens.resolve(token_id))
        except PrefixTooShort as exc:
            raise typer.BadParameter(str(exc), param_hint="TOKEN_ID") from None
        except TokenError as exc:
            err.print(str(exc))
            raise typer.Exit(1) from None
        service.audit.append(_actor(), "token.revoked", details={"token_id": info.id})
    err.print(f"revoked {info.id} ({info.name})")


@contextlib.contextmanager
def _audit_errors() -> Iterator[None]:
    """A missing key file or an unreachable store is one line and exit 1, no traceback."""
    from pydantic import ValidationError

    try:
        yield
    except (typer.Exit, typer.BadParameter, ValidationError):
        raise  # a refused setting: `sentinel.cli.main` names it, exit 2
    except Exception as exc:
        err.print(f"audit: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None


def _report(result: Verification, what: str) -> None:
    if result.ok:
        typer.echo(f"{what} intact: {result.checked} entries")
        return
    where = f"at seq {result.broken_seq}" if result.broken_seq is not None else "(anchor)"
    typer.echo(f"{what} BROKEN {where}: {result.reason} "
               f"({result.checked} entries intact before it)")  # fmt: skip
    raise typer.Exit(1)


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the chain against the audit key and the anchored head; exit 1 naming the
    first broken entry, a missing tail or entries beyond the head."""
    with _audit_errors(), _compliance() as service:
        result = service.audit.verify()
    _report(result, "audit log")


@audit_app.command("export")
def audit_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="Bundle file (mode 0600).")],
) -> None:
    """Write the whole log as a bundle signed with the audit key (verify it offline
    with `sentinel audit verify-bundle`)."""
    from sentinel.compliance.bundle import build_bundle

    with _audit_errors(), _compliance() as service:
        result = service.audit.verify()
        if not result.ok:
            _report(result, "audit log")  # a bundle of a broken log would look sound
        bundle = build_bundle(service.audit.entries(), audit_key(service.settings),
                              service.audit.clock.now())  # fmt: skip
        with _output(output) as out:
            json.dump(bundle, out, ensure_ascii=False)
    err.print(f"wrote {len(bundle['entries'])} entries to {output} (key id {bundle['key_id']})")


@audit_app.command("verify-bundle")
def audit_verify_bundle(
    bundle: Annotated[Path, typer.Argument(help="A file from `sentinel audit export`.")],
) -> None:
    """Check a bundle offline with the audit key (SENTINEL_AUDIT_KEY or _FILE): its
    signature and its chain. Needs no store."""
    from sentinel.compliance.bundle import verify_bundle

    with _audit_errors():
        key = audit_key(Settings())
        try:
            doc = json.loads(bundle.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            err.print(f"audit: cannot read bundle {bundle}: {exc}", markup=False)
            raise typer.Exit(1) from None
        result = verify_bundle(doc, key)
    _report(result, "audit bundle")


@audit_app.command("show")
def audit_show(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """Print the audit log in order."""
    with _audit_errors(), _compliance() as service:
        if as_json:
            for entry in service.audit.entries():
                typer.echo(entry.model_dump_json())
            return
        table = cli_tables.table(
            "seq", "time", "actor", "action", "subject_key", "counts", ids=("subject_key",)
        )
        for entry in service.audit.entries():
            table.add_row(
                str(entry.seq), entry.timestamp.isoformat(), entry.actor, entry.action,
                entry.subject_key or "", json.dumps(entry.counts) if entry.counts else "",
            )  # fmt: skip
    cli_tables.console().print(table)


tombstones_cli.register(gdpr_app, _compliance, _actor)


def register(app: typer.Typer) -> None:
    """Add `gdpr`, `tokens` and `audit` to the `sentinel` app."""
    app.add_typer(gdpr_app, name="gdpr")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(audit_app, name="audit")
