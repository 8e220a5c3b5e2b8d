"""The Your Orders filter form."""

from django import forms
from django.core.exceptions import ValidationError

from orders.models import Order
from procurement.inputs import date_bounds_validator


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Order.Status.choices, ("to_receive", "Shipped, not yet received")], required=False,
    )
    group = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    date_from = forms.DateField(label="Placed from", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                validators=[date_bounds_validator])
    date_to = forms.DateField(label="Placed to", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              validators=[date_bounds_validator])
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
