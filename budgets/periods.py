"""Period arithmetic for recurring Blanket POs (pure functions, no database).

Period ``n`` of a series starts ``n`` steps (1, 3 or 12 months) after the series' first start date,
always counted from that anchor so that clamped month ends never drift: a monthly series anchored on
Jan 31 starts on Feb 28 (Feb 29 in a leap year), then Mar 31, Apr 30, ... A period ends the day before
the next one starts. A yearly series anchored on Feb 29 starts on Feb 28 in common years.
"""

from __future__ import annotations

import calendar
import datetime

MONTHLY = "monthly"
QUARTERLY = "quarterly"
YEARLY = "yearly"
STEP_MONTHS = {MONTHLY: 1, QUARTERLY: 3, YEARLY: 12}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by `months` calendar months, clamped to the last day of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_start(*, anchor: datetime.date, repeats: str, index: int) -> datetime.date:
    if repeats not in STEP_MONTHS:
        raise ValueError(f"Unknown repeat interval {repeats!r}.")
    if index < 0:
        raise ValueError("A period index is zero or more.")
    return add_months(anchor, STEP_MONTHS[repeats] * index)


def period_bounds(*, anchor: datetime.date, repeats: str, index: int) -> tuple[datetime.date, datetime.date]:
    """(first day, last day) of period `index` (0 = the first period)."""
    start = period_start(anchor=anchor, repeats=repeats, index=index)
    end = period_start(anchor=anchor, repeats=repeats, index=index + 1) - datetime.timedelta(days=1)
    return start, end


def period_index_on(*, anchor: datetime.date, repeats: str, day: datetime.date) -> int:
    """The index of the period that contains `day` (-1 before the anchor)."""
    if day < anchor:
        return -1
    step = STEP_MONTHS[repeats]
    index = ((day.year - anchor.year) * 12 + day.month - anchor.month) // step
    index = max(index, 0)
    while period_start(anchor=anchor, repeats=repeats, index=index) > day:
        index -= 1
    while period_start(anchor=anchor, repeats=repeats, index=index + 1) <= day:
        index += 1
    return index


def period_label(*, start: datetime.date, repeats: str) -> str:
    """The `{period}` token: 2026-07 (monthly), 2026-Q3 (quarterly, the quarter the period starts in), 2026."""
    if repeats == MONTHLY:
        return f"{start.year:04}-{start.month:02}"
    if repeats == QUARTERLY:
        return f"{start.year:04}-Q{(start.month - 1) // 3 + 1}"
    if repeats == YEARLY:
        return f"{start.year:04}"
    raise ValueError(f"Unknown repeat interval {repeats!r}.")
