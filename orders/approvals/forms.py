"""Forms of Approvals."""

from django import forms


class RejectForm(forms.Form):
    po_number = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class DecisionForm(forms.Form):
    """The decision on the order page: approve, or reject with a reason (the buyer reads it)."""

    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    reason = forms.CharField(label="Reason (required to reject)", required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give a reason for the rejection; the buyer will read it.")
        return data


class MoveBudgetForm(forms.Form):
    budget = forms.ModelChoiceField(queryset=None, label="Move to Blanket PO", empty_label=None)

    def __init__(self, *args, budgets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget"].queryset = budgets
