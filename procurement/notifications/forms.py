"""The notification settings form: one choice per kind; approval kinds offer no "off"."""

from django import forms

from .models import APPROVAL_KINDS, Channel, Kind


class NotificationPreferencesForm(forms.Form):
    def __init__(self, *args, initial_channels: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_channels = initial_channels or {}
        for kind in Kind:
            choices = [(c.value, c.label) for c in Channel if not (kind in APPROVAL_KINDS and c == Channel.OFF)]
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=choices, initial=initial_channels.get(kind.value, Channel.EMAIL),
                widget=forms.RadioSelect,
                help_text="Cannot be turned off: orders wait for you." if kind in APPROVAL_KINDS else "",
            )

    def channels(self) -> dict[str, str]:
        return {kind: self.cleaned_data[kind] for kind in Kind.values}
