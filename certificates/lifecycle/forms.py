"""Portal forms for certificates, bulk issuance and templates. They check the input's shape only:
dates parse, JSON is JSON, a file is there. The services decide everything else."""

from __future__ import annotations

from django import forms

STATUS_CHOICES = [
    ("", "Any status"),
    ("issued", "Valid"),
    ("suspended", "Suspended"),
    ("revoked", "Revoked"),
    ("expired", "Expired"),
]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def template_choices(templates) -> list[tuple[str, str]]:
    choices = [("", "Standard design")]
    for template in templates:
        suffix = " (shared)" if template.organization_id is None else ""
        choices.append((str(template.pk), f"{template.name}{suffix}"))
    return choices


class CertificateFilterForm(forms.Form):
    """The list's search and filters; the same names as the API's filters, so links can be shared."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Name, e-mail, title or credential id",
                "autocomplete": "off",
            }
        ),
    )
    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_CHOICES)
    issued_after = forms.DateField(label="Issued from", required=False, widget=DATE)
    issued_before = forms.DateField(label="Issued until", required=False, widget=DATE)

    def clean(self):
        cleaned = super().clean()
        after, before = cleaned.get("issued_after"), cleaned.get("issued_before")
        if after and before and before < after:
            self.add_error("issued_before", "This date is before the “Issued from” date.")
        return cleaned

    @property
    def is_filtered(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


class CertificateForm(forms.Form):
    """The fields of one certificate, for issuing and (prefilled) for reissuing."""

    recipient_name = forms.CharField(label="Recipient’s full name", max_length=200)
    recipient_email = forms.EmailField(
        label="Recipient’s e-mail",
        required=False,
        help_text="Not printed; lets the recipient be told and find the certificate.",
    )
    title = forms.CharField(label="Course or programme", max_length=300)
    issue_date = forms.DateField(label="Issue date", widget=DATE)
    expiry_date = forms.DateField(
        label="Expiry date", required=False, widget=DATE, help_text="Leave empty if it does not expire."
    )
    grade = forms.CharField(label="Grade", max_length=50, required=False)
    template = forms.ChoiceField(label="Design", required=False)

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = {str(t.pk): t for t in templates}
        self.fields["template"].choices = template_choices(templates)

    def clean_template(self):
        value = self.cleaned_data["template"]
        return self.templates.get(value) if value else None

    def clean(self):
        cleaned = super().clean()
        issued, expires = cleaned.get("issue_date"), cleaned.get("expiry_date")
        if issued and expires and expires < issued:
            self.add_error("expiry_date", "The expiry date is before the issue date.")
        return cleaned


class IssueForm(CertificateForm):
    external_id = forms.CharField(
        label="Your reference",
        max_length=100,
        required=False,
        help_text="E.g. the student number + course. Issuing twice with the same reference returns "
        "the first certificate instead of a duplicate.",
    )

    field_order = [
        "recipient_name",
        "recipient_email",
        "title",
        "issue_date",
        "expiry_date",
        "grade",
        "external_id",
        "template",
    ]


class ReissueForm(CertificateForm):
    """Corrections for a reissue; the old certificate is revoked as superseded."""


class PreviewForm(CertificateForm):
    """The issue form's current values, for the live preview: nothing is required."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="Shown on the public verification page.",
    )


class OptionalReasonForm(ReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = False
