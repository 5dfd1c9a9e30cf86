# Issue K: a verification answers two questions, the document's verdict and the credential's status.

from django.db import migrations, models


def backfill_checked(apps, schema_editor):
    """What earlier requests checked, from what they were given."""
    VerificationRequest = apps.get_model("verification", "VerificationRequest")
    with_upload = ~models.Q(upload_sha256="")  # kept after the upload itself is purged
    with_id = ~models.Q(credential_id_input="")
    VerificationRequest.objects.filter(with_upload & with_id).update(checked="both")
    VerificationRequest.objects.filter(with_upload & ~with_id).update(checked="document")
    VerificationRequest.objects.filter(~with_upload).update(checked="id")


class Migration(migrations.Migration):
    dependencies = [
        ("verification", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="verificationrequest",
            name="checked",
            field=models.CharField(
                blank=True,
                choices=[
                    ("document", "A document"),
                    ("id", "A credential id"),
                    ("both", "A document and a credential id"),
                ],
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="verificationrequest",
            name="credential",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="verificationrequest",
            name="credential_status",
            field=models.CharField(
                blank=True,
                choices=[
                    ("valid", "Valid"),
                    ("revoked", "Revoked"),
                    ("suspended", "Suspended"),
                    ("expired", "Expired"),
                    ("superseded", "Superseded"),
                    ("not_found", "Not found"),
                    ("unknown", "Unknown"),
                ],
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="verificationrequest",
            name="verdict",
            field=models.CharField(
                blank=True,
                choices=[
                    ("authentic", "Authentic"),
                    ("suspicious", "Suspicious"),
                    ("fraudulent", "Fraudulent"),
                    ("inconclusive", "Inconclusive"),
                    ("not_checked", "No document checked"),
                ],
                db_index=True,
                max_length=12,
            ),
        ),
        migrations.RunPython(backfill_checked, migrations.RunPython.noop),
    ]
