"""The checkout form; it parses and validates input, order_place does the work."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator

from orders.information.forms import information_form_field
from orders.information.services import OrderInformationInvalid, order_information_validate
from orders.models import Order
from procurement.inputs import BoundedModelChoiceField, IdField
from procurement.models import Business
from procurement.numbering.patterns import typed_po_validate


class _OnceIterator(ModelChoiceIterator):
    """The choices from the queryset's own cache: one query however often the page reads them (Django's
    iterator() opens a server-side cursor on every pass)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class AddressChoiceField(BoundedModelChoiceField):
    iterator = _OnceIterator


class CheckoutForm(forms.Form):
    group = IdField(widget=forms.HiddenInput)
    checkout_token = forms.UUIDField(widget=forms.HiddenInput)
    address = AddressChoiceField(queryset=None, label="Shipping address", empty_label=None)
    budget = forms.TypedChoiceField(label="Budget (Blanket PO)", coerce=int, empty_value=None)
    po_number = forms.CharField(label="PO number", max_length=64, required=False)

    def __init__(self, *args, business: Business, group, addresses, budget_choices, budget_optional: bool, order_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.business = business
        self.fields["group"].initial = group.pk
        self.fields["checkout_token"].initial = uuid.uuid4()
        self.fields["address"].queryset = addresses
        self.fields["address"].label_from_instance = lambda a: f"{a.label}: {a.line1}, {a.city}"
        if group.shipping_address_id:
            self.fields["address"].initial = group.shipping_address_id
        self.budget_choices_set(budget_choices, budget_optional)
        if business.po_mode == Business.POMode.TYPED:
            self.fields["po_number"].required = business.po_required
            self.fields["po_number"].help_text = (
                "Your own purchase order number." + (f" Format: {business.po_regex}" if business.po_regex else "")
            )
        else:
            del self.fields["po_number"]
        self.group = group
        self.order_fields = list(order_fields)
        for field in self.order_fields:
            self.fields[f"info_{field.pk}"] = information_form_field(field)

    def budget_choices_set(self, budget_choices, budget_optional: bool) -> None:
        """The budgets offered (checkout_budgets); the view sets them again with balances to re-render a POST."""
        choices = [(c.budget.pk, c.label) for c in budget_choices]
        if budget_optional:
            choices = [("", "No Blanket PO (this group has no budgets)")] + choices
            self.fields["budget"].required = False
        self.fields["budget"].choices = choices
        self.budget_by_id = {c.budget.pk: c.budget for c in budget_choices}

    @property
    def information(self) -> dict:
        """The order information values typed, by field id (for order_place)."""
        return {f.pk: self.cleaned_data.get(f"info_{f.pk}", "") for f in self.order_fields}

    def clean(self):
        data = super().clean()
        if self.order_fields:
            try:
                order_information_validate(business=self.business, group=self.group, values=self.information,
                                           fields=self.order_fields)
            except OrderInformationInvalid as exc:
                for field_id, message in exc.errors.items():
                    name = f"info_{field_id}" if field_id else None
                    if name is None or name not in self.errors:
                        self.add_error(name, message)
        return data

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
        if Order.objects.filter(business=self.business, po_number__iexact=value).exists():
            raise ValidationError(f"The PO number {value} is already used by another order; enter a new one.")
        return value
