"""The demo anchors for real on the embedded chain (issue M 6), and the public certificate page
explains the anchor to a person."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from certificates.anchoring.blockcerts import decode_proof_value
from certificates.anchoring.chain import get_chain_client, reset_chain_client
from certificates.anchoring.proofcheck import check_bundle
from certificates.models import Anchor, Certificate
from certificates.public_status.record import proof_bundle
from fraud.context import _record as registry_record
from fraud.layers.base import LayerContext
from fraud.layers.blockchain import BlockchainLayer

pytestmark = pytest.mark.django_db


@pytest.fixture
def embedded(settings):
    settings.CHAIN_RPC_URL = ""
    settings.CHAIN_RPC_URL_SECONDARY = ""
    settings.CHAIN_PRIVATE_KEY = ""
    settings.CHAIN_CONFIRMATIONS = 2
    settings.CHAIN_EMBEDDED_REPLAY = True
    reset_chain_client()
    yield
    reset_chain_client()


@pytest.fixture
def seeded(embedded):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_leaves_confirmed_anchors_that_a_new_process_can_check(seeded):
    certificates = list(
        Certificate.objects.filter(organization__slug="demo-university").select_related("anchor")
    )
    seeding_chain = get_chain_client()

    reset_chain_client()  # as the web server's process: a new embedded chain, replayed from the database
    chain = get_chain_client()

    assert "Anchored on the embedded chain" in seeded
    assert chain is not seeding_chain and chain.genesis_hash == seeding_chain.genesis_hash
    assert len(certificates) == 5
    assert {c.anchor.status for c in certificates} == {Anchor.Status.CONFIRMED}
    assert all(c.blockcerts.anchor.status == Anchor.Status.CONFIRMED for c in certificates)
    for certificate in certificates:
        report = check_bundle(proof_bundle(certificate), None, w3=chain.w3, min_confirmations=2)
        assert report.ok, [(s.name, s.status, s.detail) for s in report.steps]
        result = BlockchainLayer().run(
            LayerContext(
                verification_id="v-demo",
                now=None,
                record=registry_record(certificate.credential_id, with_original=False),
            )
        )
        assert (result.status, result.points) == ("passed", result.max_points)
    body = Client().get(f"/api/v1/public/certificates/{certificates[0].credential_id}/blockcerts/").json()
    receipt = decode_proof_value(body["proof"]["proofValue"])
    assert (
        chain.get_transaction_data(certificates[0].blockcerts.anchor.tx_hash).hex() == receipt["merkleRoot"]
    )


def test_seed_demo_twice_anchors_nothing_twice(seeded):
    anchors = Anchor.objects.count()
    reset_chain_client()

    call_command("seed_demo", stdout=StringIO())

    assert Anchor.objects.count() == anchors == 2  # ours and the Blockcerts batch


def test_public_page_explains_the_anchor_and_links_the_proofs(seeded):
    certificate = (
        Certificate.objects.filter(organization__slug="demo-university").select_related("anchor").first()
    )

    page = Client().get(f"/verify/{certificate.credential_id}/").content.decode()

    assert "manage.py" not in page and "--rpc" not in page
    assert "What this proves" in page and "How to check it yourself" in page
    assert f'transaction <code class="hash">{certificate.anchor.tx_hash}</code>' in page
    assert certificate.anchor.merkle_root in page
    assert f'href="/api/v1/public/certificates/{certificate.credential_id}/proof/"' in page
    assert f'href="/api/v1/public/certificates/{certificate.credential_id}/blockcerts/"' in page
    assert "private test blockchain" in page  # the demo's embedded chain says so


def test_public_page_of_an_unanchored_certificate_says_it_is_not_recorded_yet(embedded, org, issuer):
    from tests.certificates.test_blockcerts import issue

    (certificate,) = issue(org, issuer, 1)

    page = Client().get(f"/verify/{certificate.credential_id}/").content.decode()

    assert "has not been recorded on the blockchain yet" in page
    assert "What this proves" in page and "manage.py" not in page


def test_with_anchor_inline_an_issuance_is_anchored_and_confirmed_at_once(
    embedded, settings, org, issuer, django_capture_on_commit_callbacks
):
    from tests.certificates.test_blockcerts import issue

    settings.ANCHOR_BATCH_SIZE = 1
    settings.ANCHOR_INLINE = True

    with django_capture_on_commit_callbacks(execute=True):
        (certificate,) = issue(org, issuer, 1)

    certificate.refresh_from_db()
    assert certificate.anchor.status == Anchor.Status.CONFIRMED
    assert certificate.blockcerts.anchor.status == Anchor.Status.CONFIRMED
    assert get_chain_client().confirmations(certificate.anchor.tx_hash) >= 2
