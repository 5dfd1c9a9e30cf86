"""The issuing API as a generated client sees it (issue P.6): openapi-python-client builds a Python
package from the live schema, and that package issues, re-sends and verifies against a live server.
It also pins what the schema promises every operation: a summary, the error responses in the one
error shape, and real examples."""

import importlib
import json
import subprocess
import sys

import pytest
from django.test import Client

from organizations.access import Actor
from organizations.roles import Role
from organizations.services import api_key_create

ISSUE = {
    "organization": "",
    "recipient_name": "Ada Lovelace",
    "title": "MSc Computer Science",
    "issue_date": "2026-06-30",
    "external_id": "2026-MSC-0001",
}


@pytest.fixture
def schema(db):
    return Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()


def test_every_certificate_operation_has_a_summary_errors_in_the_one_shape_and_real_examples(schema):
    issuing = {
        p: ops
        for p, ops in schema["paths"].items()
        if p.startswith(("/api/v1/certificates", "/api/v1/issuance"))
    }
    for path, operations in issuing.items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            for status in ("400", "429"):
                error = operation["responses"][status]["content"]["application/json"]
                assert error["schema"] == {"$ref": "#/components/schemas/Error"}, (method, path, status)
                assert error["example"]["error"]["code"] and error["example"]["error"]["message"]
    create = schema["paths"]["/api/v1/certificates/"]["post"]
    assert {"200", "201", "400", "401", "403", "404", "409", "429"} <= set(create["responses"])
    issued = schema["components"]["schemas"]["Certificate"]["properties"]
    assert issued["recipient_name"]["example"] == "Ada Lovelace"
    assert issued["image_url"]["example"].startswith("https://")


@pytest.fixture
def client_package(schema, tmp_path, monkeypatch):
    """The client openapi-python-client generates from the served schema, importable as `cv_client`."""
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    (tmp_path / "config.yaml").write_text("post_hooks: []\n")  # no formatter run: not needed to import it
    generated = subprocess.run(
        [
            str(sys.executable.rsplit("/", 1)[0] + "/openapi-python-client"),
            "generate",
            "--path",
            "schema.json",
            "--meta",
            "none",
            "--output-path",
            "cv_client",
            "--config",
            "config.yaml",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert generated.returncode == 0, generated.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == "cv_client" or m.startswith("cv_client.")]:
        del sys.modules[name]
    return importlib.import_module("cv_client")


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_issues_resends_and_verifies(client_package, live_server, org, owner, settings):
    settings.SITE_URL = live_server.url
    _key, secret = api_key_create(actor=Actor(user=owner), organization=org, name="SIS", role=Role.ISSUER)
    api = importlib.import_module("cv_client.api.certificates.certificates_create")
    public = importlib.import_module("cv_client.api.public.public_certificates_retrieve")
    models = importlib.import_module("cv_client.models")
    client = client_package.AuthenticatedClient(base_url=live_server.url, token=secret, prefix="Api-Key")

    body = models.CertificateIssueRequest.from_dict({**ISSUE, "organization": org.slug})
    first = api.sync_detailed(client=client, body=body)
    assert first.status_code == 201
    certificate = first.parsed
    assert certificate.recipient_name == "Ada Lovelace"
    assert certificate.image_url.startswith(live_server.url + "/api/v1/certificates/")

    again = api.sync_detailed(client=client, body=body)
    assert again.status_code == 200 and again.parsed.credential_id == certificate.credential_id

    changed = models.CertificateIssueRequest.from_dict(
        {**ISSUE, "organization": org.slug, "title": "MSc Maths"}
    )
    conflict = api.sync_detailed(client=client, body=changed)
    assert conflict.status_code == 409
    assert list(conflict.parsed.error.fields.additional_properties) == ["title"]

    anonymous = client_package.Client(base_url=live_server.url)
    record = public.sync_detailed(client=anonymous, credential_id=certificate.credential_id)
    assert record.status_code == 200
    assert record.parsed.to_dict()["status"] == "valid"
