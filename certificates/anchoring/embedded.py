"""The embedded chain lives in one process; this re-sends, on a new process's chain, the signed
transactions that earlier processes stored, so their anchors can be checked here too.

Typical case: `bin/demo` runs `seed_demo` (which issues and anchors the demo certificates) and then
the web server, a second process whose embedded chain starts empty. The genesis is fixed
(chain.EMBEDDED_GENESIS_TIMESTAMP), so the very same signed bytes are valid again and get the very
same transaction hashes; each sender is funded first, and each sender's transactions are sent in
nonce order. Only for the embedded chain: a real chain keeps its transactions by itself.

`anchor_now_on_embedded_chain` is the demo's worker and beat: with eager tasks and no beat,
nothing else would ever build, confirm or follow a batch (`seed_demo`, and every issuance when
`ANCHOR_INLINE` is on, as `bin/demo` sets it).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError
from eth_account import Account

from certificates.anchoring.chain import (
    TESTER_FUNDING_WEI,
    ChainClient,
    ChainError,
    SignedRootTx,
    get_chain_client,
)

logger = logging.getLogger(__name__)


def replay_stored_anchors(client: ChainClient) -> int:
    """Re-send every stored signed anchor transaction of this chain; returns how many were mined."""
    from certificates.models import Anchor

    try:
        stored = list(
            Anchor.objects.filter(chain_id=client.chain_id, genesis_hash=client.genesis_hash)
            .exclude(raw_tx="")
            .values_list("raw_tx", flat=True)
        )
    except DatabaseError:  # e.g. before the first migrate
        logger.info("embedded chain: no anchors table yet, nothing to replay")
        return 0
    transactions = sorted(filter(None, (_decoded(raw) for raw in stored)))
    funder = client.w3.eth.accounts[0]
    for sender in sorted({sender for sender, _, _ in transactions}):
        client.w3.eth.send_transaction({"from": funder, "to": sender, "value": TESTER_FUNDING_WEI})
    replayed = 0
    for sender, nonce, raw in transactions:
        try:
            client.broadcast(raw)
            replayed += 1
        except ChainError as exc:
            logger.warning("embedded chain: could not replay nonce %s of %s: %s", nonce, sender, exc)
    if replayed:
        client.mine(settings.CHAIN_CONFIRMATIONS)
        logger.info("embedded chain: replayed %s stored anchor transactions", replayed)
    return replayed


def _decoded(raw: str) -> tuple[str, int, str] | None:
    """(sender, nonce, raw) of a stored transaction; None (logged) when it cannot be read."""
    try:
        return Account.recover_transaction(raw), SignedRootTx.from_raw(raw).nonce, raw
    except Exception:  # a damaged row must not stop the chain client from starting
        logger.warning("embedded chain: a stored anchor transaction cannot be decoded", exc_info=True)
        return None


def anchor_now_on_embedded_chain() -> dict | None:
    """Build and send our batch and the Blockcerts batch, mine `CHAIN_CONFIRMATIONS` blocks and
    confirm them, all now. None (nothing done) when a real chain is configured: there the worker
    and beat anchor as in production."""
    from certificates.anchoring.blockcerts_batching import blockcerts_run
    from certificates.anchoring.services import anchor_confirm_all, anchor_run

    if settings.CHAIN_RPC_URL:
        return None
    ours, theirs = anchor_run(), blockcerts_run()
    get_chain_client().mine(settings.CHAIN_CONFIRMATIONS)
    return {"anchors": ours["created"] + theirs["created"], "statuses": anchor_confirm_all()}
