"""`sentinel budgets set|list|remove`: hard spend limits per app, enforced by every
client and the proxy (`sentinel.client.spend_guard`). Each change is an audit entry
(`budget.set`, `budget.removed`, actor `cli:<os user>`), since a budget decides which
calls an app may make. A per-proxy-token budget is a budget on the app the token is
bound to (`sentinel tokens create --app`).
"""

from __future__ import annotations

import json
import math
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from sentinel.appnames import InvalidAppName, validate_app_name
from sentinel.client.prices import CURRENCIES
from sentinel.client.spend_guard import read_snapshot
from sentinel.compliance.cli import _actor, _compliance
from sentinel.store.budget_state import PERIODS, Budget, get_budget, put_budget, remove_budget

budgets_app = typer.Typer(help="Hard spend budgets per app.", no_args_is_help=True)
err = Console(stderr=True)


@budgets_app.command("set")
def budgets_set(
    app: Annotated[str, typer.Option("--app", help="The app the budget limits.")],
    per: Annotated[str, typer.Option("--per", help=f"The period: {', '.join(PERIODS)} (UTC).")],
    limit: Annotated[float, typer.Option("--limit", help="Most the app may spend per period.")],
    currency: Annotated[str, typer.Option("--currency", help="USD or CNY.")] = "USD",
) -> None:
    """Set (or replace) the app's budget."""
    # a budget no call can ever reach (inf, EUR: calls are priced in USD or CNY) or for an
    # app name no client accepts would be stored, audited and listed, and never stop a call
    if not math.isfinite(limit):
        raise typer.BadParameter("must be a finite amount", param_hint="--limit")
    if currency.upper() not in CURRENCIES:
        raise typer.BadParameter(f"use one of {', '.join(CURRENCIES)}", param_hint="--currency")
    try:
        validate_app_name(app)
    except InvalidAppName as exc:
        raise typer.BadParameter(str(exc), param_hint="--app") from None
    try:
        budget = Budget(app=app, per=per, limit=limit, currency=currency.upper())  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(f"--{e['loc'][0]}: {e['msg']}" for e in exc.errors())
        raise typer.BadParameter(problems) from None
    with _compliance() as service:
        previous = get_budget(service.store, app)
        put_budget(service.store, budget)
        before = previous.model_dump() if previous else None
        service.audit.append(
            _actor(), "budget.set", details={**budget.model_dump(), "previous": before}
        )
    err.print(f"budget for {app}: {limit:g} {budget.currency} per {per}")


@budgets_app.command("list")
def budgets_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """Every budget with what its app spent in the current period."""
    with _compliance() as service:
        snapshot = read_snapshot(service.store, service.audit.clock.now())
    rows = [
        {**e.budget.model_dump(), "spent": round(e.spent, 6), "resets_at": e.end.isoformat()}
        for e in snapshot.budgets.values()
    ]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    table = Table("app", "per", "limit", "currency", "spent", "resets at")
    for r in rows:
        table.add_row(r["app"], r["per"], f"{r['limit']:g}", r["currency"], f"{r['spent']:.2f}",
                      r["resets_at"])  # fmt: skip
    Console().print(table)


@budgets_app.command("remove")
def budgets_remove(
    app: Annotated[str, typer.Option("--app", help="The app whose budget goes.")],
) -> None:
    """Remove the app's budget; its calls are no longer limited."""
    with _compliance() as service:
        if not remove_budget(service.store, app):
            err.print(f"no budget for app {app!r}")
            raise typer.Exit(1)
        service.audit.append(_actor(), "budget.removed", details={"app": app})
    err.print(f"removed the budget of {app}")


def register(app: typer.Typer) -> None:
    app.add_typer(budgets_app, name="budgets")
