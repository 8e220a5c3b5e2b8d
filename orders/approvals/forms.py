"""Forms of Approvals."""

from django import forms


class RejectForm(forms.Form):
    po_number = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
