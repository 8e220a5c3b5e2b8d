"""The invoice list's filter (a django-filter FilterSet over the invoices a member may see) and the dock key's rotate form."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone

from django_filters.fields import ModelChoiceField as FilterModelChoiceField

from orders.models import Invoice
from procurement.inputs import InputError, date_bounds_validator, id_parse
from procurement.models import Group


class BoundedFilterModelChoiceField(FilterModelChoiceField):
    """Refuses ids outside 1..2^63-1 as an invalid choice before querying (no overflow on SQLite)."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, self.queryset.model):
            try:
                id_parse(value)
            except InputError:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None
        return super().to_python(value)


class BoundedModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = BoundedFilterModelChoiceField


class InvoiceFilterForm(forms.Form):
    """The FilterSet's form: the dates must not be the wrong way round."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("issued_from"), cleaned.get("issued_to")
        if start and end and start > end:
            self.add_error("issued_to", "The end date is before the start date.")
        return cleaned


class InvoiceFilter(django_filters.FilterSet):
    """Invoices by PO number (part of it), status, group (`groups`: those the member may filter by), issue dates."""

    po_number = django_filters.CharFilter(
        field_name="order__po_number", lookup_expr="icontains", label="PO number", max_length=64,
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=[*Invoice.Status.choices, ("overdue", "Overdue")], empty_label="Any status",
        method="filter_status",
    )
    group = BoundedModelChoiceFilter(
        field_name="order__group", label="Group", queryset=Group.objects.none(), empty_label="All groups",
    )
    issued_from = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="gte", label="Issued from", widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_bounds_validator],
    )
    issued_to = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="lte", label="Issued to", widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_bounds_validator],
    )

    class Meta:
        model = Invoice
        fields: list[str] = []
        form = InvoiceFilterForm

    def filter_status(self, queryset, name, value):
        if value == "overdue":  # open or partly paid, past the due date
            return queryset.filter(
                status__in=[Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID], due_on__lt=timezone.localdate()
            )
        return queryset.filter(status=value)

    def __init__(self, data=None, queryset=None, *, groups, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        self.filters["group"].queryset = groups


class DockKeyRotateForm(forms.Form):
    """Rotating the dock key breaks every QR code printed before: the admin confirms it on purpose."""

    confirm = forms.BooleanField(
        label="I understand: every QR code printed before stops verifying at the dock. "
              "Reprint the packing slips and labels of shipments still on their way.",
        error_messages={"required": "Tick the box to confirm: old QR codes stop verifying."},
    )
