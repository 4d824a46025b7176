"""Hard spend budgets per app, in the store's state entries (`budget:app:<name>`),
and the calendar periods they cover.

Periods are UTC calendar periods (an hour, a day from 00:00, a week from Monday, a
month from the 1st), so "20 USD per day" means the same thing on every host and the
end of the period is the honest Retry-After of a refused call.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from sentinel.store.base import Store

Period = Literal["hour", "day", "week", "month"]
PERIODS: tuple[str, ...] = get_args(Period)
PREFIX = "budget:app:"


class Budget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    app: str = Field(min_length=1)
    per: Period
    limit: float = Field(gt=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


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
    return sorted(
        (Budget.model_validate(v) for _, v in store.list_state(PREFIX)), key=lambda b: b.app
    )


def get_budget(store: Store, app: str) -> Budget | None:
    current = store.get_state(PREFIX + app)
    return None if current is None else Budget.model_validate(current[0])


def put_budget(store: Store, budget: Budget) -> None:
    store.set_state(PREFIX + budget.app, budget.model_dump())


def remove_budget(store: Store, app: str) -> bool:
    """True if there was one."""
    if store.get_state(PREFIX + app) is None:
        return False
    store.delete_state(PREFIX + app)
    return True
