"""`sentinel budgets set|list|remove`: hard spend limits per app or per proxy token,
enforced by every client and the proxy (`sentinel.client.spend_guard`). Each change is
an audit entry (`budget.set`, `budget.removed`, actor `cli:<os user>`), since a budget
decides which calls an app may make. A token is named by its id or a unique start of
it (as `sentinel tokens list` shows it); the budget holds the whole id, never the token.
"""

from __future__ import annotations

import json
import math
from typing import Annotated

import typer
from pydantic import ValidationError

from sentinel import cli_tables
from sentinel.appnames import InvalidAppName, validate_app_name
from sentinel.client.prices import CURRENCIES
from sentinel.client.spend_guard import read_snapshot
from sentinel.compliance.cli import _actor, _compliance
from sentinel.compliance.service import Compliance
from sentinel.compliance.tokens import TokenError
from sentinel.proxy.auth import SCOPE as PROXY_SCOPE
from sentinel.store.budget_state import (
    LOOKBACK,
    PERIODS,
    Budget,
    currency_gap,
    get_budget,
    owner_label,
    owner_where,
    put_budget,
    remove_budget,
    spend_by_currency,
)

budgets_app = typer.Typer(help="Hard spend budgets per app or proxy token.", no_args_is_help=True)
err = cli_tables.console(stderr=True)

_App = Annotated[str | None, typer.Option("--app", help="The app the budget limits.")]
_Token = Annotated[
    str | None,
    typer.Option("--token", help="The proxy token the budget limits: its id or a unique start."),
]


def _owner(
    service: Compliance, app: str | None, token: str | None
) -> tuple[str | None, str | None]:
    """(app, full token id): exactly one of --app / --token, the token resolved."""
    if (app is None) == (token is None):
        raise typer.BadParameter("give either --app or --token")
    if token is None:
        return app, None
    try:
        token_id = service.tokens.resolve(token)
    except TokenError as exc:
        raise typer.BadParameter(f"--token: {exc}") from None
    # a token that cannot call the proxy makes no call a budget could stop
    info = next(t for t in service.tokens.list() if t.id == token_id)
    if not info.allows(PROXY_SCOPE):
        raise typer.BadParameter(
            f"token {token_id!r} has no {PROXY_SCOPE!r} scope: no call is made with it",
            param_hint="--token",
        )
    return None, token_id


@budgets_app.command("set")
def budgets_set(
    per: Annotated[str, typer.Option("--per", help=f"The period: {', '.join(PERIODS)} (UTC).")],
    limit: Annotated[float, typer.Option("--limit", help="Most that may be spent per period.")],
    app: _App = None,
    token: _Token = None,
    currency: Annotated[
        str | None,
        typer.Option(
            "--currency",
            help="USD or CNY. Default: the currency the calls of the last 30 days are "
            "priced in, else SENTINEL_CURRENCY.",
        ),
    ] = None,
    other_currency: Annotated[
        bool,
        typer.Option(
            "--other-currency",
            help="Accept a --currency the calls of the last 30 days are not priced in "
            "(their SENTINEL_CURRENCY is about to change).",
        ),
    ] = False,
) -> None:
    """Set (or replace) the budget of an app or a proxy token."""
    # a budget no call can ever reach (inf, EUR: calls are priced in USD or CNY) or for an
    # app name no client accepts would be stored, audited and listed, and never stop a call
    if not math.isfinite(limit):
        raise typer.BadParameter("must be a finite amount", param_hint="--limit")
    if currency is not None and currency.upper() not in CURRENCIES:
        raise typer.BadParameter(f"use one of {', '.join(CURRENCIES)}", param_hint="--currency")
    if app is not None:
        try:
            validate_app_name(app)
        except InvalidAppName as exc:
            raise typer.BadParameter(str(exc), param_hint="--app") from None
    with _compliance() as service:
        app, token = _owner(service, app, token)
        now = service.audit.clock.now()
        seen = spend_by_currency(service.store, owner_where(app, token), now - LOOKBACK, now)
        currency = _currency(currency, seen, service.settings.currency.upper(), other_currency,
                             owner_label(app, token))  # fmt: skip
        try:
            budget = Budget(app=app, token=token, per=per, limit=limit, currency=currency)  # type: ignore[arg-type]
        except ValidationError as exc:
            problems = "; ".join(
                f"--{e['loc'][0]}: {e['msg']}" if e["loc"] else e["msg"] for e in exc.errors()
            )
            raise typer.BadParameter(problems) from None
        previous = get_budget(service.store, app, token=token)
        put_budget(service.store, budget)
        before = previous.model_dump() if previous else None
        service.audit.append(
            _actor(), "budget.set", details={**budget.model_dump(), "previous": before}
        )
    err.print(f"budget for {budget.owner}: {limit:g} {budget.currency} per {per}", markup=False)
    if gap := currency_gap(budget, seen, "in the last 30 days"):
        err.print(f"warning: {gap}", markup=False)


def _currency(
    given: str | None, seen: dict[str, float], configured: str, other: bool, owner: str
) -> str:
    """The budget's currency: a budget counts only the calls priced in it (amounts are
    never converted), so one its owner's recent calls are not priced in is refused
    unless --other-currency says that is meant."""
    if given is None:
        return next(iter(seen)) if len(seen) == 1 else configured
    given = given.upper()
    if seen and given not in seen and not other:
        priced = " and ".join(sorted(seen))
        raise typer.BadParameter(
            f"{owner}'s calls of the last 30 days are priced in {priced}, none in {given}: a "
            f"{given} budget would count none of them (Sentinel never converts currencies); "
            f"use --currency {sorted(seen)[0]}, or add --other-currency if its calls are "
            f"about to be priced in {given}",
            param_hint="--currency",
        )
    if not seen and given != configured:
        err.print(
            f"warning: no priced call of {owner} in the last 30 days to check --currency "
            f"{given} against, and this host prices calls in {configured} "
            "(SENTINEL_CURRENCY): the budget counts only calls priced in " + given,
            markup=False,
        )
    return given


def _existing() -> None:
    """Listing or removing reads the store: a typo'd SQLite path would be created and
    listed as empty (it created the directory too), so it is an error here."""
    from sentinel.config import Settings
    from sentinel.doctor_store import absent_store

    if absent := absent_store(Settings()):
        err.print(f"store unavailable (SENTINEL_STORE): {absent}", markup=False)
        raise typer.Exit(1)


@budgets_app.command("list")
def budgets_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """Every budget with what its app or token spent in the current period."""
    _existing()
    with _compliance() as service:
        snapshot = read_snapshot(service.store, service.audit.clock.now())
        rows, gaps = [], []
        for e in snapshot.budgets.values():
            # what the owner spent this period in other currencies: the budget misses it
            spent = e.by_currency
            uncounted = {c: round(v, 6) for c, v in spent.items() if c != e.budget.currency}
            rows.append({**e.budget.model_dump(), "spent": round(e.spent, 6),
                         "resets_at": e.end.isoformat(), "uncounted": uncounted})  # fmt: skip
            if gap := currency_gap(e.budget, spent, "this period"):
                gaps.append(gap)
    for gap in gaps:
        err.print(f"warning: {gap}", markup=False)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    table = cli_tables.table(
        "app", "token", "per", "limit", "currency", "spent", "not counted", "resets at",
        ids=("token",),
    )  # fmt: skip
    for r in rows:
        missed = ", ".join(f"{v:.2f} {c}" for c, v in sorted(r["uncounted"].items()))
        table.add_row(r["app"] or "", r["token"] or "", r["per"], f"{r['limit']:g}",
                      r["currency"], f"{r['spent']:.2f}", missed, r["resets_at"])  # fmt: skip
    cli_tables.console().print(table)


@budgets_app.command("remove")
def budgets_remove(app: _App = None, token: _Token = None) -> None:
    """Remove the budget of an app or a proxy token; its calls are no longer limited."""
    _existing()
    with _compliance() as service:
        app, token = _owner(service, app, token)
        if not remove_budget(service.store, app, token=token):
            err.print(f"no budget for {'token' if token else 'app'} {token or app!r}", markup=False)
            raise typer.Exit(1)
        details = {"token": token} if token else {"app": app}
        service.audit.append(_actor(), "budget.removed", details=details)
    err.print(f"removed the budget of {'token ' + token if token else app}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(budgets_app, name="budgets")
