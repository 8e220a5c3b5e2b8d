"""Forms of Business Settings → PO numbers."""

from django import forms

from procurement.inputs import IdField
from procurement.models import Business
from procurement.numbering.patterns import (
    blanket_pattern_validate,
    pattern_validate,
    regex_validate,
)


class POSettingsForm(forms.Form):
    po_required = forms.BooleanField(label="PO number required at checkout", required=False,
                                     help_text="For typed numbers: the buyer must enter one. Generated numbers are always assigned.")
    po_mode = forms.ChoiceField(label="PO numbers are", choices=Business.POMode.choices, widget=forms.RadioSelect)
    po_pattern = forms.CharField(
        label="PO number pattern", max_length=100,
        help_text="Letters, digits, - _ . and the tokens {seq} (or {seq:06} for a width), {year}, {month}, "
                  "{cost_center}, {category}, {location}, {group}. {seq} is required.",
    )
    po_regex = forms.CharField(label="Typed PO numbers must match (regular expression)", max_length=200, required=False,
                               help_text="Optional, e.g. ^[0-9]{6}$. Leave blank to accept any typed number.")

    blanket_po_pattern = forms.CharField(
        label="Blanket PO number pattern (recurring budgets)", max_length=100, required=False,
        help_text="Each period of a repeating budget gets its own number. Tokens: {period} (required: 2026-07, "
                  "2026-Q3 or 2026), {code} (the group's cost center, or its name), {year}, {cost_center}, {location}, "
                  "{group}. Default BPO-{code}-{period}.",
    )

    def clean_po_pattern(self):
        return pattern_validate(self.cleaned_data["po_pattern"])

    def clean_blanket_po_pattern(self):
        value = (self.cleaned_data.get("blanket_po_pattern") or "").strip()
        return blanket_pattern_validate(value) if value else ""

    def clean_po_regex(self):
        return regex_validate(self.cleaned_data.get("po_regex", ""))


class GroupPatternForm(forms.Form):
    group = IdField(widget=forms.HiddenInput)
    po_pattern = forms.CharField(label="Group pattern", max_length=100, required=False)

    def clean_po_pattern(self):
        value = (self.cleaned_data.get("po_pattern") or "").strip()
        return pattern_validate(value) if value else ""
