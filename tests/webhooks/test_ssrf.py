"""Webhooks never call into our own network: checked at registration and again at send time."""

import datetime
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from tests.conftest import auth_client
from webhooks import events, services
from webhooks.delivery import delivery_send
from webhooks.models import Delivery, Endpoint

from .conftest import make_endpoint, start_receiver

pytestmark = pytest.mark.django_db


def register(owner, org, url):
    return auth_client(owner).post(
        "/api/v1/webhooks/",
        {"organization": org.slug, "url": url, "events": ["certificate.issued"]},
        format="json",
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/hook",
        "http://172.16.3.4/hook",
        "http://192.168.1.10/hook",
        "http://[fd12:3456::1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.10.20/hook",
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.251/hook",
        "http://240.0.0.1/hook",
        "http://100.64.0.1/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://[::ffff:169.254.169.254]/hook",
    ],
)
def test_private_link_local_metadata_and_reserved_addresses_are_refused_at_registration(org, owner, url):
    response = register(owner, org, url)

    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]
    assert not Endpoint.objects.exists()


def test_a_host_name_resolving_to_a_private_address_is_refused(org, owner, fake_dns):
    fake_dns["intranet.customer.test"] = "10.20.30.40"
    fake_dns["metadata.customer.test"] = "169.254.169.254"
    fake_dns["mixed.customer.test"] = ("93.184.216.34", "192.168.0.7")  # one bad answer is enough

    for host in ("intranet", "metadata", "mixed"):
        response = register(owner, org, f"http://{host}.customer.test/hook")
        assert response.status_code == 400, host
    message = register(owner, org, "http://metadata.customer.test/hook").json()["error"]["fields"]["url"][0]
    assert "169.254.169.254" in message and "metadata" in message


def test_loopback_is_refused_unless_the_setting_allows_it(settings, org, owner, receiver):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    for url in (receiver.url(), "http://localhost:8000/", "http://[::1]/", "http://2130706433/"):
        assert register(owner, org, url).status_code == 400, url

    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    assert register(owner, org, receiver.url()).status_code == 201


def test_https_is_required_when_the_setting_says_so(settings, org, owner, fake_dns):
    settings.WEBHOOKS_REQUIRE_HTTPS = True
    fake_dns["hooks.customer.test"] = "93.184.216.34"

    response = register(owner, org, "http://hooks.customer.test/hook")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["url"] == ["Use an https:// URL."]
    assert register(owner, org, "https://hooks.customer.test/hook").status_code == 201


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example/x", "hooks.example/x", "http://user:pw@127.0.0.1/x", "http:///x"]
)
def test_malformed_urls_are_refused(org, owner, url):
    assert register(owner, org, url).status_code == 400


def test_an_unresolvable_host_is_refused(org, owner, fake_dns):
    def nxdomain(*args, **kwargs):
        import socket

        raise socket.gaierror(-2, "Name or service not known")

    fake_dns.real = nxdomain
    response = register(owner, org, "http://no-such-host.invalid/hook")
    assert response.json()["error"]["fields"]["url"] == ["The host no-such-host.invalid does not resolve."]


def test_a_host_rebinding_to_a_private_address_after_registration_is_refused_at_send_time(
    org, owner, receiver, fake_dns
):
    fake_dns["rebind.customer.test"] = ["93.184.216.34", "10.0.0.7"]
    response = register(owner, org, f"http://rebind.customer.test:{receiver.port}/hook")
    assert response.status_code == 201

    now = timezone.now()
    event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={}, now=now)
    delivery_send(delivery_id=Delivery.objects.get(event=event).pk, now=now)

    attempt = Delivery.objects.get(event=event, attempt_number=1)
    assert attempt.status == Delivery.Status.FAILED
    assert attempt.error.startswith("Refused:") and "10.0.0.7" in attempt.error
    assert receiver.requests == []


def test_the_sender_connects_to_the_address_it_vetted_not_to_a_second_lookup(org, owner, receiver, fake_dns):
    # First answer (vetted) is loopback, where the receiver listens; any further lookup would
    # answer a private address. Only one lookup per attempt happens, so the request arrives.
    fake_dns["hooks.customer.test"] = ["127.0.0.1", "127.0.0.1", "10.9.9.9"]
    endpoint, secret = make_endpoint(org, owner, f"http://hooks.customer.test:{receiver.port}/hook")
    lookups_before = len(fake_dns.lookups)
    now = timezone.now()
    event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={}, now=now)
    delivery_send(delivery_id=Delivery.objects.get(event=event).pk, now=now)

    assert len(fake_dns.lookups) - lookups_before == 1
    [request] = receiver.requests
    assert request.headers["Host"] == f"hooks.customer.test:{receiver.port}"
    assert Webhook(secret).verify(request.body, request.headers)


def _tls_files(tmp_path, host: str):
    """A throwaway CA and a certificate for `host` signed by it."""
    now = datetime.datetime.now(datetime.UTC)

    def build(subject, issuer, public_key, signing_key, *, ca: bool, san=None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = build(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True)
    leaf_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    leaf = build(leaf_name, ca_name, leaf_key.public_key(), ca_key, ca=False, san=host)
    pem = serialization.Encoding.PEM
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(pem))
    (tmp_path / "leaf.pem").write_bytes(
        leaf.public_bytes(pem)
        + leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return tmp_path / "ca.pem", tmp_path / "leaf.pem"


def test_https_delivery_to_the_vetted_address_uses_the_host_name_for_sni_and_certificate(
    settings, monkeypatch, tmp_path, org, owner, fake_dns
):
    settings.WEBHOOKS_REQUIRE_HTTPS = True
    ca_file, leaf_file = _tls_files(tmp_path, "secure.customer.test")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # trust our throwaway CA, as a system CA would be
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(leaf_file)
    seen_sni = []
    server_context.sni_callback = lambda sock, name, ctx: seen_sni.append(name)
    tls_receiver = start_receiver(wrap_socket=lambda s: server_context.wrap_socket(s, server_side=True))
    fake_dns["secure.customer.test"] = "127.0.0.1"
    fake_dns["wrong-name.customer.test"] = "127.0.0.1"
    try:
        good, secret = make_endpoint(org, owner, f"https://secure.customer.test:{tls_receiver.port}/hook")
        bad, _ = make_endpoint(org, owner, f"https://wrong-name.customer.test:{tls_receiver.port}/hook")
        now = timezone.now()
        event = services.event_record(organization=org, type=events.CERTIFICATE_ISSUED, data={}, now=now)
        for attempt in Delivery.objects.filter(event=event):
            delivery_send(delivery_id=attempt.pk, now=now)
    finally:
        tls_receiver.server.shutdown()
        tls_receiver.server.server_close()

    assert Delivery.objects.get(endpoint=good).status == Delivery.Status.SUCCEEDED
    assert "secure.customer.test" in seen_sni
    assert Webhook(secret).verify(tls_receiver.requests[0].body, tls_receiver.requests[0].headers)
    failed = Delivery.objects.get(endpoint=bad, attempt_number=1)
    assert failed.status == Delivery.Status.FAILED and "certificate" in failed.error.lower()
