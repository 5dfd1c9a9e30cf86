"""Portal forms for webhook endpoints. The service checks the URL (scheme, SSRF) and the events."""

from __future__ import annotations

from django import forms

from .events import EventType

# webhook.test is sent on demand to one endpoint; nobody subscribes to it.
SUBSCRIBABLE = [(value, label) for value, label in EventType.choices if value != EventType.WEBHOOK_TEST]


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="Endpoint URL",
        max_length=2000,
        help_text="Where we POST the events, e.g. https://hr.example.com/hooks/certverify.",
        widget=forms.URLInput(attrs={"autocomplete": "off", "placeholder": "https://"}),
    )
    description = forms.CharField(label="Description", max_length=255, required=False)
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=SUBSCRIBABLE,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
