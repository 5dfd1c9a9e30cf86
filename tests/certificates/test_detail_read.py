"""The certificate detail's fast paths give what the generic ones give: the precompiled read
(certificates/selectors.py certificate_detail_get_for_actor) the selector's certificate, and CertificateSerializer's direct
representation DRF's field-by-field one."""

import datetime as dt

import pytest
from django.http import Http404
from rest_framework.serializers import ModelSerializer

from certificates.lifecycle import selectors
from certificates.lifecycle.selectors import certificate_detail_get_for_actor
from certificates.lifecycle.serializers import CertificateSerializer
from certificates.lifecycle.services import certificate_issue, certificate_reissue, certificate_revoke
from certificates.models import Anchor, Certificate
from organizations.access import Actor
from organizations.roles import Role
from tests.conftest import auth_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificates(org, owner):
    actor = Actor(user=owner)

    def issue(**extra):
        fields = {"recipient_name": "Ada Lovelace", "title": "MSc", "issue_date": dt.date(2026, 6, 30)}
        return certificate_issue(actor=actor, organization=org, **{**fields, **extra})

    plain = issue(metadata={"credits": 120, "honours": ["first"]}, grade="A", external_id="ext-1")
    expired = issue(issue_date=dt.date(2020, 1, 1), expiry_date=dt.date(2021, 1, 1))
    revoked = certificate_revoke(actor=actor, certificate=issue(), reason="Plagiarism")
    old = issue(recipient_name="Ada Byron")
    new = certificate_reissue(actor=actor, certificate=old, recipient_name="Ada King")
    anchored = issue()
    anchor = Anchor.objects.create(
        status=Anchor.Status.CONFIRMED, merkle_root="ab" * 32, chain_id=31337, tx_hash="0x" + "cd" * 32
    )
    anchored.anchor = anchor
    anchored.merkle_proof = [{"position": "left", "hash": "ef" * 32}]
    anchored.save(update_fields=["anchor", "merkle_proof"])
    return [plain, expired, revoked, old, new, anchored]


def test_the_precompiled_read_returns_the_selectors_certificate(org, owner, certificates):
    actor = Actor(user=owner)
    for certificate in certificates:
        fast = certificate_detail_get_for_actor(actor, certificate.credential_id.lower())
        slow = selectors.certificate_get_for_actor(actor, certificate.credential_id)
        for field in Certificate._meta.concrete_fields:  # deferred ones load on access
            assert getattr(fast, field.attname) == getattr(slow, field.attname), field.name
        assert fast.organization == slow.organization and fast.anchor == slow.anchor
        assert CertificateSerializer(fast).data == CertificateSerializer(slow).data


def test_the_precompiled_read_is_scoped_like_the_selector(org, owner, outsider, viewer, certificates):
    credential_id = certificates[0].credential_id
    for actor in (Actor(user=outsider), Actor(), Actor(user=viewer, _roles={})):
        with pytest.raises(Http404):
            certificate_detail_get_for_actor(actor, credential_id)
    with pytest.raises(Http404):
        certificate_detail_get_for_actor(Actor(user=viewer), credential_id, minimum=Role.ISSUER)
    for bad in ("", "CV-nothing", "CV-\x00", "x" * 500):
        with pytest.raises(Http404):
            certificate_detail_get_for_actor(Actor(user=owner), bad)


def test_the_direct_representation_equals_drfs_field_by_field_one(certificates):
    for certificate in certificates:
        serializer = CertificateSerializer(certificate)
        assert serializer.to_representation(certificate) == ModelSerializer.to_representation(
            serializer, certificate
        )


def test_the_detail_endpoint_shows_every_state(org, viewer, outsider, certificates):
    client = auth_client(viewer)
    bodies = [client.get(f"/api/v1/certificates/{c.credential_id}/").json() for c in certificates]
    assert [b["status"] for b in bodies] == ["issued", "expired", "revoked", "revoked", "issued", "issued"]
    assert bodies[0]["metadata"] == {"credits": 120, "honours": ["first"]}
    assert bodies[4]["supersedes"] == certificates[3].credential_id
    assert bodies[5]["anchor"]["chain_id"] == 31337 and bodies[5]["merkle_proof"][0]["position"] == "left"
    other = auth_client(outsider).get(f"/api/v1/certificates/{certificates[0].credential_id}/")
    assert other.status_code == 404
