"""PO numbering services: handing out PO, release and invoice numbers, and updating the number rules.

This package is the one owner of numbering: ``patterns`` parses, validates and renders patterns,
``counters`` holds every gap-free sequence, and this module is the only writer of ``Business.po_*``,
``Group.po_pattern`` and ``Counter`` rows. Callers pass a Blanket PO budget as a plain object (it has
``pk``, ``business_id`` and ``po_number``): the core does not import the budgets app.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from procurement.history import model_update
from procurement.models import Business, Counter, Group
from procurement.numbering.counters import counter_last, counter_next, counter_peek, counters_last
from procurement.numbering.patterns import (
    BLANKET_PO_PATTERN,
    blanket_pattern_validate,
    blanket_po_render,
    credit_note_number_format,
    invoice_number_format,
    pattern_render,
    pattern_validate,
    regex_validate,
    release_number_render,
)


def release_number_next(*, budget) -> str:
    """The Blanket PO's next release number ``<blanket PO>-<n>``; the caller has locked the budget row."""
    n = counter_next(business=budget.business_id, kind=Counter.Kind.RELEASE, scope=budget.pk)
    return release_number_render(blanket_po=budget.po_number, n=n)


def release_count(*, budget) -> int:
    """How many release numbers the Blanket PO has handed out."""
    return counter_last(business=budget.business_id, kind=Counter.Kind.RELEASE, scope=budget.pk)


def release_numbers_preview(*, business: Business, budgets: Iterable) -> dict[int, str]:
    """Each Blanket PO's next release number (by budget pk), in one query; not a reservation."""
    budgets = list(budgets)
    last = counters_last(business=business, kind=Counter.Kind.RELEASE, scopes=[b.pk for b in budgets])
    return {b.pk: release_number_render(blanket_po=b.po_number, n=last[b.pk] + 1) for b in budgets}


def invoice_number_next(*, business: Business, issued_on: datetime.date) -> str:
    """The next invoice number (``INV-<year>-<seq>``), inside the caller's transaction."""
    return invoice_number_format(seq=counter_next(business=business, kind=Counter.Kind.INVOICE), issued_on=issued_on)


def credit_note_number_next(*, business: Business, issued_on: datetime.date) -> str:
    """The next credit note number (``CN-<year>-<seq>``), gap-free, inside the caller's transaction."""
    return credit_note_number_format(
        seq=counter_next(business=business, kind=Counter.Kind.CREDIT_NOTE), issued_on=issued_on
    )


def po_number_next(
    *, business: Business, group: Group | None, budget=None, category_code: str = "", on: datetime.date | None = None
) -> str:
    """Hand out the next generated PO number, inside the caller's transaction.

    A group's own pattern wins; otherwise an order against a Blanket PO is its next release
    (``<blanket PO>-<n>``, the budget row must already be locked by the caller); otherwise the business
    pattern with the business's locked, gap-free counter.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("po_number_next must run inside the transaction that stores the number.")
    if group is not None and group.po_pattern:
        return pattern_render(group.po_pattern, seq=counter_next(business=business, kind=Counter.Kind.PO),
                              group=group, category_code=category_code, on=on)
    if budget is not None:
        return release_number_next(budget=budget)
    return pattern_render(business.po_pattern, seq=counter_next(business=business, kind=Counter.Kind.PO),
                          group=group, category_code=category_code, on=on)


def po_number_preview(
    *, business: Business, group: Group | None = None, budget=None, category_code: str = "", pattern: str | None = None
) -> str:
    """What the next generated number would look like now (not a reservation)."""
    if pattern is None:
        if group is not None and group.po_pattern:
            pattern = group.po_pattern
        elif budget is not None:
            return release_numbers_preview(business=business, budgets=[budget])[budget.pk]
        else:
            pattern = business.po_pattern
    try:
        return pattern_render(pattern, seq=counter_peek(business=business, kind=Counter.Kind.PO), group=group,
                              category_code=category_code)
    except ValidationError:
        return ""


@transaction.atomic
def po_rules_update(
    *, business: Business, po_required: bool, po_mode: str, po_pattern: str, po_regex: str, acting_user,
    blanket_po_pattern: str | None = None,
) -> Business:
    """Save the business's PO number rules (validated again here: services never trust the form)."""
    business = Business.objects.select_for_update().get(pk=business.pk)
    fields = {"po_required": po_required, "po_mode": po_mode, "po_pattern": pattern_validate(po_pattern),
              "po_regex": regex_validate(po_regex)}
    if blanket_po_pattern:
        fields["blanket_po_pattern"] = blanket_pattern_validate(blanket_po_pattern)
    return model_update(instance=business, fields=fields, acting_user=acting_user, update_fields=True)


@transaction.atomic
def group_po_pattern_update(*, group: Group, po_pattern: str, acting_user) -> Group:
    po_pattern = (po_pattern or "").strip()
    if po_pattern:
        po_pattern = pattern_validate(po_pattern)
    return model_update(instance=group, fields={"po_pattern": po_pattern}, acting_user=acting_user, update_fields=True)


def blanket_po_number(*, group: Group, period: str, on: datetime.date | None = None,
                      pattern: str | None = None) -> str:
    """The Blanket PO number of one period of a recurring budget (``BPO-ENG-2026-Q3``).

    Rendered from the business's blanket PO pattern (Business Settings → PO numbers; default
    ``BPO-{code}-{period}``) unless `pattern` is given; the caller (budgets) makes it unique.
    """
    pattern = pattern or group.business.blanket_po_pattern or BLANKET_PO_PATTERN
    try:
        return blanket_po_render(pattern, period=period, group=group, on=on)
    except ValidationError:  # a stored pattern that no longer parses: fall back to the default
        return blanket_po_render(BLANKET_PO_PATTERN, period=period, group=group, on=on)
