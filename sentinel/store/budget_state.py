"""Hard spend budgets per app or per proxy token, in the store's state entries
(`budget:app:<name>`, `budget:token:<token id>`), and the calendar periods they cover.

A token budget names the token by its id (the public part of `sst_<id>_<secret>`,
what `sentinel tokens list` shows), never by the token itself: the id is all a call
record carries (`proxy_token_id`), and the pattern refuses anything longer.

Periods are UTC calendar periods (an hour, a day from 00:00, a week from Monday, a
month from the 1st), so "20 USD per day" means the same thing on every host and the
end of the period is the honest Retry-After of a refused call.

A budget counts the calls priced in its own currency only: Sentinel never converts
(DeepSeek bills USD and CNY each at its own list price, and no exchange rate here would
be the one on the invoice). So a budget in another currency than its owner's calls
counts nothing and never stops a call; `currency_gap` is how `budgets set`, `budgets
list` and `sentinel doctor` find that out from the stored calls.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sentinel.models import TOKEN_ID
from sentinel.store.base import Store

Period = Literal["hour", "day", "week", "month"]
PERIODS: tuple[str, ...] = get_args(Period)
PREFIX = "budget:"
# how far back `budgets set` looks for the currency its owner's calls are priced in
LOOKBACK = timedelta(days=30)


def budget_key(app: str | None = None, token: str | None = None) -> str:
    """The budget's identity (and state key under PREFIX): `app:<name>` or `token:<id>`."""
    return f"token:{token}" if token is not None else f"app:{app}"


class Budget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    app: str | None = Field(default=None, min_length=1)
    token: str | None = Field(default=None, pattern=f"^{TOKEN_ID}$")  # a proxy token's id
    per: Period
    limit: float = Field(gt=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")

    @model_validator(mode="after")
    def _one_owner(self) -> Budget:
        if (self.app is None) == (self.token is None):
            raise ValueError("a budget limits either an app or a proxy token")
        return self

    @property
    def key(self) -> str:
        return budget_key(self.app, self.token)

    @property
    def owner(self) -> str:
        return owner_label(self.app, self.token)

    @property
    def where(self) -> dict[str, str]:
        """The cost label filter of the calls this budget counts (currency aside)."""
        return owner_where(self.app, self.token)


def owner_label(app: str | None = None, token: str | None = None) -> str:
    """For messages: `app 'x'` or `proxy token 'id'`."""
    return f"proxy token {token!r}" if token is not None else f"app {app!r}"


def owner_where(app: str | None = None, token: str | None = None) -> dict[str, str]:
    return {"proxy_token": token} if token is not None else {"app": app or ""}


def spend_by_currency(
    store: Store, where: dict[str, str], start: datetime, end: datetime
) -> dict[str, float]:
    """What the priced calls matching `where` with start < timestamp <= end cost, per
    currency (never added across currencies)."""
    stats = store.cost_stats(start, end, where, ["currency"])
    return {s.labels["currency"]: s.cost for s in stats if s.calls and s.labels.get("currency")}


def currency_gap(budget: Budget, spent: dict[str, float], during: str) -> str | None:
    """The warning for spend of the budget's owner (`spent`, per currency, `during` some
    time) in currencies the budget does not count; None when there is none."""
    others = {c: v for c, v in sorted(spent.items()) if c != budget.currency}
    if not others:
        return None
    amounts = ", ".join(f"{v:.2f} {c}" for c, v in others.items())
    return (
        f"the {budget.currency} budget of {budget.owner} does not count {amounts} its calls "
        f"cost {during} (Sentinel never converts currencies): set the budget in "
        f"{' or '.join(others)}, or price the calls in {budget.currency} (SENTINEL_CURRENCY)"
    )


def period_bounds(per: str, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the UTC calendar period holding `now`."""
    if per == "hour":
        start = now.replace(minute=0, second=0, microsecond=0)
        return start, start + timedelta(hours=1)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if per == "day":
        return day, day + timedelta(days=1)
    if per == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    if per == "month":
        start = day.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return start, following
    raise ValueError(f"unknown budget period {per!r}: use {', '.join(PERIODS)}")


def list_budgets(store: Store) -> list[Budget]:
    """App budgets by app, then token budgets by token id."""
    budgets = (Budget.model_validate(v) for _, v in store.list_state(PREFIX))
    return sorted(budgets, key=lambda b: (b.token is not None, b.app or b.token or ""))


def get_budget(store: Store, app: str | None = None, *, token: str | None = None) -> Budget | None:
    current = store.get_state(PREFIX + budget_key(app, token))
    return None if current is None else Budget.model_validate(current[0])


def put_budget(store: Store, budget: Budget) -> None:
    store.set_state(PREFIX + budget.key, budget.model_dump())


def remove_budget(store: Store, app: str | None = None, *, token: str | None = None) -> bool:
    """True if there was one."""
    key = PREFIX + budget_key(app, token)
    if store.get_state(key) is None:
        return False
    store.delete_state(key)
    return True
