"""`sentinel safety test "text"` and `sentinel safety check [PATH...]`.

`test` is how an operator sees what a list entry does before it goes live: which
categories match where, which action applies on the given side, and the text as the
app (or the upstream) would get it. It prints the matched text, because the operator
asked about their own text; nothing here writes telemetry. Both exit 1 on a bad list,
with every problem as file:line: problem, so they can gate a CI pipeline.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

safety_app = typer.Typer(help="Test and validate content safety term lists.", no_args_is_help=True)
ListsOpt = Annotated[
    list[str] | None,
    typer.Option("--lists", "-l", help="List files or dirs (default: SENTINEL_SAFETY_LISTS)."),
]


def _load(lists: list[str] | None) -> Any:
    from sentinel.config import load_settings
    from sentinel.safety.lists import SafetyListError, load_lists

    specs = lists or load_settings().safety_lists
    if not specs:
        typer.echo("no lists: pass --lists PATH or set SENTINEL_SAFETY_LISTS", err=True)
        raise typer.Exit(2)
    try:
        return load_lists(specs)
    except SafetyListError as exc:
        for problem in exc.problems:
            typer.echo(problem, err=True)
        typer.echo(f"{len(exc.problems)} error(s)", err=True)
        raise typer.Exit(1) from None


@safety_app.command("check")
def check(lists: ListsOpt = None) -> None:
    """Validate the lists; every problem is printed as file:line: problem."""
    loaded = _load(lists)
    typer.echo(
        f"OK: {len(loaded.files)} file(s), {len(loaded.policies)} categories, "
        f"{len(loaded.terms)} terms, {len(loaded.patterns)} patterns, "
        f"longest match {loaded.longest} characters"
    )


@safety_app.command("test")
def test(
    text: Annotated[str, typer.Argument(help="The text to screen ('-' reads stdin).")],
    lists: ListsOpt = None,
    direction: Annotated[
        str, typer.Option("--direction", "-d", help="input (a prompt) or output (an answer).")
    ] = "output",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
) -> None:
    """Show what the filter would match in TEXT, which action applies, and the result."""
    from sentinel import cli_tables
    from sentinel.safety.guard import Direction
    from sentinel.safety.matcher import Matcher
    from sentinel.safety.stream import mask_spans

    if direction not in ("input", "output"):
        typer.echo("--direction must be input or output", err=True)
        raise typer.Exit(2)
    if text == "-":
        text = typer.get_binary_stream("stdin").read().decode("utf-8", "surrogateescape")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # undecodable bytes (argv and stdin keep them)
        typer.echo(f"TEXT is not UTF-8 (at character {exc.start})", err=True)
        raise typer.Exit(2) from None
    matcher = Matcher(_load(lists))
    side = Direction(matcher, direction)
    folded, matches = matcher.scan(text)
    rows = []
    for m in sorted(matches, key=lambda m: (m.start, m.end, m.category)):
        start, end = folded.raw_span(m.start, m.end)
        policy = matcher.policies[m.category]
        rows.append(
            {
                "category": m.category,
                "start": start,
                "end": end,
                "text": text[start:end],
                "action": policy.action if m.category in side.categories else "none",
                "applies_to": policy.apply,
            }
        )
    active = [r for r in rows if r["action"] != "none"]
    blocked = sorted({r["category"] for r in active if r["action"] == "block"})
    masked = mask_spans(text, [(r["start"], r["end"]) for r in active if r["action"] == "mask"])
    result = {
        "direction": direction,
        "matches": rows,
        "blocked": bool(blocked),
        "blocked_categories": blocked,
        "result": None if blocked else masked,
    }
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    console = cli_tables.console()
    if not rows:
        console.print("no match")
        return
    table = cli_tables.table("category", "span", "matched", "action", "applies to")
    for r in rows:
        table.add_row(
            r["category"], f"{r['start']}-{r['end']}", r["text"], r["action"], r["applies_to"]
        )
    console.print(table)
    if blocked:
        console.print(f"[bold red]blocked[/] on {direction} (category: {', '.join(blocked)})")
    else:
        console.print("result:", masked, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the `safety` command group to the `sentinel` app."""
    app.add_typer(safety_app, name="safety")
