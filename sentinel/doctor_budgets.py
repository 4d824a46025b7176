"""`sentinel doctor`'s budget check: a budget counts only the calls priced in its own
currency (Sentinel never converts), so one whose app's or token's calls are priced in
another (a --currency typo, or SENTINEL_CURRENCY changed since) never stops a call.
Found from the calls of the last 30 days, as `budgets set` checks them."""

from __future__ import annotations

from datetime import UTC, datetime

from sentinel.config import Settings
from sentinel.doctor_check import Check
from sentinel.store.budget_state import LOOKBACK, currency_gap, list_budgets, spend_by_currency


def check_budgets(settings: Settings, now: datetime | None = None) -> Check:
    from sentinel.store import open_store

    now = now or datetime.now(UTC)
    try:
        store = open_store(settings=settings)
        try:
            budgets = list_budgets(store)
            spent = [spend_by_currency(store, b.where, now - LOOKBACK, now) for b in budgets]
        finally:
            store.close()
    except Exception as exc:  # the store check says why
        return Check("budgets", "skip", f"store unavailable ({type(exc).__name__})")
    found = (currency_gap(b, s, "in 30 days") for b, s in zip(budgets, spent, strict=True))
    gaps = [gap for gap in found if gap]
    if gaps:
        return Check(
            "budgets",
            "warn",
            "; ".join(gaps),
            "`sentinel budgets set ... --currency` in the calls' currency (`budgets list`)",
        )
    return Check("budgets", "ok", f"{len(budgets)} budget(s), each in its calls' currency")
