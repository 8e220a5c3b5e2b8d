"""Recurring Blanket POs: setting up a series and opening its next period (services).

Each period is its own Budget row with its own number and ledger. `budget_series_advance` opens the
periods that are due, exactly once: it locks the series row first (so concurrent runs queue and the
second finds nothing to do), then the budget rows (through the ledger, in id order); the unique
constraint on (series, period_index) is the backstop. Closing a period posts its rollover through the
ledger (`budget_transfer`, a transfer entry on both budgets).
"""

from __future__ import annotations

import datetime
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from procurement.fields import fields_check
from procurement.models import Group, GroupMembership
from procurement.money import CENT, ZERO
from procurement.numbering.services import blanket_po_number

from .automatic import allocation_rule_apply_to_budget, allocation_rule_copy
from .ledger import budget_lock, budget_transfer, budget_transferable
from .models import Allocation, Budget, BudgetSeries
from .periods import period_bounds, period_label
from .services import EDITABLE_FIELDS

SERIES_FIELDS = ("repeats", "ends_on", "rollover", "rollover_cap_amount", "rollover_cap_percent", "allocations_mode")
#: Settings a new period takes over from the period before it.
CARRIED_FIELDS = (
    "name", "note_to_buyers", "policy", "low_funds_alert", "show_balance_to_buyers", "allow_unallocated_spend",
    "runout_alert_days",
)


def series_errors(*, start_date: datetime.date, repeats: str, ends_on, rollover: str,
                  rollover_cap_amount, rollover_cap_percent) -> dict[str, str]:
    """Why these series settings cannot stand (empty when fine); the form and the service both ask."""
    errors = {}
    if repeats not in BudgetSeries.Repeats.values:
        errors["repeats"] = "Choose how often the budget repeats."
    if ends_on is not None and ends_on < start_date:
        errors["ends_on"] = "The repeat end cannot be before the first period starts."
    if rollover not in BudgetSeries.Rollover.values:
        errors["rollover"] = "Choose a rollover."
    elif rollover == BudgetSeries.Rollover.CAPPED and rollover_cap_amount is None and rollover_cap_percent is None:
        errors["rollover_cap_amount"] = "A capped rollover needs a cap: an amount, a percentage, or both."
    if rollover_cap_percent is not None and not (0 <= rollover_cap_percent <= 100):
        errors["rollover_cap_percent"] = "The percentage is from 0 to 100."
    if rollover_cap_amount is not None and rollover_cap_amount < 0:
        errors["rollover_cap_amount"] = "The cap cannot be negative."
    return errors


def period_po_number(*, group: Group, start: datetime.date, repeats: str, taken: set[str] | None = None) -> str:
    """The period's Blanket PO number from the numbering pattern (``BPO-ENG-2026-Q3``), made unique."""
    base = blanket_po_number(group=group, period=period_label(start=start, repeats=repeats), on=start)
    if taken is None:
        taken = {
            n.upper() for n in Budget.objects.filter(business_id=group.business_id, po_number__istartswith=base)
            .values_list("po_number", flat=True)
        }
    candidate, n = base, 1
    while candidate.upper() in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@transaction.atomic
def budget_series_create(*, group: Group, acting_user, today: datetime.date | None = None, **fields) -> Budget:
    """Set up a recurring Blanket PO: the series and its first period (and any periods already due).

    `fields` are the budget's editable fields (its start date is the series' anchor; its end date and
    number come from the period) plus SERIES_FIELDS. Returns the current period.
    """
    fields_check(fields, EDITABLE_FIELDS + SERIES_FIELDS, service="budget_series_create")
    series_fields = {name: fields.pop(name, None) for name in SERIES_FIELDS}
    series_fields["rollover"] = series_fields["rollover"] or BudgetSeries.Rollover.OFF
    series_fields["allocations_mode"] = series_fields["allocations_mode"] or BudgetSeries.AllocationsMode.REPEAT
    anchor = fields["start_date"]
    errors = series_errors(start_date=anchor, **{k: series_fields[k] for k in (
        "repeats", "ends_on", "rollover", "rollover_cap_amount", "rollover_cap_percent")})
    if errors:
        raise ValidationError(errors)
    if series_fields["rollover"] != BudgetSeries.Rollover.CAPPED:
        series_fields["rollover_cap_amount"] = series_fields["rollover_cap_percent"] = None
    series = BudgetSeries(
        business_id=group.business_id, group=group, name=fields["name"], anchor_date=anchor,
        amount=fields["amount"], **series_fields,
    )
    series._history_user = acting_user
    series.save()
    start, end = period_bounds(anchor=anchor, repeats=series.repeats, index=0)
    fields.pop("po_number", None)
    fields.pop("end_date", None)
    budget = Budget(
        business_id=group.business_id, group=group, currency=group.business.currency, created_by=acting_user,
        series=series, period_index=0, end_date=end,
        po_number=period_po_number(group=group, start=start, repeats=series.repeats), **fields,
    )
    budget._history_user = acting_user
    budget.save()
    opened = budget_series_advance(series_id=series.pk, today=today or timezone.localdate(), acting_user=acting_user)
    return opened[-1] if opened else budget


def rollover_amount(*, series: BudgetSeries, unspent: Decimal, period_amount: Decimal) -> Decimal:
    """How much of `unspent` carries into the next period under the series' rollover."""
    unspent = max(ZERO, unspent)
    if series.rollover == BudgetSeries.Rollover.OFF:
        return ZERO
    if series.rollover == BudgetSeries.Rollover.FULL:
        return unspent.quantize(CENT)
    caps = [unspent]
    if series.rollover_cap_amount is not None:
        caps.append(series.rollover_cap_amount)
    if series.rollover_cap_percent is not None:
        caps.append((period_amount * series.rollover_cap_percent / 100).quantize(CENT, rounding=ROUND_DOWN))
    return min(caps).quantize(CENT, rounding=ROUND_DOWN)


@transaction.atomic
def budget_series_advance(*, series_id: int, today: datetime.date, acting_user=None) -> list[Budget]:
    """Open every period of the series that is due on `today`, each exactly once; returns the new periods.

    Locks the series row, then the ending period's budget row. For each ended period: open the next
    one (unless the series' end is passed, then the series ends), close the ended one, post the
    rollover through the ledger, and give the new period its allocations.
    """
    series = BudgetSeries.objects.select_for_update().select_related("group__business").get(pk=series_id)
    if series.ended_at is not None:
        return []
    latest = Budget.objects.filter(series=series).order_by("-period_index").first()
    opened: list[Budget] = []
    while latest is not None and latest.end_date < today:
        old = budget_lock(budget_id=latest.pk, business_id=series.business_id)
        index = old.period_index + 1
        start, end = period_bounds(anchor=series.anchor_date, repeats=series.repeats, index=index)
        if series.ends_on is not None and start > series.ends_on:
            _close(old)
            series.ended_at = timezone.now()
            series._history_user = acting_user
            series.save(update_fields=["ended_at"])
            break
        new = Budget(
            business_id=series.business_id, group_id=series.group_id, currency=old.currency, series=series,
            period_index=index, start_date=start, end_date=end, amount=series.amount, created_by=acting_user,
            po_number=period_po_number(group=series.group, start=start, repeats=series.repeats),
            **{name: getattr(old, name) for name in CARRIED_FIELDS},
        )
        if new.low_funds_alert is not None and new.low_funds_alert >= new.amount:
            new.low_funds_alert = None
        new._history_user = acting_user
        new._change_reason = f"Opened after {old.po_number}"
        new.save()
        _close(old)
        carry = rollover_amount(series=series, unspent=budget_transferable(budget=old), period_amount=old.amount)
        if carry > 0:
            budget_transfer(source=old, target=new, amount=carry, acting_user=acting_user)
        _allocations_for_new_period(series=series, old=old, new=new, acting_user=acting_user)
        opened.append(new)
        latest = new
    return opened


def _close(budget: Budget) -> None:
    if budget.status == Budget.Status.CLOSED:
        return
    budget.status = Budget.Status.CLOSED
    budget.closed_at = timezone.now()
    budget._change_reason = "Period ended"
    budget.save(update_fields=["status", "closed_at"])


def _allocations_for_new_period(*, series: BudgetSeries, old: Budget, new: Budget, acting_user) -> None:
    """The new period's allocations: the automatic rule's, or the old period's amounts repeated.

    Only members still active and able to buy in the group are repeated; if the old amounts no longer
    fit the new amount, members are taken in order while they fit.
    """
    if series.allocations_mode == BudgetSeries.AllocationsMode.RULE:
        rule = allocation_rule_copy(source=old, target=new, acting_user=acting_user)
        if rule is not None:
            allocation_rule_apply_to_budget(budget=new, acting_user=acting_user, rule=rule)
            return
    can_buy = set(
        GroupMembership.objects.filter(
            group_id=series.group_id, member__is_active=True,
            role__in=[GroupMembership.Role.BUYER, GroupMembership.Role.GROUP_ADMIN],
        ).values_list("member_id", flat=True)
    )
    rows, total = [], ZERO
    for allocation in Allocation.objects.filter(budget=old).order_by("id"):
        if allocation.member_id not in can_buy or total + allocation.amount > new.amount:
            continue
        total += allocation.amount
        rows.append(Allocation(business_id=new.business_id, budget=new, member_id=allocation.member_id,
                               amount=allocation.amount))
    if rows:
        bulk_create_with_history(rows, Allocation, default_user=acting_user)


def budget_periods_open(*, today: datetime.date | None = None) -> list[Budget]:
    """The periodic job: advance every running series (each in its own transaction)."""
    today = today or timezone.localdate()
    opened: list[Budget] = []
    for series_id in BudgetSeries.objects.filter(ended_at__isnull=True).order_by("id").values_list("id", flat=True):
        opened += budget_series_advance(series_id=series_id, today=today)
    return opened
