"""Portal forms for bulk issuance: the upload, then the preview's date order and column mapping
(shape only; the service validates rows)."""

import re

from django import forms

from certificates.batches import columns
from certificates.batches.dates import DATE_ORDERS
from certificates.batches.services import MAX_CSV_BYTES, Options
from certificates.lifecycle.forms import template_choices

UNMAPPED, META, IGNORE = "", "__meta__", "__ignore__"
FIELD_LABELS = {
    "recipient_name": "Recipient’s name (printed)",
    "title": "Course or programme (printed)",
    "issue_date": "Issue date (printed)",
    "expiry_date": "Expiry date (printed)",
    "grade": "Grade (printed)",
    "recipient_email": "Recipient’s e-mail",
    "external_id": "Your reference (external_id)",
}


class BulkIssueForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text="CSV (comma, semicolon or tab; UTF-8, UTF-16 or Windows-1252) or Excel .xlsx, with a "
        "header row, up to 10 MB. You see a preview before anything is issued.",
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.txt,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    template = forms.ChoiceField(label="Design", required=False)

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = {str(t.pk): t for t in templates}
        self.fields["template"].choices = template_choices(templates)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB; split it into several files.")
        return upload

    def clean_template(self):
        value = self.cleaned_data["template"]
        return self.templates.get(value) if value else None


class BatchOptionsForm(forms.Form):
    """The preview's choices: how to read slashed dates and which column feeds which field."""

    date_order = forms.ChoiceField(
        label="Dates like 03/04/2026 are",
        choices=[(k, v) for k, v in DATE_ORDERS.items()],
        required=False,
    )

    def __init__(self, *args, header: list[str], suggested: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.header = header
        choices = [(UNMAPPED, "— choose —"), *FIELD_LABELS.items()]
        choices += [(META, "Keep as data (not printed)"), (IGNORE, "Ignore this column")]
        for index, name in enumerate(header):
            own = columns.own_field(name)
            initial = suggested.get(name) or own or UNMAPPED
            if initial.startswith("meta_"):
                initial = META
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=name, choices=choices, required=False, initial=initial
            )

    def column_fields(self):
        return [(name, self[f"col_{i}"]) for i, name in enumerate(self.header)]

    def options(self) -> Options:
        """The submitted choices as batch options."""
        choices = [self.cleaned_data.get(f"col_{i}") or UNMAPPED for i in range(len(self.header))]
        return self._as_options(choices, self.cleaned_data.get("date_order") or "")

    def suggested_options(self) -> Options:
        """The proposal the page opens with (the suggested mapping, no date order)."""
        choices = [self.fields[f"col_{i}"].initial for i in range(len(self.header))]
        return self._as_options(choices, "")

    def _as_options(self, choices: list[str], date_order: str) -> Options:
        # A column left as its own name adds nothing to the mapping, so the batch's identity (and
        # so "the same file again") does not depend on whether the preview was used.
        column_map = {}
        for name, choice in zip(self.header, choices, strict=True):
            target = {IGNORE: "", META: "meta_" + _slug(name)}.get(choice, choice)
            if choice != UNMAPPED and target != columns.own_field(name):
                column_map[name] = target
        return Options.checked(date_order, column_map or None)


def _slug(name: str) -> str:
    return (re.sub(r"[^a-z0-9_]+", "_", columns.normalize(name)).strip("_") or "column")[:50]
