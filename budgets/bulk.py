"""Bulk download and upload of every Blanket PO and its allocations (CSV or XLSX).

One row per budget: group, blanket PO, name, period start, period end, amount, policy, allocations
("ann@example.com=300.00; bob@example.com=200.00"). The blanket PO number identifies the budget; a
new number sets up a new budget in the named group. `bulk_plan` reads only and returns every change
and every error by row; `bulk_apply` re-plans inside one transaction and saves through the ordinary
services (which lock and re-check), all or nothing. A file that matches the database plans no change.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from procurement.models import Business, Group, GroupMembership, Member
from procurement.money import CENT, ZERO

from .models import Allocation, Budget
from .services import AMOUNT_MAX, PO_NUMBER_RE, allocations_save, budget_create, budget_update

HEADER = ["group", "blanket_po", "name", "period_start", "period_end", "amount", "policy", "allocations"]
MAX_ROWS = 5000


class BulkFileError(Exception):
    """The file itself cannot be read (not the rows in it)."""


@dataclass
class RowPlan:
    row: int  # the row number in the file (the header is row 1)
    po_number: str
    budget: Budget | None = None
    group: Group | None = None
    fields: dict = field(default_factory=dict)            # budget field -> new value (only changed ones)
    allocations: dict[int, Decimal] = field(default_factory=dict)  # member id -> new amount (only changed)
    changes: list[str] = field(default_factory=list)      # what the preview says
    errors: list[str] = field(default_factory=list)


@dataclass
class Plan:
    rows: list[RowPlan]

    @property
    def errors(self) -> list[tuple[int, str]]:
        return [(r.row, e) for r in self.rows for e in r.errors]

    @property
    def changed(self) -> list[RowPlan]:
        return [r for r in self.rows if r.changes]

    @property
    def valid(self) -> bool:
        return not self.errors


# --- download ----------------------------------------------------------------------------------

def bulk_rows(*, business: Business) -> list[list[str]]:
    """The header and one row per budget of the business (three queries)."""
    budgets = list(Budget.objects.filter(business=business).select_related("group").order_by("group__name", "po_number"))
    by_budget: dict[int, list[str]] = {}
    for a in Allocation.objects.filter(business=business).select_related("member__user").order_by("member__user__email", "id"):
        by_budget.setdefault(a.budget_id, []).append(f"{a.member.user.email}={a.amount}")
    rows = [HEADER]
    for b in budgets:
        rows.append([
            b.group.name, b.po_number, b.name, b.start_date.isoformat(), b.end_date.isoformat(), f"{b.amount}",
            b.policy, "; ".join(by_budget.get(b.pk, [])),
        ])
    return rows


def bulk_csv(*, business: Business) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(bulk_rows(business=business))
    return out.getvalue()


def bulk_xlsx(*, business: Business) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 - only the download needs it

    book = Workbook()
    sheet = book.active
    sheet.title = "Budgets"
    for row in bulk_rows(business=business):
        sheet.append(row)  # strings, so that amounts and dates come back exactly as written
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- upload ------------------------------------------------------------------------------------

def bulk_read(*, name: str, content: bytes) -> list[dict[str, str]]:
    """The rows of an uploaded CSV or XLSX file as dicts keyed by the header; BulkFileError if unreadable."""
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook  # noqa: PLC0415

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
            raw = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file, not a 500
            raise BulkFileError("The file is not a readable XLSX workbook.") from exc
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BulkFileError("The file is not UTF-8 text; save it as CSV UTF-8 or XLSX.") from exc
        raw = list(csv.reader(io.StringIO(text)))
    raw = [row for row in raw if any((c or "").strip() for c in row)]
    if not raw:
        raise BulkFileError("The file is empty.")
    header = [(c or "").strip().lower() for c in raw[0]]
    missing = [h for h in HEADER if h not in header]
    if missing:
        raise BulkFileError(f"The first row must name the columns {', '.join(HEADER)}; missing: {', '.join(missing)}.")
    if len(raw) - 1 > MAX_ROWS:
        raise BulkFileError(f"At most {MAX_ROWS} rows per file.")
    return [{h: (row[i] if i < len(row) else "") or "" for i, h in enumerate(header)} for row in raw[1:]]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _money(text: str, what: str, errors: list[str]) -> Decimal | None:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        errors.append(f"{what}: {text!r} is not an amount.")
        return None
    if not value.is_finite() or value < 0 or value != value.quantize(CENT) or value > AMOUNT_MAX:
        errors.append(f"{what}: {text!r} must be zero or more, in whole cents, at most {AMOUNT_MAX:,.2f}.")
        return None
    return value.quantize(CENT)


def _date(text: str, what: str, errors: list[str]) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        errors.append(f"{what}: {text!r} is not a date like 2026-07-01.")
        return None


def bulk_plan(*, business: Business, rows: list[dict[str, str]]) -> Plan:
    """Every change and every error, by row (reads only; a fixed number of queries)."""
    budgets = {b.po_number.upper(): b for b in Budget.objects.filter(business=business).select_related("group")}
    groups = {g.name.strip().lower(): g for g in Group.objects.filter(business=business)}
    members = {m.user.email.lower(): m for m in Member.objects.filter(business=business).select_related("user")}
    allocations: dict[int, dict[int, Allocation]] = {}
    for a in Allocation.objects.filter(business=business):
        allocations.setdefault(a.budget_id, {})[a.member_id] = a
    can_buy: set[tuple[int, int]] = set(
        GroupMembership.objects.filter(
            business=business, member__is_active=True,
            role__in=[GroupMembership.Role.BUYER, GroupMembership.Role.GROUP_ADMIN, GroupMembership.Role.APPROVER],
        ).values_list("group_id", "member_id")
    )
    policies = {v: v for v in Budget.Policy.values} | {label.lower(): v for v, label in Budget.Policy.choices}
    seen: dict[str, int] = {}
    plans = []
    for number, row in enumerate(rows, start=2):
        errors: list[str] = []
        po_number = row.get("blanket_po", "").strip()
        plan = RowPlan(row=number, po_number=po_number, errors=errors)
        plans.append(plan)
        if not po_number or not PO_NUMBER_RE.match(po_number):
            errors.append("blanket_po: enter a blanket PO number (letters, digits, '-', '_', '.').")
            continue
        if po_number.upper() in seen:
            errors.append(f"blanket_po: {po_number} is also on row {seen[po_number.upper()]}.")
            continue
        seen[po_number.upper()] = number
        budget = budgets.get(po_number.upper())
        plan.budget = budget
        group = groups.get(row.get("group", "").strip().lower())
        if group is None:
            errors.append(f"group: there is no group {row.get('group', '')!r} in your business.")
        elif budget is not None and budget.group_id != group.pk:
            errors.append(f"group: {po_number} belongs to {budget.group.name}; a budget cannot move between groups.")
        plan.group = group
        name = row.get("name", "").strip()
        if not name or len(name) > 200:
            errors.append("name: give the budget a name (at most 200 characters).")
        start = _date(row.get("period_start", ""), "period_start", errors)
        end = _date(row.get("period_end", ""), "period_end", errors)
        if start and end and end < start:
            errors.append("period_end: the end cannot be before the start.")
        amount = _money(row.get("amount", ""), "amount", errors)
        if amount is not None and amount <= 0:
            errors.append("amount: must be more than zero.")
        policy = policies.get(row.get("policy", "").strip().lower())
        if policy is None:
            errors.append(f"policy: use {', '.join(Budget.Policy.values)}.")
        wanted: dict[int, Decimal] = {}
        for part in [p.strip() for p in row.get("allocations", "").split(";") if p.strip()]:
            email, sep, raw_amount = part.partition("=")
            member = members.get(email.strip().lower())
            if not sep or member is None:
                errors.append(f"allocations: {part!r} is not 'email=amount' for a member of your business.")
                continue
            value = _money(raw_amount, f"allocations ({email.strip()})", errors)
            if value is None:
                continue
            if member.pk in wanted:
                errors.append(f"allocations: {email.strip()} is listed twice.")
            wanted[member.pk] = value
        if errors:
            continue
        current = allocations.get(budget.pk, {}) if budget else {}
        new_values = {"name": name, "start_date": start, "end_date": end, "amount": amount, "policy": policy}
        if budget is None:
            plan.fields = new_values
            plan.changes.append(f"New Blanket PO {po_number} in {group.name}: {name}, {amount} {business.currency}, "
                                f"{start} to {end}, {Budget.Policy(policy).label.lower()}.")
        else:
            for key, value in new_values.items():
                if getattr(budget, key) != value:
                    plan.fields[key] = value
                    plan.changes.append(f"{key.replace('_', ' ')}: {getattr(budget, key)} → {value}")
        by_id = {m.pk: m for m in members.values()}
        for member_id, value in wanted.items():
            existing = current.get(member_id)
            email = by_id[member_id].user.email
            if existing is None:
                if (group.pk, member_id) not in can_buy:
                    errors.append(f"allocations: {email} is not an active member of {group.name}.")
                    continue
                plan.allocations[member_id] = value
                plan.changes.append(f"allocation {email}: new, {value}")
            elif existing.amount != value:
                if value < existing.spent:
                    errors.append(f"allocations: {email} already spent {existing.spent}; the allocation cannot be less.")
                    continue
                plan.allocations[member_id] = value
                plan.changes.append(f"allocation {email}: {existing.amount} → {value}")
        final_total = sum((a.amount for mid, a in current.items() if mid not in wanted), ZERO) + sum(
            wanted.values(), ZERO)
        if final_total > amount:
            errors.append(f"allocations: they add up to {final_total}, more than the amount {amount}.")
        if budget is not None:
            if amount < budget.spent:
                errors.append(f"amount: {budget.spent} is already spent; the amount cannot be less.")
            if policy == Budget.Policy.BLOCK and budget.spent > amount:
                errors.append("policy: more than the amount is spent; 'block' cannot apply.")
            if plan.changes and not budget.is_active:
                errors.append(f"{po_number} is closed; it can no longer change.")
        if errors:
            plan.changes = []
    return Plan(plans)


@transaction.atomic
def bulk_apply(*, business: Business, rows: list[dict[str, str]], acting_user) -> Plan:
    """Save every change of the file, or nothing: ValidationError (with the plan's errors) if any row is bad."""
    plan = bulk_plan(business=business, rows=rows)
    if not plan.valid:
        raise ValidationError([f"Row {row}: {error}" for row, error in plan.errors])
    for row in plan.changed:
        try:
            budget = row.budget
            if budget is None:
                budget = budget_create(
                    group=row.group, acting_user=acting_user, po_number=row.po_number, note_to_buyers="",
                    low_funds_alert=None, show_balance_to_buyers=True, runout_alert_days=None, allow_unallocated_spend=False, **row.fields,
                )
                if row.allocations:
                    allocations_save(budget=budget, amounts=row.allocations, acting_user=acting_user)
                continue
            # A lower amount goes after the allocations it makes room for; a higher one before them.
            lowering = "amount" in row.fields and row.fields["amount"] < budget.amount
            if row.allocations and lowering:
                allocations_save(budget=budget, amounts=row.allocations, acting_user=acting_user)
            if row.fields:
                budget = budget_update(budget=budget, acting_user=acting_user, **row.fields)
            if row.allocations and not lowering:
                allocations_save(budget=budget, amounts=row.allocations, acting_user=acting_user)
        except ValidationError as exc:
            raise ValidationError([f"Row {row.row}: {m}" for m in exc.messages]) from exc
    return plan
