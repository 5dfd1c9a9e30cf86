"""Anchoring certificates on a real in-process chain (eth-tester + py-evm): no mocks of the chain,
except a broadcast made to fail where a test needs the process to "die" at that point."""

import copy
import datetime as dt
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from certificates.anchoring import services as anchoring
from certificates.anchoring.chain import get_chain_client, reset_chain_client
from certificates.anchoring.merkle import leaf_hash, verify_proof
from certificates.anchoring.proofcheck import check_bundle
from certificates.anchoring.services import (
    anchor_confirm,
    anchor_confirm_all,
    anchor_enqueue_if_due,
    anchor_pending,
    anchor_retry,
    anchor_submit,
)
from certificates.anchoring.tasks import anchor_pending_certificates, confirm_anchors, retry_anchor
from certificates.errors import CertificateError
from certificates.lifecycle.services import certificate_issue
from certificates.models import Anchor, Certificate
from organizations.access import Actor
from organizations.models import AuditEvent
from webhooks.models import Event

pytestmark = pytest.mark.django_db

Status = Anchor.Status


@pytest.fixture(autouse=True)
def chain(settings):
    """A fresh embedded chain per test, so every transaction on it is this test's."""
    settings.CHAIN_RPC_URL = ""
    settings.CHAIN_RPC_URL_SECONDARY = ""
    settings.CHAIN_CONFIRMATIONS = 1
    reset_chain_client()
    client = get_chain_client()
    yield client
    reset_chain_client()


def issue(org, user, count, *, prefix="Ada"):
    actor = Actor(user=user)
    return [
        certificate_issue(
            actor=actor,
            organization=org,
            recipient_name=f"{prefix} Lovelace {i}",
            title="MSc Computer Science",
            issue_date=dt.date(2026, 6, 30),
            grade="A",
        )
        for i in range(count)
    ]


def transactions_carrying(client, root: str) -> list[str]:
    """Hashes of every mined transaction on the chain whose data is exactly `root`."""
    found = []
    for number in range(client.head() + 1):
        block = client.w3.eth.get_block(number, full_transactions=True)
        for tx in block["transactions"]:
            data = tx["input"] if "input" in tx else tx["data"]  # eth-tester's blocks say "data"
            if bytes(data).hex() == root:
                found.append(client.w3.to_hex(tx["hash"]))
    return found


def anchored(org, issuer, count=3):
    issue(org, issuer, count)
    anchor = anchor_pending()
    return anchor_submit(anchor.pk)


def proof_of(credential_id):
    response = APIClient().get(f"/api/v1/public/certificates/{credential_id}/proof/")
    assert response.status_code == 200
    return response.json()


# --- batching -------------------------------------------------------------------------------------


def test_batch_of_all_organizations_is_anchored_in_one_transaction_carrying_the_root(
    chain, org, issuer, other_org, outsider
):
    issued = issue(org, issuer, 4) + issue(other_org, outsider, 3, prefix="Grace")

    anchor = anchor_submit(anchor_pending().pk)

    assert anchor.status == Status.SUBMITTED and anchor.leaf_count == 7
    assert anchor.chain_id == chain.chain_id and anchor.genesis_hash == chain.genesis_hash
    assert anchor.tx_hash.startswith("0x") and anchor.raw_tx and anchor.nonce is not None
    assert anchor.submitted_at is not None and anchor.max_fee_per_gas > 0
    assert transactions_carrying(chain, anchor.merkle_root) == [anchor.tx_hash]
    assert chain.get_transaction_data(anchor.tx_hash) == bytes.fromhex(anchor.merkle_root)
    assert set(Certificate.objects.values_list("anchor_id", flat=True)) == {anchor.pk}
    for certificate in Certificate.objects.filter(pk__in=[c.pk for c in issued]):
        assert verify_proof(certificate.content_hash, certificate.merkle_proof, anchor.merkle_root)


def test_leaves_are_in_id_order_across_organizations(org, issuer, other_org, outsider):
    from certificates.anchoring.merkle import build_tree

    issue(org, issuer, 2)
    issue(other_org, outsider, 2, prefix="Grace")
    issue(org, issuer, 1, prefix="Alan")

    anchor = anchor_pending()

    hashes = list(Certificate.objects.order_by("id").values_list("content_hash", flat=True))
    assert anchor.status == Status.PENDING and anchor.merkle_root == build_tree(hashes).root


def test_nothing_pending_returns_none_and_creates_no_anchor(org, issuer):
    assert anchor_pending() is None
    assert not Anchor.objects.exists()


def test_a_second_run_does_not_reanchor_already_anchored_certificates(chain, org, issuer):
    first = anchored(org, issuer, 3)
    assert anchor_pending() is None

    (late,) = issue(org, issuer, 1, prefix="Late")
    second = anchor_submit(anchor_pending().pk)

    assert second.leaf_count == 1 and second.pk != first.pk and second.nonce == first.nonce + 1
    assert list(second.certificates.values_list("pk", flat=True)) == [late.pk]
    assert Certificate.objects.filter(anchor=first).count() == 3
    late.refresh_from_db()
    assert late.merkle_proof == [] and second.merkle_root == leaf_hash(late.content_hash)  # one-leaf tree


def test_limit_caps_the_batch_and_leaves_the_rest_for_the_next(org, issuer):
    issue(org, issuer, 5)

    first, second = anchor_pending(limit=3), anchor_pending(limit=3)

    assert (first.leaf_count, second.leaf_count) == (3, 2)
    assert anchor_pending(limit=3) is None


# --- proofs ---------------------------------------------------------------------------------------


def test_every_public_proof_bundle_checks_out_against_the_chain(chain, org, issuer):
    anchor = anchored(org, issuer, 5)
    anchor_confirm(anchor.pk)

    for credential_id in Certificate.objects.values_list("credential_id", flat=True):
        bundle = proof_of(credential_id)
        report = check_bundle(bundle, None, w3=chain.w3)
        assert report.ok, report.as_dict()
        assert (
            bundle["anchor"]["tx_hash"] == anchor.tx_hash and bundle["merkle"]["root"] == anchor.merkle_root
        )


def _alter_field(bundle):
    bundle["certificate"]["recipient_name"] += "x"


def _alter_grade(bundle):
    bundle["certificate"]["grade"] = "A+"


def _alter_path_hash(bundle):
    step = bundle["merkle"]["proof"][0]
    step["hash"] = step["hash"][:-1] + ("0" if step["hash"][-1] != "0" else "1")


def _alter_path_position(bundle):
    step = bundle["merkle"]["proof"][-1]
    step["position"] = "left" if step["position"] == "right" else "right"


def _drop_path_step(bundle):
    bundle["merkle"]["proof"].pop()


def _alter_root(bundle):
    root = bundle["merkle"]["root"]
    bundle["merkle"]["root"] = root[:-1] + ("0" if root[-1] != "0" else "1")


def _alter_tx_hash(bundle):
    bundle["anchor"]["tx_hash"] = "0x" + "11" * 32


@pytest.mark.parametrize(
    "alter",
    [
        _alter_field,
        _alter_grade,
        _alter_path_hash,
        _alter_path_position,
        _drop_path_step,
        _alter_root,
        _alter_tx_hash,
    ],
)
def test_altering_a_field_a_path_element_or_the_root_fails_the_check(chain, org, issuer, alter):
    anchor_confirm(anchored(org, issuer, 5).pk)
    bundle = proof_of(Certificate.objects.order_by("id").first().credential_id)
    assert check_bundle(bundle, None, w3=chain.w3).ok

    altered = copy.deepcopy(bundle)
    alter(altered)

    report = check_bundle(altered, None, w3=chain.w3)
    assert not report.ok and report.failed


# --- crash safety ---------------------------------------------------------------------------------


def test_crash_between_broadcast_and_recording_does_not_double_anchor(chain, org, issuer, monkeypatch):
    issue(org, issuer, 3)
    anchor = anchor_pending()

    def die(anchor):
        raise SystemExit("worker killed after broadcasting, before recording it")

    monkeypatch.setattr(anchoring, "_mark_submitted", die)
    with pytest.raises(SystemExit):
        anchor_submit(anchor.pk)
    monkeypatch.undo()
    crashed = Anchor.objects.get(pk=anchor.pk)
    assert crashed.status == Status.SIGNED and transactions_carrying(chain, anchor.merkle_root) == [
        crashed.tx_hash
    ]

    resumed = anchor_submit(anchor.pk)  # the retry, e.g. by the confirm_anchors sweep

    assert resumed.status == Status.SUBMITTED and resumed.tx_hash == crashed.tx_hash
    assert resumed.nonce == crashed.nonce and resumed.raw_tx == crashed.raw_tx
    assert transactions_carrying(chain, anchor.merkle_root) == [crashed.tx_hash]
    assert Anchor.objects.count() == 1


def test_signed_anchor_sent_by_hand_then_resubmitted_is_one_transaction(chain, org, issuer):
    issue(org, issuer, 2)
    anchor = anchor_pending()
    signed = anchoring._sign(anchor, chain)
    chain.broadcast(signed.raw_tx)  # what the crashed worker managed to do

    assert anchor_submit(anchor.pk).status == Status.SUBMITTED
    assert anchor_submit(anchor.pk).status == Status.SUBMITTED  # again: nothing happens

    assert transactions_carrying(chain, anchor.merkle_root) == [signed.tx_hash]


def test_nonce_taken_by_another_transaction_is_signed_again_with_a_fresh_one(chain, org, issuer):
    issue(org, issuer, 2)
    anchor = anchor_pending()
    signed = anchoring._sign(anchor, chain)
    foreign = chain.send_root("ab" * 32)  # our key used elsewhere: takes the stored nonce
    assert foreign.nonce == signed.nonce

    resubmitted = anchor_submit(anchor.pk)

    assert resubmitted.status == Status.SUBMITTED and resubmitted.nonce == signed.nonce + 1
    assert transactions_carrying(chain, anchor.merkle_root) == [resubmitted.tx_hash]


# --- confirmations --------------------------------------------------------------------------------


def test_confirmations_are_counted_and_confirmation_records_one_event_per_organization(
    chain, settings, org, issuer, other_org, outsider
):
    settings.CHAIN_CONFIRMATIONS = 3
    ours = issue(org, issuer, 3)
    theirs = issue(other_org, outsider, 2, prefix="Grace")
    anchor = anchor_submit(anchor_pending().pk)

    early = anchor_confirm(anchor.pk)
    assert early.status == Status.SUBMITTED and early.confirmations == 1 and early.block_number is not None
    assert not Event.objects.filter(type="certificate.anchored").exists()

    chain.mine(2)
    now = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
    confirmed = anchor_confirm(anchor.pk, now=now)

    assert (
        confirmed.status == Status.CONFIRMED
        and confirmed.confirmations == 3
        and confirmed.confirmed_at == now
    )
    assert confirmed.block_number == chain.get_receipt(anchor.tx_hash).block_number
    events = {e.organization_id: e.data for e in Event.objects.filter(type="certificate.anchored")}
    assert set(events) == {org.pk, other_org.pk}
    assert events[org.pk]["credential_ids"] == [c.credential_id for c in ours]
    assert events[other_org.pk]["credential_ids"] == [c.credential_id for c in theirs]
    assert events[org.pk]["tx_hash"] == anchor.tx_hash and events[org.pk]["merkle_root"] == anchor.merkle_root

    chain.mine(1)
    assert anchor_confirm(anchor.pk).confirmations == 3  # confirmed is final: no second event
    assert Event.objects.filter(type="certificate.anchored").count() == 2


def test_public_status_shows_the_anchor_once_confirmed(
    chain, org, issuer, django_capture_on_commit_callbacks
):
    (certificate,) = issue(org, issuer, 1)
    anonymous = APIClient()
    assert anonymous.get(f"/api/v1/public/certificates/{certificate.credential_id}/").json()["anchor"] == {
        "status": "pending"
    }
    with django_capture_on_commit_callbacks(execute=True):  # the cached status is dropped on commit
        anchor = anchor_confirm(anchor_submit(anchor_pending().pk).pk)

    public = anonymous.get(f"/api/v1/public/certificates/{certificate.credential_id}/").json()

    assert public["anchor"]["status"] == "confirmed" and public["anchor"]["tx_hash"] == anchor.tx_hash


def test_stuck_transaction_is_repriced_with_the_same_nonce(chain, org, issuer):
    tester = chain.w3.provider.ethereum_tester
    tester.disable_auto_mine_transactions()
    try:
        issue(org, issuer, 2)
        anchor = anchor_submit(anchor_pending().pk)
        assert (
            anchor_confirm(anchor.pk, now=anchor.submitted_at + timedelta(minutes=9)).tx_hash
            == anchor.tx_hash
        )

        later = anchor.submitted_at + timedelta(minutes=11)
        repriced = anchor_confirm(anchor.pk, now=later)

        assert repriced.status == Status.SUBMITTED and repriced.tx_hash != anchor.tx_hash
        assert repriced.nonce == anchor.nonce and repriced.previous_tx_hashes == [anchor.tx_hash]
        assert repriced.max_fee_per_gas > anchor.max_fee_per_gas and repriced.submitted_at == later
        chain.mine(1)
    finally:
        tester.enable_auto_mine_transactions()

    confirmed = anchor_confirm(anchor.pk)
    assert confirmed.status == Status.CONFIRMED and confirmed.tx_hash == repriced.tx_hash
    assert transactions_carrying(chain, anchor.merkle_root) == [repriced.tx_hash]


def test_original_mined_after_repricing_was_stored_is_adopted(chain, org, issuer, monkeypatch):
    tester = chain.w3.provider.ethereum_tester
    tester.disable_auto_mine_transactions()
    try:
        issue(org, issuer, 2)
        anchor = anchor_submit(anchor_pending().pk)

        def die(raw_tx_hex):
            raise SystemExit("worker killed after storing the re-priced transaction, before sending it")

        monkeypatch.setattr(chain, "broadcast", die)
        with pytest.raises(SystemExit):
            anchor_confirm(anchor.pk, now=anchor.submitted_at + timedelta(minutes=11))
        monkeypatch.undo()
        stored = Anchor.objects.get(pk=anchor.pk)
        assert stored.tx_hash != anchor.tx_hash and stored.previous_tx_hashes == [anchor.tx_hash]
        chain.mine(1)  # the original, still in the pool, is mined
    finally:
        tester.enable_auto_mine_transactions()

    confirmed = anchor_confirm(anchor.pk)

    assert confirmed.status == Status.CONFIRMED and confirmed.tx_hash == anchor.tx_hash
    assert confirmed.previous_tx_hashes == [stored.tx_hash] and confirmed.raw_tx == ""
    assert transactions_carrying(chain, anchor.merkle_root) == [anchor.tx_hash]


def test_repricing_after_the_original_was_mined_adopts_the_original(chain, org, issuer, monkeypatch):
    anchor = anchored(org, issuer, 2)
    # The receipt lookup races with mining: the first look sees nothing, so the service re-prices;
    # the chain refuses the replacement (nonce used) and the service adopts the mined original.
    real_get_receipt, calls = chain.get_receipt, []

    def lagging_get_receipt(tx_hash):
        calls.append(tx_hash)
        return None if len(calls) == 1 else real_get_receipt(tx_hash)

    monkeypatch.setattr(chain, "get_receipt", lagging_get_receipt)

    confirmed = anchor_confirm(anchor.pk, now=anchor.submitted_at + timedelta(minutes=11))

    assert confirmed.status == Status.CONFIRMED and confirmed.tx_hash == anchor.tx_hash
    assert confirmed.nonce == anchor.nonce and len(confirmed.previous_tx_hashes) == 1
    assert transactions_carrying(chain, anchor.merkle_root) == [anchor.tx_hash]


# --- failure and retry ----------------------------------------------------------------------------

# Init code deploying a contract whose code is PUSH1 0 PUSH1 0 REVERT: every call to it fails.
REVERTER_INIT = "0x6005600c60003960056000f360006000fd"


def failing_transaction(chain) -> str:
    funder = chain.w3.eth.accounts[0]
    deploy = chain.w3.eth.send_transaction({"from": funder, "data": REVERTER_INIT, "gas": 100_000})
    contract = chain.w3.eth.get_transaction_receipt(deploy)["contractAddress"]
    tx_hash = chain.w3.eth.send_transaction({"from": funder, "to": contract, "gas": 50_000})
    return chain.w3.to_hex(tx_hash)


def test_failed_receipt_fails_the_anchor_and_retry_sends_it_again_with_a_fresh_nonce(chain, org, issuer):
    anchor = anchored(org, issuer, 3)
    proofs = dict(Certificate.objects.values_list("pk", "merkle_proof"))
    # Stand-in for a transaction of ours that ran out of gas: a mined transaction with status 0.
    failed_tx = failing_transaction(chain)
    Anchor.objects.filter(pk=anchor.pk).update(tx_hash=failed_tx)

    failed = anchor_confirm(anchor.pk)
    assert failed.status == Status.FAILED and failed_tx in failed.error and "failed" in failed.error

    retried = anchor_retry(anchor_id=anchor.pk, actor=Actor(user=issuer))
    assert retried.status == Status.PENDING and retried.tx_hash == "" and retried.nonce is None
    resent = anchor_submit(anchor.pk)

    assert resent.status == Status.SUBMITTED and resent.merkle_root == anchor.merkle_root
    assert resent.nonce > anchor.nonce and resent.tx_hash not in (anchor.tx_hash, failed_tx)
    assert anchor_confirm(anchor.pk).status == Status.CONFIRMED
    assert dict(Certificate.objects.values_list("pk", "merkle_proof")) == proofs
    assert AuditEvent.objects.filter(action="anchor.retried", target_id=str(anchor.pk)).exists()


def test_only_a_failed_anchor_can_be_retried(org, issuer):
    anchor = anchored(org, issuer, 1)
    with pytest.raises(CertificateError, match="submitted"):
        anchor_retry(anchor_id=anchor.pk)


def test_retry_enqueues_the_send_after_commit(chain, org, issuer, django_capture_on_commit_callbacks):
    anchor = anchored(org, issuer, 2)
    Anchor.objects.filter(pk=anchor.pk).update(status=Status.FAILED, tx_hash=failing_transaction(chain))

    with django_capture_on_commit_callbacks(execute=True):
        anchor_retry(anchor_id=anchor.pk)

    assert Anchor.objects.get(pk=anchor.pk).status == Status.SUBMITTED


# --- tasks and triggers ---------------------------------------------------------------------------


def test_scheduled_tasks_anchor_send_and_confirm(chain, org, issuer):
    issue(org, issuer, 3)

    summary = anchor_pending_certificates.delay().get()
    (anchor,) = Anchor.objects.all()
    assert summary["created"] == [anchor.pk] and summary["submitted"] == [anchor.pk]

    assert confirm_anchors.delay().get() == {"confirmed": 1}
    assert Anchor.objects.get().status == Status.CONFIRMED
    assert confirm_anchors.delay().get() == {}


def test_scheduled_run_sends_an_anchor_left_pending_by_a_crash(chain, org, issuer):
    issue(org, issuer, 2)
    anchor = anchor_pending()  # the process died before anchor_submit

    summary = anchor_pending_certificates.delay().get()

    assert summary == {"submitted": [anchor.pk], "created": [], "errors": 0}
    assert transactions_carrying(chain, anchor.merkle_root) == [Anchor.objects.get().tx_hash]


def test_confirm_sweep_rebroadcasts_a_signed_anchor(chain, org, issuer):
    issue(org, issuer, 2)
    anchor = anchor_pending()
    anchoring._sign(anchor, chain)

    assert anchor_confirm_all() == {"submitted": 1}
    assert anchor_confirm_all() == {"confirmed": 1}


def test_retry_task_of_a_missing_anchor_is_harmless(db):
    assert retry_anchor.delay(123456).get() == "missing"


def test_a_full_batch_starts_a_run_without_waiting_for_the_schedule(chain, settings, org, issuer):
    settings.ANCHOR_BATCH_SIZE = 3
    issue(org, issuer, 2)
    assert anchor_enqueue_if_due() is False

    issue(org, issuer, 1, prefix="Third")
    assert anchor_enqueue_if_due() is True  # eager Celery: the run happened inline

    (anchor,) = Anchor.objects.all()
    assert anchor.leaf_count == 3 and anchor.status == Status.SUBMITTED


def test_chain_outage_leaves_the_anchor_for_the_next_run(chain, org, issuer, monkeypatch):
    from certificates.anchoring.chain import ChainError

    issue(org, issuer, 2)

    def down(*args, **kwargs):
        raise ChainError("broadcasting failed on embedded chain: connection refused")

    monkeypatch.setattr(chain, "broadcast", down)
    summary = anchor_pending_certificates.delay().get()
    anchor = Anchor.objects.get()
    assert summary["errors"] == 1 and anchor.status == Status.SIGNED and "connection refused" in anchor.error
    monkeypatch.undo()

    assert anchor_confirm_all() == {"submitted": 1}
    assert transactions_carrying(chain, anchor.merkle_root) == [anchor.tx_hash]


# --- concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_take_disjoint_certificates(org, issuer):
    import threading

    from django.db import connection, transaction

    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("needs SELECT ... FOR UPDATE SKIP LOCKED (PostgreSQL); SQLite serializes writers instead")
    issue(org, issuer, 5)
    first_three = list(Certificate.objects.order_by("id").values_list("pk", flat=True)[:3])
    result = {}

    def other_worker():
        try:
            result["anchor"] = anchor_pending()
        finally:
            connection.close()

    with transaction.atomic():  # a run still holding the oldest three rows
        list(Certificate.objects.filter(pk__in=first_three).select_for_update())
        worker = threading.Thread(target=other_worker)
        worker.start()
        worker.join(timeout=30)

    assert result["anchor"].leaf_count == 2
    assert set(result["anchor"].certificates.values_list("pk", flat=True)).isdisjoint(first_three)
    assert anchor_pending().leaf_count == 3 and anchor_pending() is None
