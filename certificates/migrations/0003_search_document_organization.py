"""Put the organization into the search document as a lexeme ('#org<id>', which no search term
can produce: the search strips '#'), so a search can ask the GIN index for "these words in this
organization" at once. Before, every match in every other organization was fetched from the
table only to be filtered out: a prefix that was rare in the caller's organization but common in
another one read thousands of rows (bench/search_bench.py). PostgreSQL only; rewrites the table, then refreshes its statistics (a new column has none, and
without them the planner misjudges every search)."""

from django.db import migrations

TEXT = """to_tsvector('simple',
      coalesce(recipient_name, '') || ' ' || coalesce(recipient_email, '') || ' ' ||
      coalesce(title, '') || ' ' || coalesce(credential_id, '') || ' ' || coalesce(external_id, ''))"""

REPLACE = """
DROP INDEX IF EXISTS cert_search_gin;
ALTER TABLE certificates_certificate DROP COLUMN IF EXISTS search_document;
ALTER TABLE certificates_certificate ADD COLUMN search_document tsvector GENERATED ALWAYS AS ({}) STORED;
CREATE INDEX cert_search_gin ON certificates_certificate USING gin (search_document);
ANALYZE certificates_certificate;
"""
FORWARD = REPLACE.format(TEXT + " || array_to_tsvector(ARRAY['#org' || organization_id::text])")
BACKWARD = REPLACE.format(TEXT)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("certificates", "0002_search_document")]
    operations = [migrations.RunPython(forward, backward)]
