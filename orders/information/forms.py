"""Business Settings -> Order information forms (definitions and choices) and the checkout inputs."""

from __future__ import annotations

from django import forms
from django.urls import reverse

from orders.models import OrderField
from procurement.inputs import BoundedModelMultipleChoiceField
from procurement.models import Business, Group

CHOICES_UPLOAD_MAX_BYTES = 2 * 1024 * 1024


class OrderFieldForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What buyers see, e.g. “GL code” or “Project code”.")
    type = forms.ChoiceField(choices=OrderField.Type.choices)
    required = forms.BooleanField(required=False, label="Required on every order")
    groups = BoundedModelMultipleChoiceField(
        queryset=Group.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Groups", help_text="Ask only buyers of these groups. Leave all unticked to ask every group.",
    )
    help_text = forms.CharField(label="Hint for buyers", max_length=200, required=False)
    min_value = forms.DecimalField(label="Smallest number", required=False, max_digits=18, decimal_places=4,
                                   help_text="Number fields only.")
    max_value = forms.DecimalField(label="Largest number", required=False, max_digits=18, decimal_places=4,
                                   help_text="Number fields only.")
    position = forms.IntegerField(min_value=0, max_value=100000, required=False,
                                  help_text="Fields show in this order at checkout (smallest first).")

    def __init__(self, *args, business: Business, field: OrderField | None = None, **kwargs):
        if field is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "name": field.name, "type": field.type, "required": field.required, "help_text": field.help_text,
                "min_value": field.min_value, "max_value": field.max_value, "position": field.position,
                "groups": list(field.groups.all()),
            }
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = Group.objects.filter(business=business).order_by("name")

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("position") is None:
            data.pop("position", None)  # new fields go last; edited ones keep their place
        return data


class ChoicesBulkForm(forms.Form):
    text = forms.CharField(
        label="Paste choices", required=False, widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One per line: the value, then optionally a comma and its label (e.g. “6100, Office supplies”).",
    )
    file = forms.FileField(label="Or upload a CSV file", required=False, help_text="Same format; up to 2 MB.")

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        text = data.get("text") or ""
        if upload:
            if upload.size > CHOICES_UPLOAD_MAX_BYTES:
                raise forms.ValidationError("The file is larger than 2 MB.")
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError("Save the file as UTF-8 CSV and upload it again.") from None
        if not text.strip():
            raise forms.ValidationError("Paste at least one value, or upload a CSV file.")
        data["choices_text"] = text
        return data


def information_form_field(field: OrderField) -> forms.Field:
    """The checkout input of one order information field: text for every type (validated by the
    service), a number keyboard for numbers, a searchable combobox (static/js/combobox.js) for choices."""
    attrs = {"autocomplete": "off"}
    if field.type == OrderField.Type.NUMBER:
        attrs["inputmode"] = "decimal"
    elif field.type == OrderField.Type.CHOICE:
        attrs.update({
            "data-combobox-url": reverse("orders:order_field_choice_search", kwargs={"field_id": field.pk}),
            "role": "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
        })
    hint = field.help_text or ("Type to search the list." if field.type == OrderField.Type.CHOICE else "")
    return forms.CharField(
        label=field.name, required=field.required, max_length=200, help_text=hint,
        widget=forms.TextInput(attrs=attrs),
        error_messages={"required": f"Enter {field.name}: your business requires it on every order."},
    )
