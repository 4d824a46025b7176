"""`sentinel gdpr tombstones list|migrate|prune`: the erasure tombstones of the store
(see `sentinel.records.tombstones`), by subject key (never a raw id)."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from sentinel import cli_tables
from sentinel.compliance import tombstone_migration
from sentinel.compliance.service import Compliance
from sentinel.durations import format_duration
from sentinel.records.tombstones import TombstoneInfo, list_tombstones, removable


def describe(tombstone: TombstoneInfo, removable_keys: set[str]) -> dict[str, Any]:
    state = "unmigrated" if tombstone.legacy else "erasing" if tombstone.erasing else "closed"
    return {
        "subject_key": tombstone.subject_key,
        "state": state,
        "cut_off": tombstone.cut_off.isoformat() if tombstone.cut_off else None,
        "created_at": tombstone.value.get("created_at"),
        "removable": tombstone.subject_key in removable_keys,
    }


def register(
    gdpr_app: typer.Typer,
    open_service: Callable[[], AbstractContextManager[Compliance]],
    actor: Callable[[], str],
) -> None:
    """Add `tombstones` to `sentinel gdpr`, opening the store the way its commands do."""
    app = typer.Typer(
        help="Erasure tombstones: their cut-offs, migration and removal.", no_args_is_help=True
    )
    gdpr_app.add_typer(app, name="tombstones")

    @app.command("list")
    def tombstones_list(
        as_json: Annotated[
            bool, typer.Option("--json", help="JSON lines instead of a table.")
        ] = False,
    ) -> None:
        """Every tombstone with its state and cut-off; `removable` once the cut-off is
        older than SENTINEL_TOMBSTONE_RETENTION."""
        with open_service() as service:
            tombstones = list_tombstones(service.store)
            retention = service.settings.tombstone_retention
        old = {t.subject_key for t in removable(tombstones, datetime.now(UTC), retention)}
        rows = [describe(t, old) for t in tombstones]
        if as_json:
            for row in rows:
                typer.echo(json.dumps(row))
            return
        table = cli_tables.table(
            "subject_key", "state", "cut_off", "removable", title="Tombstones",
            ids=("subject_key",),
        )  # fmt: skip
        for row in rows:
            table.add_row(row["subject_key"], row["state"], row["cut_off"] or "",
                          "yes" if row["removable"] else "")  # fmt: skip
        cli_tables.console().print(table)

    @app.command("migrate")
    def tombstones_migrate() -> None:
        """Give every tombstone written before cut-offs existed the time of its subject's
        last completed erasure (audit log) plus SENTINEL_ERASURE_CLOCK_SKEW; until then
        it hides every later record of the subject. Exit 1 if any is left unchanged."""
        with open_service() as service:
            results = tombstone_migration.migrate(
                service.store, service.audit, actor(), service.settings.erasure_clock_skew
            )
        for r in results:  # plain lines: keys are never cut, whatever the terminal width
            outcome = f"cut-off {r.cut_off}" if r.cut_off else f"left unchanged: {r.reason}"
            typer.echo(f"  {r.subject_key}: {outcome}", err=True)
        done = sum(1 for r in results if r.cut_off)
        typer.echo(f"migrated {done} of {len(results)} tombstone(s) without a cut-off", err=True)
        if done < len(results):
            raise typer.Exit(1)

    @app.command("prune")
    def tombstones_prune() -> None:
        """Delete tombstones whose cut-off is older than SENTINEL_TOMBSTONE_RETENTION
        (set it to at least the longest a record can wait in any spool)."""
        with open_service() as service:
            retention = service.settings.tombstone_retention
            gone = tombstone_migration.prune(
                service.store, service.audit, actor(), datetime.now(UTC), retention
            )
        typer.echo(
            f"removed {len(gone)} tombstone(s) with a cut-off older than "
            f"{format_duration(retention)}",
            err=True,
        )
