"""Blockcerts v3 documents: format rules, batches anchored on the embedded chain, and the endpoints.

The real Blockcerts verifier checks these documents in tests/interop/blockcerts (against anvil)."""

import datetime as dt
import hashlib

import pytest
from rest_framework.test import APIClient

from certificates.anchoring import blockcerts
from certificates.anchoring.blockcerts_batching import blockcerts_batch_pending, blockcerts_run
from certificates.anchoring.chain import get_chain_client, reset_chain_client
from certificates.anchoring.services import anchor_confirm_all
from certificates.lifecycle.services import certificate_issue, certificate_revoke
from certificates.models import Anchor, BlockcertsProof
from organizations.access import Actor

Status = Anchor.Status


@pytest.fixture
def chain(settings):
    settings.CHAIN_RPC_URL = ""
    settings.CHAIN_RPC_URL_SECONDARY = ""
    settings.CHAIN_PRIVATE_KEY = ""
    settings.CHAIN_CONFIRMATIONS = 1
    reset_chain_client()
    yield get_chain_client()
    reset_chain_client()


def issue(org, user, count):
    return [
        certificate_issue(
            actor=Actor(user=user),
            organization=org,
            recipient_name=f"Grace Hopper {i}",
            title="Compiler Construction",
            issue_date=dt.date(2026, 1, 20),
            grade="1.0" if i % 2 else "",
            recipient_email=f"grace{i}@example.org",
        )
        for i in range(count)
    ]


# --- format -----------------------------------------------------------------------------------------


def document(**overrides):
    fields = {
        "site_url": "https://certverify.example",
        "organization_slug": "north-institute",
        "credential_id": "CV-TEST-0001",
        "recipient_name": "José Müller",
        "title": "Certified Data Engineer",
        "issue_date": dt.date(2026, 3, 14),
        "expiry_date": dt.date(2029, 3, 14),
        "grade": "Distinction",
        "content_hash": "ab" * 32,
    }
    return blockcerts.unsigned_document(**{**fields, **overrides})


def test_every_term_of_a_document_is_defined_so_nothing_is_dropped_unsigned():
    nquads = blockcerts.canonical_nquads(document())

    assert blockcerts.FALLBACK_VOCAB not in nquads
    for value in ("José Müller", "Certified Data Engineer", "2029-03-14T00:00:00Z", "Distinction"):
        assert value in nquads


def test_an_undefined_term_is_refused_rather_than_silently_dropped():
    with pytest.raises(blockcerts.BlockcertsError, match="recipientEmail"):
        blockcerts.document_hash({**document(), "recipientEmail": "x@example.org"})


def test_a_context_that_is_not_vendored_is_never_fetched():
    with pytest.raises(blockcerts.BlockcertsError, match="not vendored"):
        blockcerts.document_hash({**document(), "@context": ["https://example.org/ctx.jsonld"]})


def test_the_hash_ignores_the_proof_and_changes_with_any_field():
    base = blockcerts.document_hash(document())

    assert blockcerts.document_hash({**document(), "proof": {"type": "MerkleProof2019"}}) == base
    assert blockcerts.document_hash(document(recipient_name="Jose Muller")) != base


def test_tree_paths_lead_to_the_root_without_prefixes():
    hashes = [hashlib.sha256(c.encode()).hexdigest() for c in "abcde"]
    tree = blockcerts.build_tree(hashes)
    a, b = (bytes.fromhex(h) for h in hashes[:2])

    assert tree.path(0)[0] == {"right": hashes[1]}
    assert tree.levels[1][0] == hashlib.sha256(a + b).digest()
    assert tree.path(4) == [{"left": tree.levels[2][0].hex()}]  # "e" promoted twice
    for index, target in enumerate(hashes):
        assert blockcerts.root_from_path(target, tree.path(index)) == tree.root
    assert blockcerts.build_tree(hashes[:1]).root == hashes[0]


def test_proof_value_round_trips_in_the_verifiers_shape():
    tree = blockcerts.build_tree(["11" * 32, "22" * 32, "33" * 32])
    value = blockcerts.encode_proof_value(
        merkle_root=tree.root,
        target_hash="33" * 32,
        chain_id=31337,
        tx_hash="0x" + "ab" * 32,
        path=tree.path(2),
    )

    assert value.startswith("z")
    assert blockcerts.decode_proof_value(value) == {
        "merkleRoot": tree.root,
        "targetHash": "33" * 32,
        "anchors": [f"blink:eth:31337:{'ab' * 32}"],
        "path": [{"left": tree.levels[1][0].hex()}],
    }


def test_proof_value_bytes_follow_the_cbor_keymap():
    value = blockcerts.encode_proof_value(
        merkle_root="00" * 32, target_hash="00" * 32, chain_id=1, tx_hash="ff" * 32, path=[]
    )
    raw = blockcerts._unbase58(value[1:])
    inner = b"\x58\x20" + b"\0" * 32  # a 32-byte CBOR byte string, itself wrapped as a byte string

    assert raw.startswith(b"\x83\x82\x00\x58\x22" + inner)  # [[0, h(root)], [1, ...], [2, ...]]
    assert b"\x82\x00\x01\x82\x01\x01\x82\x02\x58\x22\x58\x20" + b"\xff" * 32 in raw  # eth, network 1


# --- batches on the embedded chain and the endpoints ---------------------------------------------------


def confirmed_run(chain):
    summary = blockcerts_run()
    chain.mine(1)
    anchor_confirm_all()
    return summary


@pytest.mark.django_db
def test_a_blockcerts_batch_is_anchored_by_its_own_transaction(chain, org, issuer, settings):
    certificates = issue(org, issuer, 3)

    summary = confirmed_run(chain)

    (anchor,) = Anchor.objects.filter(kind=Anchor.Kind.BLOCKCERTS)
    assert summary["created"] == [anchor.pk] and anchor.status == Status.CONFIRMED
    assert anchor.leaf_count == 3 and anchor.sender == chain.address
    assert chain.get_transaction_data(anchor.tx_hash) == bytes.fromhex(anchor.merkle_root)
    for certificate in certificates:
        proof = BlockcertsProof.objects.get(certificate=certificate)
        assert proof.target_hash == blockcerts.document_hash(proof.document)
        assert blockcerts.root_from_path(proof.target_hash, proof.path) == anchor.merkle_root
        assert certificate.recipient_email not in str(proof.document)
    assert certificates[0].anchor is None  # our own batches are separate and untouched
    assert blockcerts_batch_pending() is None  # nothing left to put in a batch


@pytest.mark.django_db
def test_the_endpoint_serves_the_document_with_a_proof_that_checks_out(chain, org, issuer):
    certificate = issue(org, issuer, 2)[1]
    confirmed_run(chain)

    response = APIClient().get(f"/api/v1/public/certificates/{certificate.credential_id}/blockcerts/")

    assert response.status_code == 200
    body = response.json()
    assert body["@context"] == [blockcerts.VC_V1, blockcerts.BLOCKCERTS_V3]
    assert body["type"] == ["VerifiableCredential", "BlockcertsCredential"]
    assert body["credentialSubject"]["name"] == "Grace Hopper 1"
    assert body["proof"]["type"] == "MerkleProof2019"
    receipt = blockcerts.decode_proof_value(body["proof"]["proofValue"])
    anchor = Anchor.objects.get(kind=Anchor.Kind.BLOCKCERTS)
    assert receipt["targetHash"] == blockcerts.document_hash(body)
    assert blockcerts.root_from_path(receipt["targetHash"], receipt["path"]) == receipt["merkleRoot"]
    assert receipt["anchors"] == [f"blink:eth:{chain.chain_id}:{anchor.tx_hash.removeprefix('0x')}"]
    assert chain.get_transaction_data(anchor.tx_hash).hex() == receipt["merkleRoot"]


@pytest.mark.django_db
def test_the_endpoint_answers_409_until_anchored_and_404_for_an_unknown_id(chain, org, issuer):
    certificate = issue(org, issuer, 1)[0]
    url = f"/api/v1/public/certificates/{certificate.credential_id}/blockcerts/"

    before = APIClient().get(url)
    blockcerts_run()  # submitted, not yet confirmed
    submitted = APIClient().get(url)
    unknown = APIClient().get("/api/v1/public/certificates/CV-NOPE-NOPE-NOPE-NOPE-X/blockcerts/")

    assert before.status_code == 409 and before.json()["error"]["code"] == "blockcerts_not_anchored"
    assert submitted.status_code == 409
    assert unknown.status_code == 404


@pytest.mark.django_db
def test_issuer_profile_lists_the_anchoring_address_and_revocations_answer_per_certificate(
    chain, org, issuer, owner
):
    certificates = issue(org, issuer, 2)
    confirmed_run(chain)
    certificate_revoke(actor=Actor(user=owner), certificate=certificates[0], reason="Issued in error")
    client = APIClient()

    profile = client.get(f"/organizations/{org.slug}/blockcerts-issuer.json").json()
    ids = [BlockcertsProof.objects.get(certificate=c).document["id"] for c in certificates]
    revocations_url = profile["revocationList"].split("/organizations/", 1)[1]
    revoked = client.get(f"/organizations/{revocations_url}", {"assertionId": ids[0]}).json()
    valid = client.get(f"/organizations/{revocations_url}", {"assertionId": ids[1]}).json()
    no_id = client.get(f"/organizations/{revocations_url}").json()

    assert profile["type"] == "Profile" and profile["name"] == org.name
    assert profile["publicKey"] == [{"id": f"ecdsa-koblitz-pubkey:{chain.address.lower()}"}]
    assert revoked["revokedAssertions"] == [{"id": ids[0], "revocationReason": "Issued in error"}]
    assert valid["revokedAssertions"] == [] and no_id["revokedAssertions"] == []
    assert client.get("/organizations/no-such-org/blockcerts-issuer.json").status_code == 404


@pytest.mark.django_db
def test_a_browser_gets_the_json_file_not_an_api_page(chain, org, issuer):
    certificate = issue(org, issuer, 1)[0]
    confirmed_run(chain)

    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = APIClient().get(
        f"/api/v1/public/certificates/{certificate.credential_id}/blockcerts/", HTTP_ACCEPT=browser_accept
    )

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert f'filename="{certificate.credential_id}.blockcerts.json"' in response["Content-Disposition"]
