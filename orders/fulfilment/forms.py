"""The staff shipment form (Django admin)."""

from django import forms
from django.utils import timezone


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
