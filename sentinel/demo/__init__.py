"""`sentinel demo`: the whole product on a laptop in under a minute, no servers needed.

`scenario` is the script (pure data), `run` drives the real components through it,
`summary` computes the closing numbers from what was stored, `view` draws it all.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add `sentinel demo` to the `sentinel` app."""

    @app.command("demo")
    def demo(
        directory: Annotated[
            Path | None,
            typer.Option(
                "--dir",
                help="Where the demo store goes (default: a new temporary directory, kept).",
            ),
        ] = None,
        serve: Annotated[
            bool,
            typer.Option("--serve", help="Afterwards, serve the status page until Ctrl+C."),
        ] = False,
        port: Annotated[int, typer.Option(help="Port for --serve.")] = 8787,
    ) -> None:
        """End-to-end run against a fake DeepSeek (SQLite store, scripted incident),
        ending with a summary table."""
        from sentinel.demo.run import Demo, demo_directory
        from sentinel.demo.view import View, sentinel_command

        try:
            path = demo_directory(directory)
        except (FileExistsError, OSError) as exc:
            typer.echo(f"sentinel demo: {exc}", err=True)
            raise typer.Exit(2) from None
        view = View()
        result = Demo(path, view).run()
        view.summary(result)
        ok = bool(result.audit and result.audit.ok) and result.export_after_erasure == 0
        if serve:
            _serve(path, port)
        else:
            view.next_steps(path, sentinel_command(sys.argv[0]), port)
        if not ok:
            raise typer.Exit(1)


def _serve(directory: Path, port: int) -> None:
    from sentinel.config import Settings
    from sentinel.daemon import Daemon
    from sentinel.store import open_store

    settings = Settings(store=f"sqlite:///{directory / 'sentinel.db'}", api_port=port)
    store = open_store(settings=settings)
    print(f"\nstatus page: http://{settings.api_host}:{port}/  (Ctrl+C to stop)", flush=True)
    try:
        Daemon(store, settings).serve_forever()
    finally:
        store.close()
