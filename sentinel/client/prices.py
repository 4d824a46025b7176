"""DeepSeek's prices as data: the shipped `data/prices.yml` plus an operator's
SENTINEL_PRICES_FILE merged over it (same shape).

DeepSeek changes prices often (the cache-hit price cut to a tenth, promotions that
became the price, peak-hour pricing) and bills in USD and CNY; a dated table means a
price change is a data edit, and a call is always priced with the row in force at its
own timestamp. Amounts are Decimal from the file's text, so no float ever enters a cost.
Errors name the file and line.

An override's new dated set without window rows prices peak hours like off-peak from
then on: the rows of a date replace all the earlier ones, windowed ones included. An
operator adding a new base price usually means "the price changed", not "peak pricing
ended", so such a set is a `prices check` problem and a warning on load, naming file
and line, unless its base row says `without_windows: true`.
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from sentinel.client import datafiles
from sentinel.errors import ConfigurationError

SHIPPED = "data/prices.yml"
CURRENCIES = ("USD", "CNY")
TOKEN_TYPES = ("input_cache_hit", "input_cache_miss", "output")
MAX_PRICE = Decimal(1_000_000)  # per 1M tokens; DeepSeek's dearest is under 30 (CNY)
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ROW_KEYS = {"effective_from", "currency", "window", "without_windows", *TOKEN_TYPES}
log = logging.getLogger("sentinel.client")
_warned: set[str] = set()  # dropped-window warnings logged in this process
_warned_lock = threading.Lock()
_WINDOW_KEYS = {"days", "hours", "except_dates"}


@dataclass(frozen=True)
class Window:
    """Times of day (Beijing) on some weekdays, except some dates: DeepSeek's peak hours."""

    name: str
    days: frozenset[int]  # 0 = Monday
    # [start, end) each; end <= start runs past midnight (22:00-02:00, 20:00-24:00 is
    # stored as 20:00-00:00): such a span belongs to the day it starts on, for `days`
    # and `except_dates` alike
    hours: tuple[tuple[time, time], ...]
    except_dates: frozenset[date] = frozenset()
    where: str = ""

    def _on(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.except_dates

    def contains(self, at: datetime) -> bool:
        local = at.astimezone(BEIJING)
        t, today = local.time(), local.date()
        for start, end in self.hours:
            if start < end:
                if start <= t < end and self._on(today):
                    return True
            elif (t >= start and self._on(today)) or (
                t < end and self._on(today - timedelta(days=1))
            ):
                return True
        return False

    def week_spans(self) -> list[tuple[int, int]]:
        """The window as [start, end) seconds since Monday 00:00 (a span past Sunday
        midnight is split in two), to compare windows across midnight."""
        week = 7 * 86400
        out = []
        for day in self.days:
            for start, end in self.hours:
                a = day * 86400 + _seconds(start)
                b = day * 86400 + _seconds(end) + (0 if start < end else 86400)
                out += [(a, min(b, week))] + ([(0, b - week)] if b > week else [])
        return out


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@dataclass(frozen=True)
class PriceRow:
    model: str
    effective_from: datetime
    currency: str
    # per 1M tokens, by token type
    input_cache_hit: Decimal
    input_cache_miss: Decimal
    output: Decimal
    window: str | None = None
    where: str = ""  # file:line, for errors and `prices show`
    without_windows: bool = False  # a base row whose date ends the earlier windows on purpose

    @property
    def key(self) -> tuple[str, str, datetime, str | None]:
        return (self.model, self.currency, self.effective_from, self.window)


@dataclass
class PriceTable:
    windows: dict[str, Window] = field(default_factory=dict)
    rows: dict[tuple[str, str, datetime, str | None], PriceRow] = field(default_factory=dict)
    # (model, currency) -> [(effective_from, rows of that date)], newest first: built on
    # the first lookup (every call prices itself), dropped when a file is merged in
    _index: dict[tuple[str, str], list[tuple[datetime, list[PriceRow]]]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def models(self) -> set[str]:
        return {row.model for row in self.rows.values()}

    def sorted_rows(self) -> list[PriceRow]:
        return sorted(
            self.rows.values(),
            key=lambda r: (r.model, r.currency, r.effective_from, r.window or ""),
        )

    def row_at(self, model: str, currency: str, at: datetime) -> PriceRow | None:
        """The row in force for `model` at `at`: the latest effective_from at or before it,
        then the row of a window `at` falls in, else the row without a window."""
        if self._index is None:
            dated = _dated(self.rows.values())
            self._index = {k: sorted(v.items(), reverse=True) for k, v in dated.items()}
        for since, rows in self._index.get((model, currency), ()):
            if since > at:
                continue
            base = None
            for row in rows:
                if row.window is None:
                    base = row
                elif (w := self.windows.get(row.window)) is not None and w.contains(at):
                    return row
            return base
        return None


def _dated(rows: Any) -> dict[tuple[str, str], dict[datetime, list[PriceRow]]]:
    """(model, currency) -> effective_from -> the rows of that date."""
    out: dict[tuple[str, str], dict[datetime, list[PriceRow]]] = {}
    for r in rows:
        out.setdefault((r.model, r.currency), {}).setdefault(r.effective_from, []).append(r)
    return out


def _text(node: yaml.Node, name: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise ValueError(f"{name} must be a name, not a list or mapping")
    return str(node.value)


def _amount(node: yaml.Node, name: str) -> Decimal:
    """From the scalar's own text: YAML would make 0.60 a float first."""
    if not isinstance(node, yaml.ScalarNode):
        raise ValueError(f"{name} must be a number")
    try:
        amount = Decimal(str(node.value).strip())
    except InvalidOperation:
        raise ValueError(f"{name} must be a number, got {node.value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{name} must be a number >= 0, got {node.value!r}")
    if amount > MAX_PRICE:  # a typo: 1e400 made every cost an infinite float, unstorable
        raise ValueError(f"{name} must be at most {MAX_PRICE:,} per 1M tokens, got {node.value!r}")
    return amount


def _hours(value: Any) -> tuple[time, time]:
    """HH:MM-HH:MM; an end at or before the start runs past midnight (22:00-02:00), and
    24:00 is midnight at the end of the day."""
    try:
        first, last = (part.strip() for part in str(value).split("-"))
        start = time.fromisoformat(first)
        end = time(0) if last in ("24:00", "24:00:00") else time.fromisoformat(last)
    except ValueError:
        raise ValueError(f"hours are HH:MM-HH:MM (Beijing time), got {value!r}") from None
    if end == start and not last.startswith("24"):  # 00:00-24:00 is the whole day
        raise ValueError(f"hours {value!r}: the end must differ from the start")
    return start, end


def _window(name: str, node: yaml.MappingNode, where: str) -> Window:
    values: dict[str, Any] = {}
    for key, value in node.value:
        line = f"{where}:{key.start_mark.line + 1}"
        if key.value not in _WINDOW_KEYS:
            allowed = sorted(_WINDOW_KEYS)
            raise ConfigurationError(
                f"{line}: window {name}: unknown key {key.value!r} (allowed: {allowed})"
            )
        if key.value in values:  # YAML keeps the last one silently
            raise ConfigurationError(f"{line}: window {name}: {key.value} given twice")
        try:  # a date such as 2026-02-30 fails in YAML's own constructor
            values[key.value] = (yaml.safe_load(yaml.serialize(value)), line)
        except (ValueError, yaml.YAMLError) as exc:
            raise ConfigurationError(f"{line}: window {name}: {key.value}: {_why(exc)}") from None
    at = f"{where}:{node.start_mark.line + 1}"
    if "hours" not in values:
        raise ConfigurationError(f"{at}: window {name}: hours is required")
    try:
        days, line = values.get("days", (list(_DAYS), at))
        if not isinstance(days, list) or any(d not in _DAYS for d in days):
            raise ValueError(f"days must be a list of {', '.join(_DAYS)}")
        hours, line = values["hours"]
        if not isinstance(hours, list) or not hours:
            raise ValueError("hours must be a list of HH:MM-HH:MM ranges")
        spans = tuple(sorted(_hours(h) for h in hours))
        for i, a in enumerate(spans):
            for b in spans[i + 1 :]:
                if _meet([a], [b]):
                    raise ValueError(f"hours overlap at {b[0]:%H:%M}")
        dates, line = values.get("except_dates", ([], at))
        if not isinstance(dates, list) or not all(
            isinstance(d, date) and not isinstance(d, datetime) for d in dates
        ):
            raise ValueError("except_dates must be a list of dates (2026-10-01)")
    except ValueError as exc:
        raise ConfigurationError(f"{line}: window {name}: {exc}") from None
    return Window(name, frozenset(_DAYS.index(d) for d in days), spans, frozenset(dates), at)


def _row(model: str, node: yaml.Node, where: str) -> PriceRow:
    at = f"{where}:{node.start_mark.line + 1}"
    if not isinstance(node, yaml.MappingNode):
        raise ConfigurationError(f"{at}: {model}: each price row must be a mapping")
    values: dict[str, Any] = {}
    for key, value in node.value:
        line = f"{where}:{key.start_mark.line + 1}"
        if key.value not in _ROW_KEYS:
            raise ConfigurationError(
                f"{line}: {model}: unknown key {key.value!r} (allowed: {sorted(_ROW_KEYS)})"
            )
        if key.value in values:  # YAML keeps the last one silently: which was meant?
            raise ConfigurationError(f"{line}: {model}: {key.value} given twice")
        values[key.value] = value
    missing = sorted({"effective_from", "currency", *TOKEN_TYPES} - set(values))
    if missing:
        raise ConfigurationError(f"{at}: {model}: missing {', '.join(missing)}")
    try:
        when = datafiles.utc_time(yaml.safe_load(yaml.serialize(values["effective_from"])))
        currency = _text(values["currency"], "currency")
        if currency not in CURRENCIES:
            raise ValueError(f"currency must be one of {', '.join(CURRENCIES)}, got {currency!r}")
        window = _text(values["window"], "window") if "window" in values else None
        amounts = {t: _amount(values[t], t) for t in TOKEN_TYPES}
        without = _flag(values.get("without_windows"), "without_windows")
        if without and window is not None:
            raise ValueError("without_windows belongs on the row without a window")
    except (ValueError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{at}: {model}: {_why(exc)}") from None
    return PriceRow(
        model, when, currency, window=window, where=at, without_windows=without, **amounts
    )


def _why(exc: Exception) -> str:
    """One line: a YAML error's str adds the mark of a re-serialised node, not the file's."""
    return str(getattr(exc, "problem", None) or exc)


def _flag(node: yaml.Node | None, name: str) -> bool:
    if node is None:
        return False
    value = yaml.safe_load(yaml.serialize(node))
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, got {value!r}")
    return value


def parse(text: str, where: str, into: PriceTable | None = None) -> PriceTable:
    """The rows and windows of one file merged over `into`."""
    table = into if into is not None else PriceTable()
    table._index = None
    mine: dict[tuple[str, str, datetime, str | None], PriceRow] = {}  # this file's rows
    for key, node in datafiles.sections(text, where, "`windows:` and/or `prices:`"):
        line = f"{where}:{key.start_mark.line + 1}"
        if key.value not in ("windows", "prices"):
            raise ConfigurationError(f"{line}: unknown section {key.value!r} (use windows, prices)")
        if not isinstance(node, yaml.MappingNode):
            raise ConfigurationError(f"{line}: {key.value} must be a mapping")
        for name, entry in node.value:
            at = f"{where}:{name.start_mark.line + 1}"
            if key.value == "windows":
                if not isinstance(entry, yaml.MappingNode):
                    raise ConfigurationError(f"{at}: window {name.value} must be a mapping")
                table.windows[str(name.value)] = _window(str(name.value), entry, where)
                continue
            if not isinstance(entry, yaml.SequenceNode):
                raise ConfigurationError(f"{at}: prices.{name.value} must be a list of rows")
            for item in entry.value:
                row = _row(str(name.value), item, where)
                if (same := mine.get(row.key)) is not None:  # which one was meant?
                    raise ConfigurationError(
                        f"{row.where}: {row.model}: same model, currency, effective_from "
                        f"and window as the row at {same.where}"
                    )
                mine[row.key] = table.rows[row.key] = row
    return table


def load(extra: Path | None = None, *, warn: bool = True) -> PriceTable:
    """The shipped table, with `extra` (SENTINEL_PRICES_FILE) merged over it; each dated
    set that drops the earlier windows logged once per process (`warn`)."""
    files = datafiles.texts(SHIPPED, extra, "SENTINEL_PRICES_FILE")
    table = parse(*next(files))  # the shipped file comes first
    for text, where in files:
        parse(text, where, table)
    for message in dropped_windows(table) if warn else ():
        with _warned_lock:
            first = message not in _warned
            _warned.add(message)
        if first:
            log.warning("%s", message)
    return table


def dropped_windows(table: PriceTable) -> list[str]:
    """Dated sets with no window row after a set that had some, not marked
    `without_windows`: from their date on, peak hours cost the base price."""
    out = []
    for (model, currency), sets in _dated(table.rows.values()).items():
        for (_, before), (since, rows) in itertools.pairwise(sorted(sets.items())):
            earlier = [r for r in before if r.window is not None]
            base = next((r for r in rows if r.window is None), None)
            if not earlier or base is None or base.without_windows:
                continue
            if any(r.window is not None for r in rows):
                continue
            names = " or ".join(sorted({r.window for r in earlier if r.window}))
            out.append(
                f"{base.where}: {model}: the {currency} rows from {since:%Y-%m-%d %H:%M} UTC "
                f"have no {names} window row, so from then on those hours cost this row's "
                f"price (the rows before had one: {earlier[0].where}); add the window rows "
                "for this date, or `without_windows: true` on this row if that is meant"
            )
    return sorted(out)


def problems(table: PriceTable, models: set[str]) -> list[str]:
    """What `sentinel prices check` reports: catalogue models with no row in some
    currency, rows naming a window nobody defined, and windowed rows of one model,
    currency and date whose windows overlap (a call would match both), and dated sets
    that drop the windows of the set before (`dropped_windows`)."""
    out = dropped_windows(table)
    for model in sorted(models):
        for currency in CURRENCIES:
            if not any(r.model == model and r.currency == currency for r in table.rows.values()):
                out.append(f"model {model!r} (in the catalogue) has no {currency} price")
    groups: dict[tuple[str, str, datetime], list[PriceRow]] = {}
    for row in table.rows.values():  # file order: a problem is named at the later row
        if row.window is not None and row.window not in table.windows:
            out.append(f"{row.where}: {row.model}: window {row.window!r} is not defined")
        groups.setdefault((row.model, row.currency, row.effective_from), []).append(row)
    for rows in groups.values():
        first = rows[0]
        if not any(r.window is None for r in rows):
            out.append(
                f"{first.where}: {first.model}: no row without a window for {first.currency} "
                f"from {first.effective_from:%Y-%m-%d %H:%M} UTC"
            )
        windowed = [r for r in rows if r.window in table.windows]
        for i, a in enumerate(windowed):
            for b in windowed[i + 1 :]:
                if overlap(table.windows[a.window], table.windows[b.window]):  # type: ignore[index]
                    out.append(
                        f"{b.where}: {b.model}: window {b.window!r} overlaps {a.window!r} "
                        f"({a.where})"
                    )
    return out


def _meet(a: list[tuple[time, time]], b: list[tuple[time, time]]) -> bool:
    """Whether two sets of daily spans share a time on some day (every day)."""
    every = frozenset(range(7))
    return overlap(Window("a", every, tuple(a)), Window("b", every, tuple(b)))


def overlap(a: Window, b: Window) -> bool:
    """Whether some time of some day falls in both (except_dates aside), midnight
    crossings included."""
    return any(s1 < e2 and s2 < e1 for s1, e1 in a.week_spans() for s2, e2 in b.week_spans())
