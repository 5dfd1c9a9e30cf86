from django import forms

from . import messages


class DeliverySettingsForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="E-mail recipients when a certificate is issued")
    hold_batches = forms.BooleanField(
        required=False,
        label="Send later: hold the e-mails of each bulk issue until I press “Send now”",
    )
    subject = forms.CharField(max_length=200)
    body = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Placeholders: " + " ".join(f"{{{p}}}" for p in messages.PLACEHOLDERS),
    )
    reminder_days = forms.CharField(
        max_length=50, required=False, label="Expiry reminders (days before)", help_text="For example 30,7"
    )
    remind_organization = forms.BooleanField(
        required=False, label="Also send the organization's admins a digest of certificates about to expire"
    )

    def clean_subject(self):
        subject = self.cleaned_data["subject"]
        if "\n" in subject or "\r" in subject:
            raise forms.ValidationError("Keep the subject on one line.")
        return subject
