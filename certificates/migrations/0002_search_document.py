"""PostgreSQL full-text search: a generated tsvector column with a GIN index.

Only on PostgreSQL; SQLite searches with LIKE (certificates/selectors.py). The column is not in
Django's model state on purpose: the database maintains it.
"""

from django.db import migrations

FORWARD = """
ALTER TABLE certificates_certificate ADD COLUMN search_document tsvector
  GENERATED ALWAYS AS (to_tsvector('simple',
      coalesce(recipient_name, '') || ' ' || coalesce(recipient_email, '') || ' ' ||
      coalesce(title, '') || ' ' || coalesce(credential_id, '') || ' ' || coalesce(external_id, ''))) STORED;
CREATE INDEX cert_search_gin ON certificates_certificate USING gin (search_document);
"""
BACKWARD = """
DROP INDEX IF EXISTS cert_search_gin;
ALTER TABLE certificates_certificate DROP COLUMN IF EXISTS search_document;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("certificates", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
