"""A verifiable credential from another issuer (did:key, made here) uploaded for verification is
checked as a credential: signature, status list (served by a local stand-in over HTTP), dates."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from credentials import baking, data_integrity, status_lists
from credentials.multikey import did_key, public_key_multibase

pytestmark = pytest.mark.django_db


class StatusListServer:
    """A stand-in for another issuer's web server: serves JSON documents by path."""

    def __init__(self):
        self.documents: dict[str, dict] = {}
        documents = self.documents

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                document = documents.get(self.path)
                body = json.dumps(document).encode() if document else b"not found"
                self.send_response(200 if document else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def status_server():
    server = StatusListServer()
    yield server
    server.close()


class ForeignIssuer:
    def __init__(self, server: StatusListServer):
        self.key = Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.did = did_key(raw)
        self.method = f"{self.did}#{public_key_multibase(raw)}"
        self.server = server
        self.list_url = f"{server.url}/status/1"
        self.publish_list(revoked=[])

    def sign(self, document: dict) -> dict:
        return data_integrity.sign(
            document, private_key=self.key, verification_method=self.method, created="2026-01-01T00:00:00Z"
        )

    def publish_list(self, revoked: list[int]) -> None:
        self.server.documents["/status/1"] = self.sign(
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": self.list_url,
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "issuer": self.did,
                "validFrom": "2026-01-01T00:00:00Z",
                "credentialSubject": {
                    "id": f"{self.list_url}#list",
                    "type": "BitstringStatusList",
                    "statusPurpose": "revocation",
                    "encodedList": status_lists.encode(revoked),
                },
            }
        )

    def credential(self, index: int = 4242) -> dict:
        return self.sign(
            {
                "@context": [
                    "https://www.w3.org/ns/credentials/v2",
                    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                ],
                "id": "urn:uuid:1b6c0d1e-6f59-4c41-9b7a-2f0f3c1d9a77",
                "type": ["VerifiableCredential", "OpenBadgeCredential"],
                "issuer": {"id": self.did, "type": ["Profile"], "name": "Another University"},
                "validFrom": "2026-01-01T00:00:00Z",
                "credentialSubject": {
                    "type": ["AchievementSubject"],
                    "achievement": {
                        "id": "urn:uuid:8d6f1c3a-0f0e-4a51-8c55-0d7c3b9e1f22",
                        "type": ["Achievement"],
                        "name": "BSc Physics",
                        "criteria": {"narrative": "Three years of study."},
                    },
                },
                "credentialStatus": {
                    "id": f"{self.list_url}#{index}",
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                    "statusListIndex": str(index),
                    "statusListCredential": self.list_url,
                },
            }
        )


@pytest.fixture
def foreign(status_server):
    return ForeignIssuer(status_server)


def verify_upload(name: str, data: bytes) -> dict:
    client = APIClient()
    response = client.post(
        "/api/v1/verifications/", {"file": SimpleUploadedFile(name, data)}, format="multipart"
    )
    assert response.status_code == 202, response.content
    body = client.get(response.json()["status_url"]).json()
    assert body["status"] == "completed"
    return body


def test_a_valid_foreign_credential_is_authentic_and_valid(foreign):
    body = verify_upload("badge.json", json.dumps(foreign.credential()).encode())
    assert body["document"]["verdict"] == "authentic", body
    assert body["credential"]["status"] == "valid"
    assert "Another University" in body["document"]["reasons"][0]


def test_a_tampered_credential_is_fraudulent_in_plain_words(foreign):
    credential = foreign.credential()
    credential["credentialSubject"]["achievement"]["name"] = "BSc Physict"
    body = verify_upload("badge.json", json.dumps(credential).encode())
    assert body["document"]["verdict"] == "fraudulent"
    assert "changed after it was signed" in body["document"]["reasons"][0]


def test_a_credential_revoked_in_its_status_list_is_revoked(foreign):
    credential = foreign.credential(index=4242)
    foreign.publish_list(revoked=[4242])
    body = verify_upload("badge.json", json.dumps(credential).encode())
    assert body["document"]["verdict"] == "authentic"
    assert body["credential"]["status"] == "revoked"
    assert any("revoked" in reason for reason in body["document"]["reasons"])


def test_a_status_list_signed_by_someone_else_is_not_believed(foreign, status_server):
    credential = foreign.credential()
    ForeignIssuer(status_server)  # another did:key publishes its own list at the same URL
    body = verify_upload("badge.json", json.dumps(credential).encode())
    assert body["document"]["verdict"] == "authentic" and body["credential"]["status"] == "unknown"
    assert any("not signed by the same issuer" in reason for reason in body["document"]["reasons"])


def test_a_png_with_a_baked_credential_is_checked_as_a_credential(foreign):
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(image, format="PNG")
    baked = baking.bake(image.getvalue(), foreign.credential())
    body = verify_upload("badge.png", baked)
    assert body["document"]["verdict"] == "authentic" and body["credential"]["status"] == "valid"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"{not json", "invalid_credential"),
        (b"[" * 100 + b"]" * 100, "unsupported_type"),
        (b"{" + b'"a":{' * 100 + b"}" * 101, "invalid_credential"),
        (b'{"a": "' + b"x" * 600_000 + b'"}', "credential_too_large"),
    ],
)
def test_malformed_json_uploads_are_field_errors(data, code):
    response = APIClient().post(
        "/api/v1/verifications/", {"file": SimpleUploadedFile("x.json", data)}, format="multipart"
    )
    assert response.status_code == 400, response.content
    assert code in json.dumps(response.json())


def test_a_json_object_that_is_no_credential_is_inconclusive():
    body = verify_upload("x.json", b'{"hello": "world"}')
    assert body["document"]["verdict"] == "inconclusive" and body["credential"]["status"] == "unknown"
    assert "not a W3C verifiable credential" in body["document"]["reasons"][0]


def test_the_public_form_accepts_a_credential_file(foreign):
    from django.test import Client

    client = Client()
    upload = SimpleUploadedFile("badge.json", json.dumps(foreign.credential()).encode())
    response = client.post("/verify/", {"file": upload})
    assert response.status_code == 302, response.content[:500]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Another University" in page.content and b"authentic" in page.content.lower()


def test_named_blank_nodes_are_refused_before_canonicalization(foreign):
    credential = foreign.credential()
    credential["credentialSubject"]["id"] = "_:b0"
    body = verify_upload("badge.json", json.dumps(credential).encode())
    assert body["document"]["verdict"] == "fraudulent"
    assert "blank nodes" in body["document"]["reasons"][0]
