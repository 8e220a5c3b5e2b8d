"""Finance forms: record a payment, upload a bank statement, resolve a payment, filter the payments list."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone

from orders.finance import statements
from orders.models import Payment
from procurement.inputs import InputError, date_bounds_validator, date_parse

MAX_STATEMENT_BYTES = 5 * 1024 * 1024


class PaymentForm(forms.Form):
    METHODS = [("ACH", "ACH"), ("Wire", "Wire transfer"), ("Check", "Check"), ("Card", "Card"), ("Other", "Other")]

    received_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate,
                                  validators=[date_bounds_validator])
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0.01)
    method = forms.ChoiceField(choices=METHODS, initial="ACH")
    reference = forms.CharField(max_length=255, required=False, help_text="The bank's reference text, if any.")
    po_number = forms.CharField(label="PO number", max_length=64, required=False)
    invoice_number = forms.CharField(max_length=64, required=False,
                                     help_text="Give a PO number, an invoice number or both. Without either the payment stays unmatched.")
    mismatch_reason = forms.CharField(
        label="Reason for paying despite the three-way mismatch", max_length=255, required=False,
        widget=forms.HiddenInput,
    )


class RefundForm(forms.Form):
    """A refund the supplier paid back against a credit note (money in; the credit note number matches it)."""

    credit_note_number = forms.CharField(label="Credit note number", max_length=64)
    received_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate,
                                  validators=[date_bounds_validator])
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0.01)
    method = forms.ChoiceField(choices=PaymentForm.METHODS, initial="ACH")
    reference = forms.CharField(max_length=255, required=False, help_text="The bank's reference text, if any.")


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label="Bank statement",
        help_text="CSV, CAMT.053 (ISO 20022 XML), MT940 or OFX, up to 5 MB; the format is read from the file's content.",
    )
    date_column = forms.CharField(max_length=100, help_text="Column header of the payment date (CSV only; the other "
                                                            "formats name their columns themselves).")
    amount_column = forms.CharField(max_length=100)
    reference_column = forms.CharField(max_length=100, label="Reference / description column")
    date_format = forms.ChoiceField(choices=list(statements.DATE_FORMATS.items()))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_STATEMENT_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB; split the statement by month.")
        return upload

    def mapping(self) -> dict:
        d = self.cleaned_data
        return {"date": d["date_column"], "amount": d["amount_column"], "reference": d["reference_column"],
                "date_format": d["date_format"]}


class ResolveForm(forms.Form):
    number = forms.CharField(label="Invoice or PO number", max_length=64, required=False)
    action = forms.ChoiceField(choices=[("apply", "Apply"), ("not_ours", "Not ours")], initial="apply")


class IsoDateField(forms.DateField):
    """A date typed as YYYY-MM-DD (ISO), with the message the finance pages have always shown."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value
        try:
            return date_parse(str(value))
        except InputError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class IsoDateFilter(django_filters.Filter):
    field_class = IsoDateField


class PaymentFilter(django_filters.FilterSet):
    """The payments list: status (or "overpaid"), text in the reference or numbers, received between dates.

    A filter that does not validate is left out and the others still apply; `date_errors()` gives
    the messages for the dates that could not be read.
    """

    STATUSES = [("unmatched", "Unmatched"), ("matched", "Matched"), ("overpaid", "Overpaid"), ("not_ours", "Not ours")]

    status = django_filters.CharFilter(method="filter_status")
    q = django_filters.CharFilter(method="filter_text")
    date_from = IsoDateFilter(field_name="received_on", lookup_expr="gte")
    date_to = IsoDateFilter(field_name="received_on", lookup_expr="lte")

    class Meta:
        model = Payment
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        if value == "overpaid":
            return queryset.filter(status=Payment.Status.MATCHED, amount_applied__lt=F("amount"))
        if value in Payment.Status.values:
            return queryset.filter(status=value)
        return queryset

    def filter_text(self, queryset, name, value):
        q = value.strip()
        if not q:
            return queryset
        return queryset.filter(Q(reference__icontains=q) | Q(po_number__icontains=q) | Q(invoice_number__icontains=q))

    def date_errors(self) -> list[str]:
        return [error for key in ("date_from", "date_to") for error in self.errors.get(key, [])]
