"""The Your Orders filter form."""

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

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
        """`groups`: the (id, name) pairs the member may filter by."""
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "Any group")] + list(groups)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name in ("status", "group") else "form-control"

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("'Placed from' must be on or before 'Placed to'.")
        return data

    def fields_html(self) -> str:
        """The fields' HTML (labels, widgets, errors). Rendering five widgets through Django's form renderer
        costs more than the rest of the page; the HTML is a pure function of the groups offered and the
        values entered, so it is kept per process under exactly that key (no invalidation needed)."""
        values = tuple((name, self.data.get(name)) for name in self.fields) if self.is_bound else None
        key = (tuple(self.fields["group"].choices), values)
        html = _FIELDS_HTML.get(key)
        if html is None:
            html = render_to_string("orders/shop/_order_filter_fields.html", {"form": self})
            if len(_FIELDS_HTML) >= _FIELDS_HTML_MAX:
                _FIELDS_HTML.clear()
            _FIELDS_HTML[key] = html
        return html


_FIELDS_HTML: dict = {}
_FIELDS_HTML_MAX = 256
