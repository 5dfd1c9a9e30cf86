"""Portal form for bulk issuance: the CSV upload and its design (shape only; the service validates rows)."""

from django import forms

from certificates.batches.services import MAX_CSV_BYTES
from certificates.lifecycle.forms import template_choices


class BulkIssueForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV with a header row, up to 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
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
