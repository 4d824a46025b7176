"""The spend report as a Rich table (`sentinel spend`, `sentinel demo`)."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text


def money(value: float | None) -> str:
    """Six decimals: one call often costs far less than a cent."""
    return "-" if value is None else f"{value:,.6f}"


def shown(key: str) -> Text:
    """A group key as the caller sent it (a conversation id from the proxy's header or
    body), never as Rich markup (`[link=...]x[/link]` showed as a link named x) nor as
    terminal control: ESC, CR and the like are printed escaped (`\\x1b`)."""
    return Text("".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in key))


def spend_table(data: dict[str, Any], title: str | None = None) -> Table:
    t = Table(title=title or f"Spend by {data['by']}, {data['since'][:16]} to {data['until'][:16]}")
    t.add_column(data["by"], no_wrap=True, overflow="fold")
    for col in ("currency", "calls", "cost", "cache saving", "cache hit", "output tokens"):
        t.add_column(col, justify="left" if col == "currency" else "right", no_wrap=True)
    for r in data["rows"]:
        ratio = r["cache_hit_ratio"]
        t.add_row(
            shown(r["key"]) if r["key"] else "(none)", r["currency"] or "no cost",
            str(r["calls"]), money(r["cost"]),
            money(r["cache_savings"]), "-" if ratio is None else f"{ratio:.0%}",
            str(r["output_tokens"]),
        )  # fmt: skip
    # "no_cost": calls without usage (failed calls) or without a price row
    for cur, tot in data["totals"].items():
        t.add_row(
            "total", cur.replace("_", " "), str(tot["calls"]), money(tot["cost"]),
            money(tot["cache_savings"]), "", "", style="bold",
        )  # fmt: skip
    return t
