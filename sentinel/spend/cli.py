"""`sentinel prices show|check|recompute` and `sentinel spend`."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from rich.console import Console

from sentinel.errors import ConfigurationError
from sentinel.spend import DEFAULT_SINCE

prices_app = typer.Typer(
    help="DeepSeek's price table: show, check, recompute.", no_args_is_help=True
)
err = Console(stderr=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _settings() -> Any:
    from sentinel.config import Settings

    return Settings()


def _table(settings: Any, warn: bool = True) -> Any:
    from sentinel.client import prices

    try:
        return prices.load(settings.prices_file, warn=warn)
    except ConfigurationError as exc:
        raise _fail(f"price table error: {exc}", 2) from None


@contextlib.contextmanager
def _store(settings: Any, read_only: bool = False) -> Iterator[Any]:
    """`read_only` (a report) skips Elasticsearch's setup: putting its index templates
    took 6 s of a report that aggregates in 20 ms, and a search over indices not there
    yet reads as empty. SQLite's setup is cheap and creates the tables a query needs."""
    from sentinel.doctor_store import absent_store
    from sentinel.store import StoreError, create_store, open_store, store_kind

    if read_only and (absent := absent_store(settings)):  # a typo: not "you spent nothing"
        raise _fail(f"store unavailable (SENTINEL_STORE): {absent}")
    try:
        kind = store_kind(settings.store_url)
        if read_only and kind is not None and kind.name == "elasticsearch":
            _import_sync_client()
            store = create_store(settings.store_url, settings)
        else:
            store = open_store(settings=settings)
    except (StoreError, ValueError) as exc:
        raise _fail(f"store unavailable (SENTINEL_STORE): {exc}") from None
    try:
        yield store
    except StoreError as exc:
        raise _fail(f"store error: {exc}") from None
    finally:
        store.close()


# elastic_transport imports every HTTP library it finds, to offer a node class on each;
# the store is the synchronous client on its default urllib3 node and uses none of these
_OTHER_NODES = ("aiohttp", "httpx", "requests")


def _import_sync_client() -> None:
    """Import the Elasticsearch client without aiohttp, httpx and requests (0.2-0.5 s of
    the command under load, when installed), in this CLI process only: they are hidden
    for that one import and importable again after it; only elastic_transport's other
    node classes (unused here) see them missing. Not in the store module: an app's own
    AsyncElasticsearch in the same process would lose them."""
    hidden = [m for m in _OTHER_NODES if m not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # `import` raises ImportError
    try:
        import elasticsearch  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


@prices_app.command("show")
def show(
    model: Annotated[str | None, typer.Option(help="Only this model.")] = None,
    currency: Annotated[str | None, typer.Option(help="Only USD or CNY.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every price row (per 1M tokens), with where it comes from (file:line)."""
    from rich.table import Table

    from sentinel.client.prices import CURRENCIES

    if currency is not None:  # `cny` listed nothing at all, like a currency never priced
        currency = currency.upper()
        if currency not in CURRENCIES:
            raise typer.BadParameter(f"use one of {', '.join(CURRENCIES)}", param_hint="--currency")
    table = _table(_settings())
    if model is not None and model not in table.models():  # a typo: not "it is free"
        priced = ", ".join(sorted(table.models()))
        raise _fail(f"no price rows for model {model!r} (--model); priced: {priced}", 2)
    rows = [
        r
        for r in table.sorted_rows()
        if (model is None or r.model == model) and (currency is None or r.currency == currency)
    ]
    if as_json:
        out = [
            {
                "model": r.model,
                "effective_from": r.effective_from.isoformat(),
                "currency": r.currency,
                "window": r.window,
                "input_cache_hit": str(r.input_cache_hit),
                "input_cache_miss": str(r.input_cache_miss),
                "output": str(r.output),
                "source": r.where,
            }
            for r in rows
        ]
        windows = {
            name: {
                "days": sorted(w.days),
                "hours": [f"{a:%H:%M}-{b:%H:%M}" for a, b in w.hours],
                "except_dates": sorted(d.isoformat() for d in w.except_dates),
                "timezone": "Asia/Shanghai",
            }
            for name, w in table.windows.items()
        }
        typer.echo(json.dumps({"windows": windows, "prices": out}, indent=2))
        return
    t = Table(title="Prices per 1M tokens (reasoning tokens are billed as output)")
    for col in ("model", "from (UTC)", "cur", "window", "cache hit", "cache miss", "output",
                "file:line"):  # fmt: skip
        t.add_column(col, no_wrap=True, overflow="fold")
    for r in rows:
        t.add_row(
            r.model, f"{r.effective_from:%Y-%m-%d %H:%M}", r.currency, r.window or "-",
            str(r.input_cache_hit), str(r.input_cache_miss), str(r.output), r.where,
        )  # fmt: skip
    # never cut a model name or a file path in a pipe or a file
    Console(width=None if sys.stdout.isatty() else 240).print(t)
    for name, w in table.windows.items():
        hours = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in w.hours)
        days = ",".join(
            ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d] for d in sorted(w.days)
        )
        typer.echo(f"window {name}: {days} {hours} Beijing time ({len(w.except_dates)} dates off)")


@prices_app.command("check")
def check() -> None:
    """Every catalogue model priced in USD and CNY, no overlapping windows, every row
    well-formed (errors name file and line); exit 1 on any problem."""
    from sentinel.client import catalogue, prices

    settings = _settings()
    table = _table(settings, warn=False)  # its warnings are problems here
    try:
        models = catalogue.load(settings.models_file).ids()
    except ConfigurationError as exc:
        raise _fail(f"catalogue error: {exc}", 2) from None
    found = prices.problems(table, models)
    for line in found:
        typer.echo(line, err=True)
    if found:
        raise typer.Exit(1)
    typer.echo(f"ok: {len(table.rows)} price rows, {len(models)} catalogue models priced")


def _time(text: str, now: Any, option: str) -> Any:
    """A --since / --until value (a duration back or a date), or exit 2 naming it."""
    from sentinel.spend.report import parse_time

    try:
        return parse_time(text, now)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


@prices_app.command("recompute")
def recompute_command(
    since: Annotated[str, typer.Option(help="From when: a date (2026-11-01) or a duration (7d).")],
) -> None:
    """Re-derive the cost of calls since SINCE from the price table as it is now (after
    correcting a row); audited. Prices alone never rewrite a stored cost."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from sentinel.client import catalogue
    from sentinel.client.cost import Pricer
    from sentinel.clock import SYSTEM_CLOCK
    from sentinel.compliance.audit import AuditLog
    from sentinel.compliance.cli import _actor
    from sentinel.spend.recompute import recompute

    settings = _settings()
    start = _time(since, SYSTEM_CLOCK.now(), "--since")
    table = _table(settings)
    aliases = {a.id: a.target for a in catalogue.load(settings.models_file).aliases.values()}
    pricer = Pricer(table, settings.currency, aliases)
    with _store(settings) as store:
        try:  # before any change: no audit key, no rewrite
            audit = AuditLog.for_settings(store, settings)
        except ConfigurationError as exc:
            raise _fail(f"error: {exc}") from None
        total = store.count_calls_since(start)
        with Progress(
            TextColumn("re-pricing calls"), BarColumn(), MofNCompleteColumn(), console=err
        ) as bar:
            task = bar.add_task("recompute", total=total)
            counts = recompute(store, pricer, start, lambda n: bar.advance(task, n))
        audit.append(
            _actor(),
            "prices.recompute",
            counts=counts,
            details={"since": start.isoformat(), "currency": settings.currency},
        )
    typer.echo(
        f"{counts['calls']} calls since {start:%Y-%m-%d %H:%M} UTC: {counts['changed']} "
        f"re-priced, {counts['no_cost']} without a cost (no usage, or no {settings.currency} price)"
    )


def spend(
    by: Annotated[str, typer.Option(help="app, model, subject, conversation, day, token.")] = "app",
    since: Annotated[str, typer.Option(help="A duration back (30d) or a date.")] = DEFAULT_SINCE,
    until: Annotated[str | None, typer.Option(help="A duration back or a date; now.")] = None,
    app_name: Annotated[str | None, typer.Option("--app", help="Only this app.")] = None,
    model: Annotated[str | None, typer.Option(help="Only this model.")] = None,
    # max: SQLite's LIMIT is a 64-bit integer (a larger one was an OverflowError traceback)
    limit: Annotated[int, typer.Option(min=1, max=1 << 62, help="The costliest N groups.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
) -> None:
    """What calls cost and what DeepSeek's context cache saved, by group, per currency."""
    from sentinel.appnames import InvalidAppName, validate_app_name
    from sentinel.clock import SYSTEM_CLOCK
    from sentinel.spend.report import BY, report, to_csv

    if by not in BY:
        raise typer.BadParameter(f"use one of {', '.join(BY)}", param_hint="--by")
    if as_json and as_csv:
        raise typer.BadParameter("choose one of --json and --csv")
    now = SYSTEM_CLOCK.now()
    start = _time(since, now, "--since")
    end = _time(until, now, "--until") if until else now
    if start >= end:  # an empty range reads as "nothing spent"
        raise typer.BadParameter(
            f"{since!r} is not before --until {until or 'now'}", param_hint="--since"
        )
    if app_name is not None:  # a name no client accepts has no calls: a typo
        try:
            validate_app_name(app_name)
        except InvalidAppName as exc:
            raise typer.BadParameter(str(exc), param_hint="--app") from None
    if model is not None and not model.strip():  # was read as "every model"
        raise typer.BadParameter("a model name, not an empty one", param_hint="--model")
    where = {k: v for k, v in (("app", app_name), ("model", model)) if v}
    settings = _settings()
    with _store(settings, read_only=True) as store:
        data = report(store, by=by, start=start, end=end, where=where, limit=limit)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
    elif as_csv:
        sys.stdout.write(to_csv(data))  # not echo: it strips ANSI codes from keys in a pipe
    else:
        from sentinel.spend.view import spend_table

        # never cut a subject key or conversation id in a pipe or a file
        Console(width=None if sys.stdout.isatty() else 240).print(spend_table(data))


def register(app: typer.Typer) -> None:
    app.add_typer(prices_app, name="prices")
    app.command("spend")(spend)
