"""The buyer's return request: which received line, how many, and why."""

from django import forms

from orders.models import ReturnRequest


class ReturnRequestForm(forms.Form):
    receipt_line = forms.TypedChoiceField(label="Item", coerce=int)
    quantity = forms.IntegerField(label="Quantity to return", min_value=1, initial=1)
    reason = forms.ChoiceField(label="Reason", choices=ReturnRequest.Reason.choices, widget=forms.RadioSelect)
    reason_text = forms.CharField(label="Reason (if other)", max_length=255, required=False)

    def __init__(self, *args, receipt_lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.receipt_lines = {line.pk: line for line in receipt_lines}
        self.fields["receipt_line"].choices = [
            (line.pk, f"{line.order_line.sku} · {line.order_line.description} ({line.returnable} returnable, "
                      f"shipment {line.receipt.shipment.tracking_number})")
            for line in receipt_lines
        ]

    def clean(self):
        data = super().clean()
        if data.get("reason") == ReturnRequest.Reason.OTHER and not (data.get("reason_text") or "").strip():
            self.add_error("reason_text", "Say why you return the items.")
        line = self.receipt_lines.get(data.get("receipt_line"))
        if line is not None and data.get("quantity") and data["quantity"] > line.returnable:
            self.add_error("quantity", f"Only {line.returnable} can still be returned.")
        return data
