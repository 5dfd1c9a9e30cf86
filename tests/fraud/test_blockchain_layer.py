"""Layer 5 against certificates anchored on a real in-process chain (eth-tester), no mocks."""

import dataclasses
import datetime as dt

import pytest

from certificates.anchoring.chain import ChainClient, reset_chain_client
from certificates.anchoring.merkle import build_tree
from certificates.lifecycle.credential_ids import new_credential_id
from certificates.lifecycle.hashing import canonical_fields, content_hash
from fraud.layers.base import AnchorInfo, LayerContext, RegistryRecord
from fraud.layers.blockchain import BlockchainLayer
from tests.net import free_port


@pytest.fixture(scope="module")
def module_chain():
    return ChainClient.embedded()


@pytest.fixture
def chain(module_chain, settings):
    settings.CHAIN_CONFIRMATIONS = 1
    reset_chain_client(module_chain)
    yield module_chain
    reset_chain_client()


def make_record(name: str, *, anchor: AnchorInfo | None = None) -> RegistryRecord:
    fields = canonical_fields(
        credential_id=new_credential_id(),
        organization_slug="north-institute",
        recipient_name=name,
        recipient_email=None,
        title="BSc Physics",
        issue_date=dt.date(2024, 7, 1),
        expiry_date=None,
        grade="2:1",
        metadata={},
    )
    return RegistryRecord(
        credential_id=fields["credential_id"],
        organization_slug="north-institute",
        organization_name="North Institute",
        recipient_name=name,
        title="BSc Physics",
        issue_date=dt.date(2024, 7, 1),
        expiry_date=None,
        grade="2:1",
        status="issued",
        content_hash=content_hash(fields),
        canonical_fields=fields,
        anchor=anchor,
    )


def anchored_records(chain: ChainClient, count: int = 3) -> list[RegistryRecord]:
    """Issue `count` records and anchor them as one batch, the way the anchoring service does."""
    records = [make_record(f"Grace Hopper {i}") for i in range(count)]
    tree = build_tree([r.content_hash for r in records])
    signed = chain.send_root(tree.root)
    block = chain.get_receipt(signed.tx_hash).block_number
    for index, record in enumerate(records):
        record.anchor = AnchorInfo(
            tree.root, tree.proof(index), chain.chain_id, signed.tx_hash, block, "confirmed"
        )
    return records


def run_layer(record: RegistryRecord | None):
    return BlockchainLayer().run(
        LayerContext(verification_id="v-1", now=dt.datetime.now(dt.UTC), record=record)
    )


def test_anchored_and_confirmed_record_passes_with_full_points(chain):
    record = anchored_records(chain)[1]

    result = run_layer(record)

    assert (result.status, result.points, result.max_points) == ("passed", 10, 10)
    assert [f.code for f in result.findings] == ["anchor_verified"]
    assert "recorded on the blockchain" in result.findings[0].message
    assert result.details["tx_hash"] == record.anchor.tx_hash
    assert result.details["confirmations"] == 1


def test_without_a_registry_record_the_layer_is_skipped_with_a_reason(chain):
    result = run_layer(None)

    assert (result.status, result.points) == ("skipped", 0)
    assert "no issuer record" in result.findings[0].message


def test_certificate_not_yet_anchored_is_skipped(chain):
    result = run_layer(make_record("Katherine Johnson"))

    assert result.status == "skipped"
    assert "not been recorded on the blockchain yet" in result.findings[0].message


@pytest.mark.parametrize(
    "status, tx_hash", [("pending", ""), ("signed", "0x" + "44" * 32), ("submitted", "")]
)
def test_anchor_not_yet_broadcast_is_skipped(chain, status, tx_hash):
    record = anchored_records(chain, 1)[0]
    record.anchor = dataclasses.replace(record.anchor, status=status, tx_hash=tx_hash)

    assert run_layer(record).status == "skipped"


def test_registry_record_altered_after_anchoring_is_decisive(chain):
    record = anchored_records(chain)[0]
    record.canonical_fields = {**record.canonical_fields, "grade": "First"}

    result = run_layer(record)

    assert (result.status, result.points) == ("failed", 0)
    [finding] = result.findings
    assert (finding.code, finding.severity, finding.decisive) == ("registry_altered", "critical", True)
    assert "changed afterwards" in finding.message


def test_altered_record_with_a_recomputed_hash_is_not_in_the_anchored_batch(chain):
    record = anchored_records(chain)[2]
    record.canonical_fields = {**record.canonical_fields, "recipient_name": "Mallory"}
    record.content_hash = content_hash(record.canonical_fields)

    result = run_layer(record)

    assert result.status == "failed"
    assert [(f.code, f.decisive) for f in result.findings] == [("merkle_proof_invalid", True)]


def test_tampered_merkle_proof_fails(chain):
    record = anchored_records(chain, 4)[1]
    step = record.anchor.proof[0]
    record.anchor.proof[0] = {"position": step["position"], "hash": "00" * 32}

    assert [f.code for f in run_layer(record).findings] == ["merkle_proof_invalid"]


def test_anchor_pointing_at_another_batch_transaction_is_decisive(chain):
    record = anchored_records(chain)[0]
    other_batch = anchored_records(chain)[0]
    record.anchor = dataclasses.replace(record.anchor, tx_hash=other_batch.anchor.tx_hash)

    result = run_layer(record)

    assert result.status == "failed"
    assert [(f.code, f.severity, f.decisive) for f in result.findings] == [
        ("root_mismatch", "critical", True)
    ]


def test_missing_transaction_fails_without_being_decisive(chain):
    record = anchored_records(chain)[0]
    record.anchor = dataclasses.replace(record.anchor, tx_hash="0x" + "55" * 32)

    result = run_layer(record)

    assert (result.status, result.points) == ("failed", 0)
    assert [(f.code, f.decisive) for f in result.findings] == [("transaction_missing", False)]
    assert "does not exist on the blockchain" in result.findings[0].message


def test_anchor_on_another_chain_fails(chain):
    record = anchored_records(chain)[0]
    record.anchor = dataclasses.replace(record.anchor, chain_id=80002)

    result = run_layer(record)

    assert result.status == "failed"
    assert result.findings[0].code == "chain_mismatch"
    assert "network 80002" in result.findings[0].message


def test_fewer_confirmations_than_required_warn_with_partial_points(chain, settings):
    settings.CHAIN_CONFIRMATIONS = 3
    record = anchored_records(chain)[0]

    early = run_layer(record)
    chain.mine(2)
    later = run_layer(record)

    assert early.status == "warning" and 5 < early.points < 10
    assert early.findings[0].code == "anchor_unconfirmed"
    assert "1 of the 3 confirmations" in early.findings[0].message
    assert (later.status, later.points) == ("passed", 10)


def test_transaction_waiting_to_be_mined_warns_with_few_points(settings):
    settings.CHAIN_CONFIRMATIONS = 1
    chain = ChainClient.embedded()
    reset_chain_client(chain)
    try:
        tester = chain.w3.provider.ethereum_tester
        tester.disable_auto_mine_transactions()
        record = make_record("Ada")
        tree = build_tree([record.content_hash])
        signed = chain.send_root(tree.root)
        record.anchor = AnchorInfo(
            tree.root, tree.proof(0), chain.chain_id, signed.tx_hash, None, "submitted"
        )

        pending = run_layer(record)
        chain.mine(1)
        mined = run_layer(record)
    finally:
        reset_chain_client()

    assert (pending.status, pending.points) == ("warning", 2.0)
    assert pending.findings[0].code == "anchor_pending"
    assert mined.status == "passed"


def test_unreachable_chain_is_an_error_not_a_pass(chain):
    record = anchored_records(chain)[0]
    port = free_port()  # nothing listens there
    reset_chain_client(ChainClient.from_rpc(f"http://127.0.0.1:{port}", None, timeout=2))

    result = run_layer(record)

    assert (result.status, result.points) == ("error", 0)
    assert "could not be reached" in result.findings[0].message
    assert "failed on http://127.0.0.1" in result.details["error"]
