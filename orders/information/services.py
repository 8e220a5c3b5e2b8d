"""Writes for order information fields: definitions, choices (one by one or pasted in bulk), and the
values an order carries.

`order_information_validate` is the one check of a buyer's values (checkout form, checkout service,
API); `order_information_save` stores them as snapshots inside the checkout transaction.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models.functions import Lower

from orders.information.selectors import order_fields_for_group
from orders.models import Order, OrderField, OrderFieldChoice, OrderFieldGroup, OrderFieldValue
from orders.models.fields import CHOICE_VALUE_MAX_LENGTH, VALUE_MAX_LENGTH
from procurement.errors import InvalidInput
from procurement.history import history_save, model_update
from procurement.models import Business, Group

#: Numbers: at most 14 digits before the point and 4 after (what the snapshot and the report show).
NUMBER_LIMIT = Decimal("1e14")
NUMBER_PLACES = 4
#: One paste or upload of choices adds at most this many lines.
CHOICES_BULK_MAX = 10000

FIELD_FIELDS = ("name", "help_text", "type", "required", "min_value", "max_value", "position")


class OrderInformationInvalid(InvalidInput):
    """Values a buyer entered do not fit the fields; `errors` maps field id (or None) to a message."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__(" ".join(errors.values()))


def _clean_text(value: str, *, what: str, max_length: int) -> str:
    text = " ".join(str(value or "").split())
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in text):
        raise InvalidInput(f"{what} contains characters that cannot be stored.")
    if len(text) > max_length:
        raise InvalidInput(f"{what} is longer than {max_length} characters.")
    return text


# --- Definitions -----------------------------------------------------------------------------------


def _check_definition(*, business: Business, name: str, type: str, min_value, max_value, exclude_pk=None) -> str:
    name = _clean_text(name, what="The name", max_length=100)
    if not name:
        raise InvalidInput("Enter a name for the field.")
    if type not in OrderField.Type.values:
        raise InvalidInput("Choose a type: text, number or choice from a list.")
    if min_value is not None and max_value is not None and min_value > max_value:
        raise InvalidInput("The smallest number is larger than the largest number.")
    taken = OrderField.objects.filter(business=business).annotate(n=Lower("name")).filter(n=name.lower())
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise InvalidInput(f"There is already a field called “{name}”.")
    return name


def _set_groups(*, field: OrderField, groups: Iterable[Group]) -> None:
    groups = list(groups)
    if any(g.business_id != field.business_id for g in groups):
        raise InvalidInput("Choose groups of your business.")
    OrderFieldGroup.objects.filter(business_id=field.business_id, field=field).exclude(group__in=groups).delete()
    have = set(OrderFieldGroup.objects.filter(field=field).values_list("group_id", flat=True))
    OrderFieldGroup.objects.bulk_create([
        OrderFieldGroup(business_id=field.business_id, field=field, group=g) for g in groups if g.pk not in have
    ])


@transaction.atomic
def order_field_create(
    *, business: Business, name: str, type: str, required: bool = False, groups: Iterable[Group] = (),
    help_text: str = "", min_value: Decimal | None = None, max_value: Decimal | None = None,
    position: int | None = None, acting_user,
) -> OrderField:
    """A new field, asked at checkout from now on (past orders are not touched)."""
    name = _check_definition(business=business, name=name, type=type, min_value=min_value, max_value=max_value)
    if position is None:
        last = OrderField.objects.filter(business=business).order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 10
    field = OrderField(
        business=business, name=name, type=type, required=required, help_text=help_text.strip(),
        min_value=min_value if type == OrderField.Type.NUMBER else None,
        max_value=max_value if type == OrderField.Type.NUMBER else None, position=position,
    )
    history_save(field, acting_user=acting_user)
    _set_groups(field=field, groups=groups)
    return field


@transaction.atomic
def order_field_update(*, field: OrderField, groups: Iterable[Group] | None = None, acting_user, **fields) -> OrderField:
    """Change a definition. Orders placed before keep their values and the name they were entered under."""
    field = OrderField.objects.select_for_update().get(pk=field.pk, business_id=field.business_id)
    merged = {name: fields.get(name, getattr(field, name)) for name in FIELD_FIELDS}
    merged["name"] = _check_definition(
        business=field.business, name=merged["name"], type=merged["type"], min_value=merged["min_value"],
        max_value=merged["max_value"], exclude_pk=field.pk,
    )
    merged["help_text"] = (merged["help_text"] or "").strip()
    if merged["type"] != OrderField.Type.NUMBER:
        merged["min_value"] = merged["max_value"] = None
    model_update(instance=field, fields=merged, acting_user=acting_user, allowed=FIELD_FIELDS, service="order_field_update")
    if groups is not None:
        _set_groups(field=field, groups=groups)
    return field


@transaction.atomic
def order_field_set_active(*, field: OrderField, active: bool, acting_user) -> OrderField:
    """Deactivate (no longer asked at checkout; past values stay) or reactivate a field."""
    return model_update(instance=field, fields={"active": active}, acting_user=acting_user, update_fields=True)


# --- Choices ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoicesResult:
    added: int
    updated: int


def choices_parse(text: str) -> list[tuple[str, str]]:
    """Pasted or uploaded choices, one per line: `value`, or `value,label` / `value;label` /
    `value<TAB>label` (CSV quoting allowed). Blank lines are skipped; a repeated value keeps its last label."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if len(lines) > CHOICES_BULK_MAX:
        raise InvalidInput(f"At most {CHOICES_BULK_MAX} choices at a time; this has {len(lines)} lines.")
    out: dict[str, tuple[str, str]] = {}
    for number, line in enumerate(lines, start=1):
        delimiter = "\t" if "\t" in line else (";" if ";" in line and "," not in line else ",")
        cells = next(csv.reader(io.StringIO(line), delimiter=delimiter), [""])
        value = _clean_text(cells[0] if cells else "", what=f"Line {number}", max_length=CHOICE_VALUE_MAX_LENGTH)
        label = _clean_text(delimiter.join(cells[1:]), what=f"Line {number}'s label", max_length=200)
        if not value:
            raise InvalidInput(f"Line {number} has no value.")
        out[value.lower()] = (value, label)
    return list(out.values())


@transaction.atomic
def order_field_choices_add(*, field: OrderField, text: str, acting_user) -> ChoicesResult:
    """Add many choices at once (paste or CSV upload): new values are created, known ones (any case)
    get the new label and become active again."""
    if field.type != OrderField.Type.CHOICE:
        raise InvalidInput(f"{field.name} is not a choice field.")
    parsed = choices_parse(text)
    if not parsed:
        raise InvalidInput("Paste at least one value, one per line.")
    # The field row serialises concurrent pastes into one list (the unique (business, field, value)
    # constraint is behind it); then its choices, as the lock order says.
    OrderField.objects.select_for_update().filter(pk=field.pk, business_id=field.business_id).first()
    existing = {c.value.lower(): c for c in OrderFieldChoice.objects.select_for_update().filter(business_id=field.business_id, field=field)}
    new, changed = [], []
    for value, label in parsed:
        choice = existing.get(value.lower())
        if choice is None:
            new.append(OrderFieldChoice(business_id=field.business_id, field=field, value=value, label=label))
        elif (label and choice.label != label) or not choice.active:
            choice.label, choice.active = label or choice.label, True
            changed.append(choice)
    OrderFieldChoice.objects.bulk_create(new, batch_size=1000)
    OrderFieldChoice.objects.bulk_update(changed, ["label", "active"], batch_size=1000)
    return ChoicesResult(added=len(new), updated=len(changed))


@transaction.atomic
def order_field_choice_set_active(*, choice: OrderFieldChoice, active: bool, acting_user) -> OrderFieldChoice:
    """Hide a choice from checkout (orders that used it keep it) or offer it again."""
    choice.active = active
    choice.save(update_fields=["active"])
    return choice


# --- Values on an order ----------------------------------------------------------------------------


def _number(raw: str, field: OrderField) -> str:
    text = raw.replace(" ", "").replace("\u00a0", "")
    try:
        if len(text) > 40:
            raise InvalidOperation
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"{field.name}: “{raw[:40]}” is not a number.") from None
    if not value.is_finite() or abs(value) >= NUMBER_LIMIT:
        raise InvalidInput(f"{field.name}: “{raw[:40]}” is out of range.")
    if -value.as_tuple().exponent > NUMBER_PLACES:
        raise InvalidInput(f"{field.name}: use at most {NUMBER_PLACES} decimal places.")
    if field.min_value is not None and value < field.min_value:
        raise InvalidInput(f"{field.name}: enter {field.min_value.normalize():f} or more.")
    if field.max_value is not None and value > field.max_value:
        raise InvalidInput(f"{field.name}: enter {field.max_value.normalize():f} or less.")
    return f"{value.normalize():f}" if value else "0"


def order_information_validate(
    *, business: Business, group: Group, values: Mapping | None, fields: list[OrderField] | None = None,
) -> list[OrderFieldValue]:
    """Check the values a buyer gave for `group`'s fields; return unsaved OrderFieldValue snapshots.

    `values` maps a field id (int, or its digits) or a field name (any case) to the raw text. Required
    fields must be filled; numbers are Decimals within the field's bounds; a choice must be an active
    choice of that field (found by value, any case). Every problem is collected into one
    OrderInformationInvalid, so the buyer sees them all at once. `fields`: the group's fields when the
    caller has them already (order_fields_for_group).
    """
    if fields is None:
        fields = order_fields_for_group(business=business, group=group)
    by_id = {f.pk: f for f in fields}
    by_name = {f.name.lower(): f for f in fields}
    raw: dict[int, str] = {}
    errors: dict = {}
    for key, value in (values or {}).items():
        field = by_id.get(key) if isinstance(key, int) else None
        if field is None and isinstance(key, str):
            field = by_id.get(int(key)) if key.isdigit() and len(key) < 19 else None
            field = field or by_name.get(key.strip().lower())
        if field is None:
            errors[None] = f"“{str(key)[:60]}” is not an order information field for {group.name}."
            continue
        raw[field.pk] = "" if value is None else str(value)
    choices = {}
    wanted = [(f.pk, raw[f.pk].strip()) for f in fields if f.type == OrderField.Type.CHOICE and raw.get(f.pk, "").strip()]
    if wanted:
        lowered = {v.lower() for _, v in wanted}
        for choice in OrderFieldChoice.objects.filter(
            business=business, field_id__in=[pk for pk, _ in wanted], active=True,
        ).annotate(v=Lower("value")).filter(v__in=lowered):
            choices[(choice.field_id, choice.value.lower())] = choice
    out = []
    for field in fields:
        try:
            text = _clean_text(raw.get(field.pk, ""), what=field.name, max_length=VALUE_MAX_LENGTH)
        except InvalidInput as exc:
            errors[field.pk] = str(exc)
            continue
        if not text:
            if field.required:
                errors[field.pk] = f"Enter {field.name}: your business requires it on every order."
            continue
        label = ""
        try:
            if field.type == OrderField.Type.NUMBER:
                text = _number(text, field)
            elif field.type == OrderField.Type.CHOICE:
                choice = choices.get((field.pk, text.lower()))
                if choice is None:
                    raise InvalidInput(f"{field.name}: “{text[:60]}” is not on the list; choose one of its values.")
                text, label = choice.value, choice.label
        except InvalidInput as exc:
            errors[field.pk] = str(exc)
            continue
        out.append(OrderFieldValue(business=business, field=field, name=field.name, value=text, label=label, position=field.position))
    if errors:
        raise OrderInformationInvalid(errors)
    return out


def order_information_save(*, order: Order, values: list[OrderFieldValue]) -> list[OrderFieldValue]:
    """Store validated values on a new order (inside the checkout's transaction)."""
    for value in values:
        value.business_id, value.order = order.business_id, order
    return OrderFieldValue.objects.bulk_create(values)
