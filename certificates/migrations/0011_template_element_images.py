from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0010_template_signature_images"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificatetemplate",
            name="element_images",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
