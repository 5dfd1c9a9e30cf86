"""Anchoring certificates on a blockchain: Merkle batches (built in batching.py), one transaction per batch.

Batches are platform-wide. A run takes the unanchored certificates of *all* organizations,
oldest first (by id, at most `limit`), and builds one Merkle tree over their content hashes; each
certificate stores its own path to the root (certificates/merkle.py, docs/proof-format.md), so a
verifier needs nothing from the other certificates of the batch. One transaction per batch keeps
the cost per certificate negligible, and a small organization is anchored as promptly as a big one.

An anchor moves through these states, each arrow a committed write:

    pending --sign--> signed --broadcast--> submitted --CHAIN_CONFIRMATIONS--> confirmed
                                                 \\--failed receipt--> failed --anchor_retry--> pending

Crash safety: the signed transaction (raw bytes, hash, nonce) is committed *before* it is
broadcast, so after a crash anywhere the very same bytes are re-sent (the chain treats that as a
no-op) and a root is never anchored twice. A transaction still unmined after
`ANCHOR_STUCK_AFTER_SECONDS` (default 600) is re-priced with the same nonce, so at most one of its
versions can be mined; superseded hashes are kept in `previous_tx_hashes` and whichever version is
mined is adopted. Every state change is a conditional UPDATE on the expected state, so two workers
racing on one anchor cannot both act (and `certificate.anchored` is recorded once).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from certificates.anchoring.batching import MAX_LEAVES, WRITE_CHUNK, anchor_pending
from certificates.anchoring.chain import (
    ChainClient,
    ChainError,
    NonceAlreadyUsedError,
    Receipt,
    SignedRootTx,
    get_chain_client,
)
from certificates.errors import CertificateError
from certificates.models import Anchor, Certificate
from certificates.public_status.services import public_status_changed
from organizations.access import Actor
from organizations.audit import audit_by
from organizations.models import Organization
from webhooks.events import CERTIFICATE_ANCHORED
from webhooks.services import event_record

logger = logging.getLogger(__name__)

FEE_BUMP = 1.25  # fee multiplier for re-pricing a stuck transaction
ENQUEUE_LOCK_KEY = "anchoring:enqueued"
ENQUEUE_LOCK_SECONDS = 300
NONCE_LOCK_KEY = 0x43565F4E4F4E4345  # PostgreSQL advisory lock serializing nonce assignment
Status = Anchor.Status


def stuck_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "ANCHOR_STUCK_AFTER_SECONDS", 600))


# --- building a batch -----------------------------------------------------------------------------


def anchor_enqueue_if_due() -> bool:
    """Start an anchoring run now if a full batch (ANCHOR_BATCH_SIZE) waits; call it on commit after
    issuing. At most one run is queued at a time; the beat schedule catches the rest."""
    size = settings.ANCHOR_BATCH_SIZE
    if Certificate.objects.filter(anchor__isnull=True)[:size].count() < size:
        return False
    if not cache.add(ENQUEUE_LOCK_KEY, 1, ENQUEUE_LOCK_SECONDS):
        return False
    from certificates.anchoring.tasks import anchor_pending_certificates

    return _enqueue(anchor_pending_certificates)


def _enqueue(task, *args) -> bool:
    try:
        task.delay(*args)
    except (KombuOperationalError, OSError):  # broker down: the beat sweep picks the work up later
        logger.warning("could not enqueue %s", task.name, exc_info=True)
        return False
    return True


# --- signing and broadcasting ---------------------------------------------------------------------


def anchor_submit(anchor_id: int) -> Anchor:
    """Sign (once) and broadcast the anchor's transaction, then mark it `submitted`.

    Idempotent: a `signed` anchor re-sends the very same stored bytes, a `submitted` or `confirmed`
    one is left alone. Raises ChainError when the chain cannot be reached (the state is kept).
    """
    anchor = Anchor.objects.get(pk=anchor_id)
    for _ in range(2):  # a second round only after another transaction took our nonce
        if anchor.status == Status.PENDING:
            anchor = _sign(anchor, get_chain_client())
        if anchor.status != Status.SIGNED:
            return anchor
        anchor = _broadcast(anchor, get_chain_client())
    return anchor


def _sign(anchor: Anchor, client: ChainClient) -> Anchor:
    with transaction.atomic():
        _lock_nonces()
        if not Anchor.objects.filter(pk=anchor.pk, status=Status.PENDING).exists():
            return Anchor.objects.get(pk=anchor.pk)  # another worker signed it while we waited
        signed = client.sign_root_tx(anchor.merkle_root, nonce=_next_nonce(client))
        fields = {
            "status": Status.SIGNED,
            "chain_id": client.chain_id,
            "genesis_hash": client.genesis_hash,
            "sender": client.address,
            "nonce": signed.nonce,
            "raw_tx": signed.raw_tx_hex,
            "tx_hash": signed.tx_hash,
            "max_fee_per_gas": signed.max_fee_per_gas,
            "error": "",
        }
        # Conditional: if another worker signed first, ours is discarded unsent.
        Anchor.objects.filter(pk=anchor.pk, status=Status.PENDING).update(**fields)
    return Anchor.objects.get(pk=anchor.pk)


def _lock_nonces() -> None:
    """Serialize nonce assignment across workers (SQLite serializes writers by itself)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NONCE_LOCK_KEY])


def _next_nonce(client: ChainClient) -> int:
    """The chain's next nonce, or past our signed-but-unmined transactions if those go further."""
    in_flight = Anchor.objects.filter(
        chain_id=client.chain_id,
        genesis_hash=client.genesis_hash,
        sender__in=[client.address, ""],  # another account's nonces say nothing about ours
        status__in=[Status.SIGNED, Status.SUBMITTED],
    ).aggregate(highest=Max("nonce"))["highest"]
    return max(client.next_nonce(), -1 if in_flight is None else in_flight + 1)


def _broadcast(anchor: Anchor, client: ChainClient) -> Anchor:
    _require_same_chain(anchor, client)
    try:
        client.broadcast(anchor.raw_tx)
    except NonceAlreadyUsedError:
        return _resolve_used_nonce(anchor, client)
    except ChainError as exc:
        _note_error(anchor, f"Broadcast failed, will retry: {exc}")
        raise
    return _mark_submitted(anchor)


def _mark_submitted(anchor: Anchor) -> Anchor:
    with transaction.atomic():
        Anchor.objects.filter(pk=anchor.pk, status=Status.SIGNED, tx_hash=anchor.tx_hash).update(
            status=Status.SUBMITTED, submitted_at=timezone.now(), error=""
        )
        _public_status_changed(anchor.pk)
    return Anchor.objects.get(pk=anchor.pk)


def _resolve_used_nonce(anchor: Anchor, client: ChainClient) -> Anchor:
    """Our nonce is spent: adopt whichever of our versions was mined, else sign afresh."""
    receipt = _mined_receipt(client, anchor)
    if receipt is not None:
        return _adopt(anchor, receipt, timezone.now())
    logger.warning("anchor %s: nonce %s was used by another transaction; re-signing", anchor.pk, anchor.nonce)
    Anchor.objects.filter(pk=anchor.pk, status=anchor.status, tx_hash=anchor.tx_hash).update(
        status=Status.PENDING,
        nonce=None,
        raw_tx="",
        tx_hash="",
        previous_tx_hashes=[],
        max_fee_per_gas=None,
        error=f"Nonce {anchor.nonce} was taken by another transaction; signed again with a fresh nonce.",
    )
    return Anchor.objects.get(pk=anchor.pk)


def _adopt(anchor: Anchor, receipt: Receipt, now: datetime) -> Anchor:
    """Make the mined version of the transaction the anchor's `tx_hash`."""
    if receipt.tx_hash != anchor.tx_hash:
        known = [*anchor.previous_tx_hashes, anchor.tx_hash]
        Anchor.objects.filter(pk=anchor.pk, tx_hash=anchor.tx_hash).update(
            tx_hash=receipt.tx_hash,
            previous_tx_hashes=[h for h in known if h != receipt.tx_hash],
            raw_tx="",  # the stored bytes belonged to the version that lost
        )
    with transaction.atomic():
        Anchor.objects.filter(pk=anchor.pk, status=Status.SIGNED).update(
            status=Status.SUBMITTED, submitted_at=now
        )
        _public_status_changed(anchor.pk)
    return Anchor.objects.get(pk=anchor.pk)


def _require_same_chain(anchor: Anchor, client: ChainClient) -> None:
    if anchor.genesis_hash and anchor.genesis_hash != client.genesis_hash:
        message = (
            f"Anchor {anchor.pk} was signed for chain {anchor.chain_id} (genesis {anchor.genesis_hash}), "
            f"but the configured chain is {client.chain_id} (genesis {client.genesis_hash})."
        )
        _note_error(anchor, message)
        raise ChainError(message)


def _note_error(anchor: Anchor, message: str) -> None:
    Anchor.objects.filter(pk=anchor.pk).update(error=message[:2000])


# --- confirmations --------------------------------------------------------------------------------


def anchor_confirm(anchor_id: int, *, now: datetime | None = None) -> Anchor:
    """Follow a submitted anchor: count confirmations, confirm it (recording `certificate.anchored`),
    fail it on a failed receipt, re-price it when stuck. A `signed` anchor is (re)broadcast."""
    now = now or timezone.now()
    anchor = Anchor.objects.get(pk=anchor_id)
    if anchor.status == Status.SIGNED:
        return anchor_submit(anchor_id)
    if anchor.status != Status.SUBMITTED:
        return anchor
    client = get_chain_client()
    _require_same_chain(anchor, client)
    receipt = _mined_receipt(client, anchor)
    if receipt is None:
        return _when_unmined(anchor, client, now)
    if receipt.tx_hash != anchor.tx_hash:
        anchor = _adopt(anchor, receipt, now)
    if not receipt.ok:
        return _mark_failed(anchor, receipt)
    confirmations = client.confirmations(receipt.tx_hash)
    if confirmations >= settings.CHAIN_CONFIRMATIONS:
        return _mark_confirmed(anchor, receipt, confirmations, now)
    Anchor.objects.filter(pk=anchor.pk, status=Status.SUBMITTED).update(
        block_number=receipt.block_number, confirmations=confirmations, error=""
    )
    return Anchor.objects.get(pk=anchor.pk)


def _mined_receipt(client: ChainClient, anchor: Anchor) -> Receipt | None:
    """The receipt of whichever version of the transaction was mined (one nonce: at most one)."""
    for tx_hash in [anchor.tx_hash, *reversed(anchor.previous_tx_hashes)]:
        receipt = client.get_receipt(tx_hash) if tx_hash else None
        if receipt is not None:
            return receipt
    return None


def _when_unmined(anchor: Anchor, client: ChainClient, now: datetime) -> Anchor:
    if anchor.submitted_at and now - anchor.submitted_at < stuck_after():
        return anchor
    if not anchor.raw_tx:
        return anchor  # the mined version was adopted and later reorganized away: wait for it
    try:
        return _reprice(anchor, client, now)
    except NonceAlreadyUsedError:
        # A version was mined since we looked: adopt it (or re-sign if none of ours was).
        anchor = Anchor.objects.get(pk=anchor.pk)
        receipt = _mined_receipt(client, anchor)
        if receipt is None:
            anchor = _resolve_used_nonce(anchor, client)
            return anchor_submit(anchor.pk)
        return anchor_confirm(anchor.pk, now=now)


def _reprice(anchor: Anchor, client: ChainClient, now: datetime) -> Anchor:
    """Sign the same root with the same nonce and higher fees; store it, then send it.

    `submitted_at` becomes the time of this latest send, from which the next stuck check counts.
    """
    old = SignedRootTx.from_raw(anchor.raw_tx)
    new = client.sign_root_tx(anchor.merkle_root, nonce=old.nonce, fee_multiplier=FEE_BUMP, replacing=old)
    stored = Anchor.objects.filter(pk=anchor.pk, status=Status.SUBMITTED, tx_hash=anchor.tx_hash).update(
        raw_tx=new.raw_tx_hex,
        tx_hash=new.tx_hash,
        max_fee_per_gas=new.max_fee_per_gas,
        previous_tx_hashes=[*anchor.previous_tx_hashes, anchor.tx_hash],
        submitted_at=now,
    )
    if stored:
        logger.info("anchor %s: re-priced stuck %s as %s", anchor.pk, anchor.tx_hash, new.tx_hash)
        client.broadcast(new.raw_tx_hex)
    return Anchor.objects.get(pk=anchor.pk)


def _mark_failed(anchor: Anchor, receipt: Receipt) -> Anchor:
    reason = (
        f"Transaction {receipt.tx_hash} was mined in block {receipt.block_number} but failed "
        f"(gas used {receipt.gas_used}), so the root is not on chain. Retry the anchor."
    )
    with transaction.atomic():
        Anchor.objects.filter(pk=anchor.pk, status=Status.SUBMITTED).update(
            status=Status.FAILED, error=reason, block_number=receipt.block_number
        )
        _public_status_changed(anchor.pk)
    return Anchor.objects.get(pk=anchor.pk)


def _mark_confirmed(anchor: Anchor, receipt: Receipt, confirmations: int, now: datetime) -> Anchor:
    with transaction.atomic():
        moved = Anchor.objects.filter(pk=anchor.pk, status=Status.SUBMITTED).update(
            status=Status.CONFIRMED,
            confirmed_at=now,
            block_number=receipt.block_number,
            confirmations=confirmations,
            error="",
        )
        anchor = Anchor.objects.get(pk=anchor.pk)
        if moved:  # only the worker that confirmed it records the events
            _record_anchored_events(anchor)
            _public_status_changed(anchor.pk)
    return anchor


def _record_anchored_events(anchor: Anchor) -> None:
    """One `certificate.anchored` event per organization in the batch, listing its credential ids."""
    by_org: dict[int, list[str]] = {}
    rows = anchor.certificates.order_by("id").values_list("organization_id", "credential_id")
    for organization_id, credential_id in rows.iterator(chunk_size=WRITE_CHUNK):
        by_org.setdefault(organization_id, []).append(credential_id)
    organizations = Organization.objects.in_bulk(list(by_org))
    for organization_id, credential_ids in by_org.items():
        data = {
            "anchor_id": anchor.pk,
            "merkle_root": anchor.merkle_root,
            "chain_id": anchor.chain_id,
            "genesis_hash": anchor.genesis_hash,
            "tx_hash": anchor.tx_hash,
            "block_number": anchor.block_number,
            "confirmations": anchor.confirmations,
            "confirmed_at": anchor.confirmed_at.isoformat(),
            "credential_ids": credential_ids,
        }
        event_record(organization=organizations[organization_id], type=CERTIFICATE_ANCHORED, data=data)


def _public_status_changed(anchor_id: int) -> None:
    """The public status shows the anchor's state: record the change for every certificate of the
    batch (call inside the transaction that moves the anchor)."""
    ids = Certificate.objects.filter(anchor_id=anchor_id).values_list("credential_id", flat=True)
    public_status_changed(credential_ids=ids.iterator(chunk_size=WRITE_CHUNK))


# --- operator actions and sweeps ------------------------------------------------------------------


@transaction.atomic
def anchor_retry(*, anchor_id: int, actor: Actor | None = None) -> Anchor:
    """Send a failed anchor again, with a fresh nonce (its certificates keep their proofs: same root)."""
    anchor = Anchor.objects.select_for_update().get(pk=anchor_id)
    if anchor.status != Status.FAILED:
        raise CertificateError(
            f"Only a failed anchor can be retried; this one is {anchor.status}.", code="invalid_status"
        )
    failed_tx = anchor.tx_hash
    Anchor.objects.filter(pk=anchor.pk, status=Status.FAILED).update(
        status=Status.PENDING,
        nonce=None,
        raw_tx="",
        tx_hash="",
        previous_tx_hashes=[],
        max_fee_per_gas=None,
        block_number=None,
        confirmations=0,
        submitted_at=None,
        error=f"Retried after {failed_tx} failed.",
    )
    if actor is not None:
        audit_by(actor, action="anchor.retried", target=anchor, details={"failed_tx_hash": failed_tx})
    from certificates.anchoring.tasks import retry_anchor

    transaction.on_commit(lambda: _enqueue(retry_anchor, anchor.pk))
    return Anchor.objects.get(pk=anchor.pk)


def anchor_run(*, max_batches: int = 5) -> dict:
    """The scheduled run: send anchors left `pending` (a crash, a chain outage, a retry), then build
    and send new batches while full ones keep coming."""
    summary = batches_run(
        Anchor.objects.filter(status=Status.PENDING),
        anchor_pending,
        max_leaves=MAX_LEAVES,
        max_batches=max_batches,
    )
    cache.delete(ENQUEUE_LOCK_KEY)
    return summary


def batches_run(pending, build_batch, *, max_leaves: int, max_batches: int) -> dict:
    """Send the `pending` anchors, then build (`build_batch()`, None when nothing is left) and send
    new batches while full ones keep coming. Shared by our tree and the Blockcerts one."""
    summary = {"submitted": [], "created": [], "errors": 0}
    for anchor_id in pending.order_by("id").values_list("id", flat=True):
        summary["errors"] += not submit_quietly(anchor_id, summary["submitted"])
    for _ in range(max_batches):
        anchor = build_batch()
        if anchor is None:
            break
        summary["created"].append(anchor.pk)
        summary["errors"] += not submit_quietly(anchor.pk, summary["submitted"])
        if anchor.leaf_count < max_leaves:
            break
    return summary


def submit_quietly(anchor_id: int, submitted: list[int]) -> bool:
    try:
        if anchor_submit(anchor_id).status in (Status.SUBMITTED, Status.CONFIRMED):
            submitted.append(anchor_id)
        return True
    except ChainError:
        logger.warning("anchor %s could not be sent; the next run retries", anchor_id, exc_info=True)
        return False


def anchor_confirm_all(*, now: datetime | None = None) -> dict[str, int]:
    """Follow every `signed` (re-send) and `submitted` anchor; returns the count per resulting status."""
    counts: dict[str, int] = {}
    in_flight = Anchor.objects.filter(status__in=[Status.SIGNED, Status.SUBMITTED]).order_by("id")
    for anchor_id in in_flight.values_list("id", flat=True):
        try:
            status = anchor_confirm(anchor_id, now=now).status
        except ChainError as exc:
            logger.warning("anchor %s: %s", anchor_id, exc)
            Anchor.objects.filter(pk=anchor_id).update(error=str(exc)[:2000])
            status = "error"
        counts[status] = counts.get(status, 0) + 1
    return counts
