"""Forms of the approval workflow and buying policy pages (crispy; services re-check everything)."""

from django import forms

from orders.models import ApprovalRule, Category, CategoryPolicy, SpendingLimit
from orders.models.approval import Condition, Deciders, Mode
from procurement.models import Member
from procurement.money import MONEY

MONEY_FIELD = {"max_digits": MONEY["max_digits"], "decimal_places": MONEY["decimal_places"], "min_value": 0}


class DelaysForm(forms.ModelForm):
    class Meta:
        model = ApprovalRule
        fields = ["reminder_days", "escalation_days"]
        labels = {"reminder_days": "Remind the deciders after (days)", "escalation_days": "Escalate to the business admins after (days)"}

    def clean(self):
        data = super().clean()
        remind, escalate = data.get("reminder_days"), data.get("escalation_days")
        if remind and escalate and escalate <= remind:
            self.add_error("escalation_days", "Escalate later than the reminder.")
        return data


class LevelForm(forms.Form):
    condition = forms.ChoiceField(label="When it applies", choices=Condition.choices)
    amount = forms.DecimalField(label="Amount (for an amount condition)", required=False, **MONEY_FIELD)
    category = forms.ModelChoiceField(label="Category (for a category condition)", queryset=Category.objects.order_by("name"),
                                      required=False)
    deciders = forms.ChoiceField(label="Who decides", choices=Deciders.choices)
    named = forms.ModelMultipleChoiceField(label="Named members (for named deciders)", queryset=Member.objects.none(),
                                           required=False)
    mode = forms.ChoiceField(label="How many must approve", choices=Mode.choices)

    def __init__(self, *args, business, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["named"].queryset = Member.objects.filter(business=business, is_active=True).select_related("user").order_by("user__email")

    def clean(self):
        data = super().clean()
        if data.get("condition") == Condition.AMOUNT and data.get("amount") is None:
            self.add_error("amount", "Enter the amount at or above which the level applies.")
        if data.get("condition") == Condition.CATEGORY and data.get("category") is None:
            self.add_error("category", "Choose the category.")
        if data.get("deciders") == Deciders.NAMED and not data.get("named"):
            self.add_error("named", "Name at least one member.")
        return data


class SpendingLimitForm(forms.Form):
    member = forms.ModelChoiceField(queryset=Member.objects.none())
    per_order = forms.DecimalField(label="Per order", required=False, **MONEY_FIELD)
    per_month = forms.DecimalField(label="Per month", required=False, **MONEY_FIELD)
    action = forms.ChoiceField(label="Over the limit", choices=SpendingLimit.Action.choices)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members

    def clean(self):
        data = super().clean()
        if data.get("per_order") is None and data.get("per_month") is None:
            raise forms.ValidationError("Enter a limit per order, per month, or both.")
        return data


class CategoryPolicyForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.order_by("name"))
    policy = forms.ChoiceField(choices=CategoryPolicy.Policy.choices)


class DelegationForm(forms.Form):
    delegate = forms.ModelChoiceField(queryset=Member.objects.none())
    start_date = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="Until (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = members

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "The delegation ends on or after the day it starts.")
        return data
