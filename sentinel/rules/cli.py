"""`sentinel rules check PATH...` and `sentinel rules test FILE...`.

Both exit 1 on any problem so they can gate a CI pipeline that ships rule changes,
the way `promtool check rules` / `promtool test rules` are used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

rules_app = typer.Typer(help="Validate and unit-test alert rule files.", no_args_is_help=True)


@rules_app.command("check")
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Rule files or directories of *.yml (default: SENTINEL_RULES, else built-in)."
        ),
    ] = None,
) -> None:
    """Validate rule files; every error is printed as file:line: problem."""
    from sentinel.config import Settings
    from sentinel.rules.loader import RuleLoadError, default_rule_paths, load_rules

    try:
        rules = load_rules(paths or default_rule_paths(Settings()))
    except RuleLoadError as exc:
        for err in exc.errors:
            typer.echo(str(err), err=True)
        typer.echo(f"{len(exc.errors)} error(s)", err=True)
        raise typer.Exit(1) from None
    n = sum(len(g.rules) for g in rules.groups)
    typer.echo(f"OK: {len(rules.files)} file(s), {len(rules.groups)} group(s), {n} rule(s)")


@rules_app.command("test")
def test(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Rule test files (YAML; default: tests/*.yml beside SENTINEL_RULES's "
            "directories, else the built-in rules' tests)."
        ),
    ] = None,
) -> None:
    """Run rule unit tests; prints each failing expectation with expected and actual."""
    from sentinel.config import Settings
    from sentinel.rules.loader import default_rule_paths
    from sentinel.rules.rule_tests import run_test_file

    # Without files, the tests of the rules `serve` would load: passing the built-in
    # tests while SENTINEL_RULES names other rules would be a false green in an
    # operator's CI. Finding none is a failure for the same reason.
    dirs = [p for p in default_rule_paths(Settings()) if p.is_dir()]
    found = (t for d in dirs for t in (d / "tests").glob("*") if t.suffix in (".yml", ".yaml"))
    paths = files or sorted(found)
    if not paths:
        where = ", ".join(str(d / "tests") for d in dirs) or "SENTINEL_RULES (no directory)"
        typer.echo(f"no rule test files (*.yml) in {where}", err=True)
        raise typer.Exit(1)
    failed = 0
    for path in paths:
        result = run_test_file(path)
        for name in result.passed:
            typer.echo(f"PASS {path}: {name}")
        for failure in result.failures:
            typer.echo(f"FAIL {failure}", err=True)
        failed += len(result.failures)
    if failed:
        typer.echo(f"{failed} failure(s)", err=True)
        raise typer.Exit(1)
    typer.echo("all rule tests passed")


def register(app: typer.Typer) -> None:
    """Add the `rules` command group to the `sentinel` app."""
    app.add_typer(rules_app, name="rules")
