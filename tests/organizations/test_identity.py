"""Who the issuer is: verification levels, domain proof (DNS TXT, well-known file), look-alikes."""

from __future__ import annotations

import http.server
import socket
import threading
from datetime import timedelta

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from django.core import mail
from django.core.management import call_command

from organizations.models import AuditEvent, Organization, VerificationLevel
from organizations.tasks import recheck_domains
from tests.conftest import auth_client
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):
    """These tests are about identity: the organization starts unverified (the factory's default
    is reviewed, for the tests about documents)."""
    return OrganizationFactory(verification_level="unverified")


class StandInDNS:
    """A UDP DNS server on 127.0.0.1 answering TXT queries from `records` (name → [strings])."""

    def __init__(self):
        self.records: dict[str, list[str]] = {}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                wire, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            query = dns.message.from_wire(wire)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().rstrip(".")
            if name not in self.records:
                response.set_rcode(dns.rcode.NXDOMAIN)
            elif question.rdtype == dns.rdatatype.TXT:
                values = [f'"{value}"' for value in self.records[name]]
                response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "TXT", *values))
            self.sock.sendto(response.to_wire(), peer)

    def close(self):
        self.sock.close()


@pytest.fixture
def dns_server(settings):
    server = StandInDNS()
    settings.DOMAIN_PROOF_NAMESERVER = f"127.0.0.1:{server.port}"
    settings.DOMAIN_PROOF_TIMEOUT = 2.0
    yield server
    server.close()


@pytest.fixture
def web_server():
    """A local web server; `files` maps a path to the body it serves (others are 404)."""
    files: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"not found")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.files = files
    yield server
    server.shutdown()
    server.server_close()


def start_proof(client, org, domain):
    return client.post(
        f"/api/v1/organizations/{org.slug}/domain-verification/", {"domain": domain}, format="json"
    )


def check_proof(client, org):
    return client.post(f"/api/v1/organizations/{org.slug}/domain-verification/check/", format="json")


def test_a_new_organization_is_unverified_in_the_api(user):
    response = auth_client(user).post("/api/v1/organizations/", {"name": "Tech Institute"}, format="json")

    assert response.status_code == 201
    assert response.json()["verification"] == {
        "level": "unverified",
        "domain": None,
        "verified_at": None,
        "warning": None,
    }


def test_domain_proof_by_dns_txt_record_makes_the_organization_domain_verified(org, admin_user, dns_server):
    client = auth_client(admin_user)
    started = start_proof(client, org, "Uni.Example")
    assert started.status_code == 201
    body = started.json()
    token = body["token"]
    assert body["dns"] == {
        "type": "TXT",
        "name": "_certverify.uni.example",
        "value": f"certverify-verification={token}",
    }
    assert body["http"]["url"] == "https://uni.example/.well-known/certverify.txt"
    dns_server.records["_certverify.uni.example"] = ["some-other=1", f"certverify-verification={token}"]

    response = check_proof(client, org)

    assert response.status_code == 200, response.json()
    assert response.json()["level"] == "domain" and response.json()["method"] == "dns"
    org.refresh_from_db()
    assert org.verification_level == VerificationLevel.DOMAIN and org.verified_domain == "uni.example"
    assert AuditEvent.objects.filter(organization=org, action="organization.domain_verified").exists()
    detail = client.get(f"/api/v1/organizations/{org.slug}/").json()["verification"]
    assert detail["level"] == "domain" and detail["domain"] == "uni.example" and detail["verified_at"]


def test_domain_proof_by_well_known_file_on_a_local_web_server(org, owner, dns_server, web_server):
    client = auth_client(owner)
    domain = f"localhost:{web_server.server_port}"
    token = start_proof(client, org, domain).json()["token"]
    web_server.files["/.well-known/certverify.txt"] = f"certverify-verification={token}\n".encode()

    response = check_proof(client, org)

    assert response.status_code == 200, response.json()
    assert response.json()["method"] == "http" and response.json()["domain"] == domain
    org.refresh_from_db()
    assert org.verification_level == VerificationLevel.DOMAIN


def test_a_check_without_the_token_published_is_refused_with_both_reasons(org, owner, dns_server, web_server):
    client = auth_client(owner)
    start_proof(client, org, f"localhost:{web_server.server_port}")

    response = check_proof(client, org)

    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "_certverify.localhost" in message and "HTTP 404" in message
    org.refresh_from_db()
    assert org.verification_level == VerificationLevel.UNVERIFIED


def test_the_well_known_fetch_refuses_a_private_address(org, owner, dns_server, settings):
    settings.DOMAIN_PROOF_ALLOW_LOOPBACK = False
    client = auth_client(owner)
    response = start_proof(client, org, "localhost:8123")
    assert response.status_code == 400  # a port is only for loopback development

    start_proof(client, org, "uni.example")
    Organization.objects.filter(pk=org.pk).update(domain_proof_domain="127.0.0.1")
    response = check_proof(client, org)

    assert response.status_code == 400
    assert "a loopback address" in response.json()["error"]["message"]


def test_domain_verification_needs_an_admin_and_is_hidden_from_outsiders(org, issuer, outsider):
    assert start_proof(auth_client(issuer), org, "uni.example").status_code == 403
    assert start_proof(auth_client(outsider), org, "uni.example").status_code == 404


def test_a_domain_that_stops_proving_control_is_downgraded_by_the_beat_task(
    org, owner, admin_user, dns_server, settings, django_capture_on_commit_callbacks
):
    client = auth_client(owner)
    token = start_proof(client, org, "uni.example").json()["token"]
    dns_server.records["_certverify.uni.example"] = [f"certverify-verification={token}"]
    assert check_proof(client, org).status_code == 200
    Organization.objects.filter(pk=org.pk).update(domain_checked_at=None)  # due again
    assert recheck_domains() == "1 checked, 0 downgraded, 0 in their grace period"
    org.refresh_from_db()
    assert org.verification_level == VerificationLevel.DOMAIN

    del dns_server.records["_certverify.uni.example"]
    Organization.objects.filter(pk=org.pk).update(domain_checked_at=None)
    settings.DOMAIN_PROOF_REQUIRE_HTTPS = True  # nothing serves https://uni.example
    settings.DOMAIN_RECHECK_GRACE = timedelta(0)  # the grace period: test_domain_recheck_grace.py
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = recheck_domains()

    assert outcome == "1 checked, 1 downgraded, 0 in their grace period"
    org.refresh_from_db()
    assert org.verification_level == VerificationLevel.UNVERIFIED and org.verified_domain == ""
    lost = AuditEvent.objects.get(organization=org, action="organization.domain_lost")
    assert lost.details["domain"] == "uni.example"
    [message] = mail.outbox
    assert set(message.to) == {owner.email, admin_user.email}
    assert "uni.example" in message.body
    assert client.get(f"/api/v1/organizations/{org.slug}/").json()["verification"]["level"] == "unverified"


def test_a_slug_confusable_with_a_verified_organizations_is_refused(user):
    OrganizationFactory(name="Demo University", slug="demo-university", verification_level="reviewed")
    client = auth_client(user)

    for slug in ["demo-university-official", "the-dem0-university", "demo-universlty"]:
        response = client.post("/api/v1/organizations/", {"name": "Anything", "slug": slug}, format="json")
        assert response.status_code == 400, slug
        assert response.json()["error"]["fields"]["slug"]
    assert not Organization.objects.filter(name="Anything").exists()


def test_a_confusable_name_is_accepted_but_warned_and_cannot_verify_its_domain(user, dns_server):
    real = OrganizationFactory(
        name="Demo University",
        slug="demo-university",
        verification_level="domain",
        verified_domain="demo.example",
    )
    client = auth_client(user)
    response = client.post(
        "/api/v1/organizations/", {"name": "Dеmo Univеrsity (Official)"}, format="json"
    )  # Cyrillic е

    assert response.status_code == 201
    body = response.json()
    assert body["slug"] != "demo-university-2" and body["slug"].startswith("org-")
    assert body["verification"]["warning"] == "Not the verified Demo University (demo.example)"
    fake = Organization.objects.get(slug=body["slug"])
    assert fake.lookalike_of == real
    token = start_proof(client, fake, "uni.example").json()["token"]
    dns_server.records["_certverify.uni.example"] = [f"certverify-verification={token}"]

    refused = check_proof(client, fake)

    assert refused.status_code == 403 and refused.json()["error"]["code"] == "lookalike_needs_review"
    fake.refresh_from_db()
    assert fake.verification_level == VerificationLevel.UNVERIFIED


def test_staff_review_by_command_sets_reviewed_with_the_note_and_an_audit_row(org):
    call_command("review_organization", org.slug, "--note", "Accreditation register entry 123 checked")

    org.refresh_from_db()
    assert org.verification_level == VerificationLevel.REVIEWED and org.verified_at
    assert org.review_note == "Accreditation register entry 123 checked"
    event = AuditEvent.objects.get(organization=org, action="organization.reviewed")
    assert event.details == {"note": "Accreditation register entry 123 checked"}
