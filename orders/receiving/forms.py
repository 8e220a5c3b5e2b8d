"""The receipt form: per shipment line, received / damaged / missing and a note; the date; a note."""

from django import forms
from django.utils import timezone

from orders.receiving.services import LineCount


class ReceiptForm(forms.Form):
    received_on = forms.DateField(label="Date received", initial=timezone.localdate,
                                  widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    note = forms.CharField(label="Note", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))

    def __init__(self, *args, shipment_lines, receipt_lines=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.shipment_lines = list(shipment_lines)
        existing = {rl.shipment_line_id: rl for rl in (receipt_lines or [])}
        self.rows = []
        for line in self.shipment_lines:
            previous = existing.get(line.pk)
            number = {"class": "form-control", "inputmode": "numeric"}
            fields = {
                "received": forms.IntegerField(
                    label="Received", min_value=0, max_value=line.quantity,
                    initial=previous.quantity_received if previous else line.quantity, widget=forms.NumberInput(attrs=number)),
                "damaged": forms.IntegerField(
                    label="Damaged", min_value=0, max_value=line.quantity, required=False,
                    initial=previous.quantity_damaged if previous else 0, widget=forms.NumberInput(attrs=number)),
                "missing": forms.IntegerField(
                    label="Missing", min_value=0, max_value=line.quantity, required=False,
                    initial=previous.quantity_missing if previous else 0, widget=forms.NumberInput(attrs=number)),
                "note": forms.CharField(
                    label="Note", max_length=255, required=False, initial=previous.note if previous else "",
                    widget=forms.TextInput(attrs={"class": "form-control"})),
            }
            names = {}
            for key, field in fields.items():
                name = f"{key}_{line.pk}"
                self.fields[name] = field
                names[key] = name
            self.rows.append({"line": line, "previous": previous, "fields": {k: self[v] for k, v in names.items()}})

    def counts(self) -> dict[int, LineCount]:
        data = self.cleaned_data
        return {
            line.pk: LineCount(
                received=data.get(f"received_{line.pk}") or 0, damaged=data.get(f"damaged_{line.pk}") or 0,
                missing=data.get(f"missing_{line.pk}") or 0, note=data.get(f"note_{line.pk}") or "",
            )
            for line in self.shipment_lines
        }
