from django import forms
from django.utils.translation import gettext_lazy as _


class VerifyForm(forms.Form):
    file = forms.FileField(
        required=False,
        label=_("Certificate image or PDF"),
        help_text=_(
            "JPEG, PNG, WebP or PDF up to 15 MB, or a verifiable credential (.json, or an Open Badge PNG)."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf,application/json,.json"}
        ),
    )
    credential_id = forms.CharField(
        required=False,
        max_length=64,
        label=_("Credential id"),
        help_text=_("Printed on the certificate, e.g. CV-7KQ2-M9XD-4HPA-TT3E-X."),
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not cleaned.get("credential_id", "").strip():
            raise forms.ValidationError(_("Upload the certificate, type its credential id, or both."))
        return cleaned


VERDICT_CHOICES = [
    ("", "Any verdict"),
    ("fraudulent", "Fraudulent"),
    ("suspicious", "Suspicious"),
    ("authentic", "Authentic"),
    ("inconclusive", "Inconclusive"),
    ("not_checked", "No document (id only)"),
    ("unfinished", "Running or failed"),
]


class VerificationFilterForm(forms.Form):
    """The portal list's filters: the verdict, and a credential id."""

    verdict = forms.ChoiceField(label="Verdict", required=False, choices=VERDICT_CHOICES)
    q = forms.CharField(
        label="Credential id",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "CV-…", "autocomplete": "off"}),
    )
