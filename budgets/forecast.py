"""Run-out forecasts: an exponentially weighted daily spending rate from the ledger, and the date the
money runs out at that rate (reads only).

The rate looks at the last 90 days (or since the budget started, if later), day by day: each day's net
spend (charges less releases; rollover transfers are not spending) gets weight 0.5 ** (age / 14), so a
day two weeks old counts half as much as today. A constant spend of c a day gives exactly c; no
spending gives 0 and no run-out date.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import Budget, LedgerEntry

WINDOW_DAYS = 90
HALF_LIFE_DAYS = 14


@dataclass(frozen=True)
class Forecast:
    rate: Decimal                     # per day, to the cent
    runout: datetime.date | None      # None: no spending, or it lasts
    end: datetime.date

    @property
    def days_early(self) -> int | None:
        """How many days before the period ends the money runs out (None when it does not)."""
        if self.runout is None or self.runout >= self.end:
            return None
        return (self.end - self.runout).days


def ewma_rate(daily: dict[datetime.date, Decimal], *, first: datetime.date, today: datetime.date,
              half_life: int = HALF_LIFE_DAYS) -> float:
    """The exponentially weighted mean of the daily amounts from `first` to `today` (missing days are 0)."""
    if first > today:
        return 0.0
    total = weights = 0.0
    day = first
    while day <= today:
        weight = 0.5 ** ((today - day).days / half_life)
        total += weight * float(daily.get(day, 0))
        weights += weight
        day += datetime.timedelta(days=1)
    return max(0.0, total / weights)


def runout_date(*, remaining: Decimal, rate: float, today: datetime.date) -> datetime.date | None:
    """The day the money is gone at `rate` a day (today if it already is; None without spending)."""
    if remaining <= 0:
        return today
    if rate <= 0:
        return None
    days = math.ceil(float(remaining) / rate - 1e-9)
    if days > 3650:
        return None
    return today + datetime.timedelta(days=days)


def _window_first(budget_start: datetime.date, today: datetime.date) -> datetime.date:
    return max(budget_start, today - datetime.timedelta(days=WINDOW_DAYS - 1))


def _daily(*, budget_ids, today, by: str, unassigned: bool = False) -> dict[int | None, dict[datetime.date, Decimal]]:
    """Net spend per (budget or allocation) per day over the window: one query (`unassigned`: keep the
    rows whose `by` is empty, under None)."""
    since = today - datetime.timedelta(days=WINDOW_DAYS - 1)
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    rows = (
        LedgerEntry.objects.filter(budget_id__in=budget_ids, created_at__gte=start,
                                   kind__in=[LedgerEntry.Kind.CHARGE, LedgerEntry.Kind.RELEASE])
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .order_by().values(by, "day", "kind").annotate(total=Sum("amount"))
    )
    daily: dict[int, dict[datetime.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        if row[by] is None and not unassigned:
            continue
        sign = 1 if row["kind"] == LedgerEntry.Kind.CHARGE else -1
        daily[row[by]][row["day"]] += sign * row["total"]
    return daily


def budget_forecasts(*, budgets, today: datetime.date | None = None) -> dict[int, Forecast]:
    """Each budget's forecast by pk, in one query whatever the number of budgets."""
    today = today or timezone.localdate()
    budgets = list(budgets)
    daily = _daily(budget_ids=[b.pk for b in budgets], today=today, by="budget_id")
    return {b.pk: _budget_forecast(b, daily.get(b.pk, {}), today) for b in budgets}


def _budget_forecast(b: Budget, daily: dict[datetime.date, Decimal], today: datetime.date) -> Forecast:
    rate = ewma_rate(daily, first=_window_first(b.start_date, today), today=today)
    return Forecast(Decimal(str(round(rate, 2))), runout_date(remaining=b.amount - b.spent, rate=rate, today=today)
                    if b.status == Budget.Status.ACTIVE else None, b.end_date)


def budget_page_forecasts(*, budget: Budget, allocations, today: datetime.date | None = None) -> tuple[Forecast, dict[int, Forecast]]:
    """The budget page's forecasts: the budget's and each allocation's (by pk), from one query: the budget's
    daily spend is the sum of its allocations' and the unallocated spend."""
    today = today or timezone.localdate()
    per_allocation = _daily(budget_ids=[budget.pk], today=today, by="allocation_id", unassigned=True)
    total: dict[datetime.date, Decimal] = defaultdict(Decimal)
    for days in per_allocation.values():
        for day, amount in days.items():
            total[day] += amount
    return (_budget_forecast(budget, total, today),
            allocation_forecasts(budget=budget, allocations=allocations, today=today, daily=per_allocation))


def allocation_forecasts(*, budget: Budget, allocations, today: datetime.date | None = None,
                         daily: dict | None = None) -> dict[int, Forecast]:
    """Each allocation's forecast by pk (one query; none if `daily`, the spend per allocation per day, is given)."""
    today = today or timezone.localdate()
    if daily is None:
        daily = _daily(budget_ids=[budget.pk], today=today, by="allocation_id")
    first = _window_first(budget.start_date, today)
    result = {}
    for a in allocations:
        rate = ewma_rate(daily.get(a.pk, {}), first=first, today=today)
        remaining = min(a.amount - a.spent, budget.amount - budget.spent)
        result[a.pk] = Forecast(Decimal(str(round(rate, 2))), runout_date(remaining=remaining, rate=rate, today=today)
                                if budget.status == Budget.Status.ACTIVE else None, budget.end_date)
    return result


def forecast_sentence(*, budget: Budget, forecast: Forecast) -> str:
    """'At this rate, Engineering 2026 runs out on 14 Sep, 16 days before the period ends.' (or '')."""
    if forecast.days_early is None:
        return ""
    return (f"At this rate, {budget.name} runs out on {forecast.runout:%-d %b}, "
            f"{forecast.days_early} day{'s' if forecast.days_early != 1 else ''} before the period ends.")
