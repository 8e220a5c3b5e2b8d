"""Forms for setting up Blanket POs and their allocations (crispy-bootstrap5)."""

from decimal import Decimal

from crispy_forms.helper import FormHelper
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Sum

from procurement.inputs import IdField
from procurement.money import CENT

from .models import Allocation, Budget
from .services import AMOUNT_MAX, EDITABLE_FIELDS, PO_NUMBER_RE, budget_update_errors

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BudgetForm(forms.ModelForm):
    """Set up or edit a Blanket PO. Checks every rule the service re-checks under its lock."""

    currency = forms.CharField(disabled=True, required=False, help_text="Your business's currency.")

    class Meta:
        model = Budget
        fields = [
            "name", "po_number", "amount", "currency", "start_date", "end_date", "note_to_buyers", "policy",
            "low_funds_alert", "show_balance_to_buyers", "allow_unallocated_spend",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "note_to_buyers": forms.Textarea(attrs={"rows": 3}),
            "policy": forms.RadioSelect,
        }
        labels = {
            "po_number": "Blanket PO number",
            "policy": "When funds run out",
            "low_funds_alert": "Low-funds alert at",
            "show_balance_to_buyers": "Buyers see the remaining balance",
            "allow_unallocated_spend": "Members without an allocation may spend the unallocated remainder",
        }
        help_texts = {
            "po_number": "Letters, digits, '-', '_' and '.'; unique in your business.",
            "note_to_buyers": "Shown to buyers when they choose this budget at checkout.",
        }

    def __init__(self, *args, business, **kwargs):
        super().__init__(*args, **kwargs)
        self.business = business
        self.initial["currency"] = business.currency
        self.fields["amount"].validators += [
            MinValueValidator(CENT), MaxValueValidator(AMOUNT_MAX),
        ]
        self.fields["amount"].help_text = f"In {business.currency}, up to {AMOUNT_MAX:,.2f}."
        self.fields["low_funds_alert"].help_text = (
            "Group admins get one email when the remaining balance drops to this amount. Leave blank for none."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_po_number(self):
        po_number = self.cleaned_data["po_number"].strip()
        if not PO_NUMBER_RE.match(po_number):
            raise forms.ValidationError("Use only letters, digits, '-', '_' and '.' (no spaces).")
        taken = Budget.objects.filter(business=self.business, po_number__iexact=po_number)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(f"The blanket PO number {po_number} is already used in your business.")
        return po_number

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the budget a name.")
        return name

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date cannot be before the start date.")
        amount, alert = data.get("amount"), data.get("low_funds_alert")
        if amount is not None and alert is not None and alert >= amount:
            self.add_error("low_funds_alert", "The alert must be below the budget amount.")
        if self.instance.pk and amount is not None and data.get("policy"):
            allocated = Allocation.objects.filter(budget=self.instance).aggregate(t=Sum("amount"))["t"] or Decimal("0")
            for field, message in budget_update_errors(
                budget=self.instance, amount=amount, policy=data["policy"], allocated=allocated
            ).items():
                self.add_error(field, message)
        return data

    def service_fields(self) -> dict:
        """The cleaned values the services take (currency is the business's, not the form's)."""
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


class AllocationRowForm(forms.Form):
    """One row of the Allocations table: a member and the amount in the Allocated column."""

    member_id = IdField(widget=forms.HiddenInput)
    amount = forms.DecimalField(
        label="Allocated", max_digits=14, decimal_places=2, min_value=Decimal("0"), max_value=AMOUNT_MAX,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "class": "form-control text-end"}),
        error_messages={"required": "Enter an amount (0 for none)."},
    )


AllocationFormSet = forms.formset_factory(AllocationRowForm, extra=0)


class DistributeForm(forms.Form):
    OVER_UNALLOCATED = "unallocated"
    OVER_WHOLE = "whole"

    distribute = forms.ChoiceField(
        label="Distribute",
        choices=[
            (OVER_UNALLOCATED, "the unallocated amount, over the rows without an amount"),
            (OVER_WHOLE, "the whole budget, over all rows"),
        ],
        initial=OVER_UNALLOCATED,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
