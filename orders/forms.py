"""Forms of the shop pages; they parse and validate input, services do the work."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from procurement.models import Business

from .models import Order
from .po_numbers import pattern_validate, regex_validate, typed_po_validate


class AddToCartForm(forms.Form):
    product = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=1, max_value=9999, initial=1)


class CartLineForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=0, max_value=9999, help_text="0 removes the line.")


class CheckoutForm(forms.Form):
    group = forms.IntegerField(widget=forms.HiddenInput)
    checkout_token = forms.UUIDField(widget=forms.HiddenInput)
    address = forms.ModelChoiceField(queryset=None, label="Shipping address", empty_label=None)
    budget = forms.TypedChoiceField(label="Budget (Blanket PO)", coerce=int, empty_value=None)
    po_number = forms.CharField(label="PO number", max_length=64, required=False)

    def __init__(self, *args, business: Business, group, addresses, budget_choices, budget_optional: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.business = business
        self.fields["group"].initial = group.pk
        self.fields["checkout_token"].initial = uuid.uuid4()
        self.fields["address"].queryset = addresses
        self.fields["address"].label_from_instance = lambda a: f"{a.label}: {a.line1}, {a.city}"
        if group.shipping_address_id:
            self.fields["address"].initial = group.shipping_address_id
        choices = [(c.budget.pk, c.label) for c in budget_choices]
        if budget_optional:
            choices = [("", "No Blanket PO (this group has no budgets)")] + choices
            self.fields["budget"].required = False
        self.fields["budget"].choices = choices
        self.budget_by_id = {c.budget.pk: c.budget for c in budget_choices}
        if business.po_mode == Business.POMode.TYPED:
            self.fields["po_number"].required = business.po_required
            self.fields["po_number"].help_text = (
                "Your own purchase order number." + (f" Format: {business.po_regex}" if business.po_regex else "")
            )
        else:
            del self.fields["po_number"]

    def clean_budget(self):
        value = self.cleaned_data.get("budget")
        if value is None:
            return None
        budget = self.budget_by_id.get(value)
        if budget is None:
            raise ValidationError("Choose one of the budgets listed.")
        return budget

    def clean_po_number(self):
        value = (self.cleaned_data.get("po_number") or "").strip()
        if not value:
            return ""
        value = typed_po_validate(business=self.business, po_number=value)
        if Order.objects.filter(business=self.business, po_number=value).exists():
            raise ValidationError(f"The PO number {value} is already used by another order; enter a new one.")
        return value


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

    def clean_po_pattern(self):
        return pattern_validate(self.cleaned_data["po_pattern"])

    def clean_po_regex(self):
        return regex_validate(self.cleaned_data.get("po_regex", ""))


class GroupPatternForm(forms.Form):
    group = forms.IntegerField(widget=forms.HiddenInput)
    po_pattern = forms.CharField(label="Group pattern", max_length=100, required=False)

    def clean_po_pattern(self):
        value = (self.cleaned_data.get("po_pattern") or "").strip()
        return pattern_validate(value) if value else ""


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *Order.Status.choices], required=False)
    group = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    date_from = forms.DateField(label="Placed from", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Placed to", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    po_number = forms.CharField(label="PO number", required=False, max_length=64)

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "Any group")] + [(g.pk, g.name) for g in groups]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name in ("status", "group") else "form-control"

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("'Placed from' must be on or before 'Placed to'.")
        return data


class RejectForm(forms.Form):
    po_number = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ShipmentForm(forms.Form):
    """Admin: a shipment with a quantity field per open line of the order."""

    carrier = forms.CharField(max_length=50)
    tracking_number = forms.CharField(max_length=64)
    ship_date = forms.DateField(initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.sku} · {line.description} (open {line.quantity_open})",
                min_value=0, max_value=line.quantity_open, initial=line.quantity_open, required=False,
            )

    def quantities(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data.get(f"line_{line.pk}") or 0 for line in self.lines}
