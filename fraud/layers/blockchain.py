"""Layer 5: the certificate's content hash -> Merkle proof -> root -> the anchoring transaction on chain.

Proves that the issuer's record is the one that was fixed on the blockchain at issuance: the
stored fields still hash to the stored content hash, that hash is in the anchored batch, and the
batch root is really in the transaction. It says nothing about the uploaded document itself
(the database and vision layers compare the document with the record).
"""

from __future__ import annotations

from django.conf import settings

from certificates.api import ChainError, content_hash, get_chain_client, verify_proof
from fraud.layers.base import AnchorInfo, Finding, Layer, LayerContext, LayerResult

# Anchor statuses whose transaction has surely been broadcast and so can be looked up on chain
# ("signed" may not have been sent yet: skipped until the anchoring service moves it on).
BROADCAST_STATUSES = frozenset({"submitted", "confirmed"})  # certificates.models.Anchor.Status
UNMINED_POINTS = 2.0


class BlockchainLayer(Layer):
    name = "blockchain"
    max_points = 10
    title = "Blockchain anchor"
    inputs = frozenset({"record"})

    def run(self, ctx: LayerContext) -> LayerResult:
        record = ctx.record
        if record is None:
            return self.skip(
                "There is no issuer record for this certificate, so there is no blockchain record to check."
            )
        anchor = record.anchor
        if anchor is None or not anchor.tx_hash or anchor.status not in BROADCAST_STATUSES:
            return self.skip(
                "This certificate has not been recorded on the blockchain yet; certificates are recorded "
                "in batches shortly after they are issued."
            )
        details = {"merkle_root": anchor.merkle_root, "chain_id": anchor.chain_id, "tx_hash": anchor.tx_hash}
        failure = self._registry_failure(record.canonical_fields, record.content_hash, anchor)
        if failure:
            return self.result("failed", 0, [failure], details=details)
        try:
            return self._check_chain(anchor, details)
        except ChainError as exc:
            details["error"] = str(exc)
            finding = Finding(
                "chain_unreachable",
                "The blockchain could not be reached to check this certificate's record, so this check did not run.",
                "warning",
            )
            return self.result("error", 0, [finding], details=details)

    def _registry_failure(self, fields: dict, stored_hash: str, anchor: AnchorInfo) -> Finding | None:
        if fields and content_hash(fields) != stored_hash.lower().removeprefix("0x"):
            return Finding(
                "registry_altered",
                "The issuer's stored details for this certificate no longer match the fingerprint taken "
                "when it was recorded on the blockchain: the record was changed afterwards.",
                "critical",
                decisive=True,
            )
        if not verify_proof(stored_hash, anchor.proof, anchor.merkle_root):
            return Finding(
                "merkle_proof_invalid",
                "This certificate's fingerprint is not part of the batch that was recorded on the "
                "blockchain, so the issuer's record does not match what was recorded.",
                "critical",
                decisive=True,
            )
        return None

    def _check_chain(self, anchor: AnchorInfo, details: dict) -> LayerResult:
        client = get_chain_client()
        if client.chain_id != anchor.chain_id:
            return self.fail(
                "chain_mismatch",
                f"This certificate was recorded on a different blockchain (network {anchor.chain_id}) than "
                f"the one this service is connected to (network {client.chain_id}), so it could not be checked.",
                details,
                severity="warning",
            )
        data = client.get_transaction_data(anchor.tx_hash)
        if data is None:
            return self.fail(
                "transaction_missing",
                f"The blockchain transaction that should hold this certificate's batch ({anchor.tx_hash}) "
                "does not exist on the blockchain.",
                details,
            )
        if data != bytes.fromhex(anchor.merkle_root.removeprefix("0x")):
            return self.fail(
                "root_mismatch",
                "The blockchain transaction named in this certificate's record holds a different batch "
                "fingerprint, so the record of where it was anchored was altered.",
                details,
                decisive=True,
            )
        return self._check_confirmations(client, anchor, details)

    def _check_confirmations(self, client, anchor: AnchorInfo, details: dict) -> LayerResult:
        receipt = client.get_receipt(anchor.tx_hash)
        confirmations = client.confirmations(anchor.tx_hash)
        required = max(1, int(settings.CHAIN_CONFIRMATIONS))
        details.update(confirmations=confirmations, required_confirmations=required)
        if receipt is not None:
            details["block_number"] = receipt.block_number
            if not receipt.ok:
                return self.fail(
                    "transaction_failed",
                    "The blockchain transaction holding this certificate's batch was rejected by the network.",
                    details,
                    severity="warning",
                )
        if confirmations == 0:
            message = "This certificate's batch was sent to the blockchain but is not confirmed yet; check again in a few minutes."
            return self.result(
                "warning", UNMINED_POINTS, [Finding("anchor_pending", message, "warning")], details=details
            )
        if confirmations < required:
            message = (
                f"This certificate's batch is on the blockchain with {confirmations} of the {required} "
                "confirmations we wait for; it will be fully confirmed shortly."
            )
            points = self.max_points * (0.5 + 0.5 * confirmations / required)
            return self.result(
                "warning", points, [Finding("anchor_unconfirmed", message, "warning")], details=details
            )
        message = (
            f"This certificate's fingerprint is part of a batch recorded on the blockchain (block "
            f"{receipt.block_number}, {confirmations} confirmations), and its details have not changed since."
        )
        return self.result("passed", self.max_points, [Finding("anchor_verified", message)], details=details)

    def fail(
        self, code: str, message: str, details: dict, *, severity: str = "critical", decisive: bool = False
    ) -> LayerResult:
        return self.result(
            "failed", 0, [Finding(code, message, severity, decisive=decisive)], details=details
        )
