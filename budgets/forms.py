"""Forms for setting up Blanket POs and their allocations (crispy-bootstrap5)."""

from decimal import Decimal

from crispy_forms.helper import FormHelper
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Sum

from procurement.inputs import IdField
from procurement.money import CENT

from .models import Allocation, AllocationRule, Budget, BudgetSeries
from .recurring import SERIES_FIELDS, series_errors
from .services import AMOUNT_MAX, EDITABLE_FIELDS, PO_NUMBER_RE, budget_update_errors

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BudgetForm(forms.ModelForm):
    """Set up or edit a Blanket PO. Checks every rule the service re-checks under its lock."""

    currency = forms.CharField(disabled=True, required=False, help_text="Your business's currency.")

    class Meta:
        model = Budget
        fields = [
            "name", "po_number", "amount", "currency", "start_date", "end_date", "note_to_buyers", "policy",
            "low_funds_alert", "runout_alert_days", "show_balance_to_buyers", "allow_unallocated_spend",
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
            "runout_alert_days": "Also alert when it will run out this many days before the end",
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


NEVER = "never"


class BudgetCreateForm(BudgetForm):
    """**Set up a new blanket purchase order**, with **Repeats** (never, monthly, quarterly, yearly).

    A repeating budget's periods are numbered from the blanket PO pattern and end on their own: the
    number and end date typed here are only used when it does not repeat.
    """

    repeats = forms.ChoiceField(
        label="Repeats", choices=[(NEVER, "Never")] + list(BudgetSeries.Repeats.choices), initial=NEVER, required=False,
        help_text="Each period is its own Blanket PO, numbered like BPO-ENG-2026-Q3; the next one opens on its own.",
    )
    ends_on = forms.DateField(
        label="Repeat until", required=False, widget=DATE,
        help_text="Optional: no period starts after this date.",
    )
    rollover = forms.ChoiceField(
        label="Rollover", choices=BudgetSeries.Rollover.choices, initial=BudgetSeries.Rollover.OFF, required=False,
        widget=forms.RadioSelect, help_text="What happens to the unspent money when a period ends.",
    )
    rollover_cap_amount = forms.DecimalField(
        label="Cap: at most this much money", required=False, max_digits=14, decimal_places=2, min_value=Decimal("0"),
    )
    rollover_cap_percent = forms.DecimalField(
        label="Cap: at most this percentage of the period's budget", required=False, max_digits=5,
        decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100"),
    )
    allocations_mode = forms.ChoiceField(
        label="Each new period's allocations", choices=BudgetSeries.AllocationsMode.choices,
        initial=BudgetSeries.AllocationsMode.REPEAT, widget=forms.RadioSelect, required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end_date"].required = False
        self.fields["end_date"].help_text = "For a repeating budget, the period's end is worked out from its start."
        self.fields["po_number"].required = False
        self.fields["po_number"].help_text += " A repeating budget's numbers come from the blanket PO pattern."

    @property
    def repeating(self) -> bool:
        return (self.cleaned_data.get("repeats") or NEVER) != NEVER

    def clean_po_number(self):
        if (self.data.get(self.add_prefix("repeats")) or NEVER) != NEVER:
            return (self.cleaned_data.get("po_number") or "").strip()
        if not (self.cleaned_data.get("po_number") or "").strip():
            raise forms.ValidationError(self.fields["po_number"].error_messages["required"], code="required")
        return super().clean_po_number()

    def clean(self):
        data = super().clean()
        if not self.repeating:
            if not data.get("end_date") and "end_date" not in self.errors:
                self.add_error("end_date", forms.ValidationError(self.fields["end_date"].error_messages["required"], code="required"))
            return data
        data["rollover"] = data.get("rollover") or BudgetSeries.Rollover.OFF
        data["allocations_mode"] = data.get("allocations_mode") or BudgetSeries.AllocationsMode.REPEAT
        if "end_date" in self.errors:
            del self.errors["end_date"]
        if data.get("start_date"):
            for name, message in series_errors(
                start_date=data["start_date"], repeats=data["repeats"], ends_on=data.get("ends_on"),
                rollover=data.get("rollover"), rollover_cap_amount=data.get("rollover_cap_amount"),
                rollover_cap_percent=data.get("rollover_cap_percent"),
            ).items():
                self.add_error(name, message)
        return data

    def series_fields(self) -> dict:
        fields = {name: self.cleaned_data.get(name) for name in EDITABLE_FIELDS if name not in ("end_date", "po_number")}
        fields["end_date"] = fields["start_date"]  # replaced by the period's end
        fields.update({name: self.cleaned_data.get(name) for name in SERIES_FIELDS})
        return fields


class AllocationRuleForm(forms.Form):
    """**Set automatic allocation**: a fixed amount for each member who can buy, or an equal share."""

    mode = forms.ChoiceField(label="Give every buyer of the group", choices=AllocationRule.Mode.choices,
                             widget=forms.RadioSelect)
    amount = forms.DecimalField(
        label="Amount per member", required=False, max_digits=14, decimal_places=2, min_value=Decimal("0.01"),
        max_value=AMOUNT_MAX, help_text="For a fixed amount.",
    )

    def clean(self):
        data = super().clean()
        if data.get("mode") == AllocationRule.Mode.FIXED and data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", "Enter the amount each member gets.")
        return data


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
