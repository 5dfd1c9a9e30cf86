"""Check a CertVerify proof bundle independently of CertVerify.

This file is deliberately self-contained: it imports only the Python standard library and
web3, never Django or the rest of CertVerify, so that anyone (an employer, an auditor) can read
it alone, copy it, and run it against their own Ethereum node::

    python proofcheck.py bundle.json --rpc https://rpc-amoy.polygon.technology

(Inside the CertVerify tree run it as ``python -m certificates.anchoring.proofcheck``: started as a script
from certificates/, our ``selectors.py`` would shadow the standard library's.)

The content-hash and Merkle rules below are copies of certificates/hashing.py and
certificates/merkle.py, kept in sync on purpose; docs/proof-format.md states them in prose.

1. content hash = SHA-256 of the canonical JSON of the bundle's ``certificate`` object:
   ``json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")``.
2. leaf = sha256(0x00 || content_hash); each proof step combines with the sibling:
   node = sha256(0x01 || left || right), ``position`` telling on which side the sibling sits.
   The result must equal the bundle's Merkle root.
3. The anchoring transaction (``anchor.tx_hash``) on the chain with ``anchor.chain_id`` must
   carry exactly the 32 root bytes as its input data, be mined successfully, and have at least
   ``min_confirmations`` blocks on top of it (counting its own).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from web3 import Web3
from web3.exceptions import TransactionNotFound

FORMAT = "certverify-proof/1"
StepStatus = Literal["pass", "fail", "skip"]


@dataclass
class Step:
    name: str
    status: StepStatus
    message: str


@dataclass
class CheckReport:
    steps: list[Step] = field(default_factory=list)
    confirmations: int | None = None

    @property
    def ok(self) -> bool:
        """Every step ran and passed."""
        return bool(self.steps) and all(step.status == "pass" for step in self.steps)

    @property
    def failed(self) -> bool:
        return any(step.status == "fail" for step in self.steps)

    @property
    def exit_code(self) -> int:
        """0: genuine and anchored; 1: some check failed; 2: nothing failed but not everything ran."""
        return 0 if self.ok else 1 if self.failed else 2

    def add(self, name: str, passed: bool, message: str) -> bool:
        self.steps.append(Step(name, "pass" if passed else "fail", message))
        return passed

    def skip(self, name: str, message: str) -> None:
        self.steps.append(Step(name, "skip", message))

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "confirmations": self.confirmations, "steps": [asdict(s) for s in self.steps]}


# -- the rules (copies; see the module docstring) ----------------------------------------------


def canonical_json(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _hex32(value: Any) -> bytes:
    raw = bytes.fromhex(str(value).removeprefix("0x").removeprefix("0X"))
    if len(raw) != 32:
        raise ValueError(f"expected 32 bytes of hex, got {len(raw)}")
    return raw


def merkle_leaf(content_hash: str) -> bytes:
    return hashlib.sha256(b"\x00" + _hex32(content_hash)).digest()


def merkle_root_from_proof(content_hash: str, proof: list[dict]) -> bytes:
    node = merkle_leaf(content_hash)
    for step in proof:
        sibling = _hex32(step["hash"])
        if step["position"] == "left":
            node = hashlib.sha256(b"\x01" + sibling + node).digest()
        elif step["position"] == "right":
            node = hashlib.sha256(b"\x01" + node + sibling).digest()
        else:
            raise ValueError(f"proof position must be 'left' or 'right', not {step['position']!r}")
    return node


# -- the checks ----------------------------------------------------------------------------------


def check_bundle(
    bundle: dict, rpc_url: str | None, w3: Web3 | None = None, *, min_confirmations: int = 1
) -> CheckReport:
    """Run every check that the bundle and the given chain connection allow; see CheckReport."""
    report = CheckReport()
    if not _check_format(bundle, report):
        return report
    _check_content_hash(bundle, report)
    _check_merkle_path(bundle, report)
    if w3 is None and rpc_url:
        w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 15}))
    if w3 is None:
        for name in ("chain", "transaction", "confirmations"):
            report.skip(name, "Not checked: no blockchain RPC URL was given.")
        return report
    if _check_chain(bundle["anchor"], w3, report):
        _check_transaction(bundle, w3, report, min_confirmations)
    return report


def _check_format(bundle: Any, report: CheckReport) -> bool:
    try:
        problems = []
        if bundle.get("format") != FORMAT:
            problems.append(f"format is {bundle.get('format')!r}, expected {FORMAT!r}")
        if not isinstance(bundle.get("certificate"), dict):
            problems.append("no 'certificate' object")
        merkle, anchor = bundle.get("merkle") or {}, bundle.get("anchor") or {}
        if merkle.get("algorithm", "sha256") != "sha256":
            problems.append(f"unknown Merkle algorithm {merkle.get('algorithm')!r}")
        for key, value in (
            ("content_hash", bundle.get("content_hash")),
            ("merkle.root", merkle.get("root")),
            ("merkle.proof", merkle.get("proof")),
            ("anchor.tx_hash", anchor.get("tx_hash")),
            ("anchor.chain_id", anchor.get("chain_id")),
        ):
            if value is None:
                problems.append(f"missing {key}")
    except AttributeError:
        problems = ["the bundle is not a JSON object of the expected shape"]
    if problems:
        return report.add(
            "format", False, "The file is not a valid proof bundle: " + "; ".join(problems) + "."
        )
    return report.add("format", True, f"The file is a {FORMAT} proof bundle.")


def _check_content_hash(bundle: dict, report: CheckReport) -> bool:
    recomputed = hashlib.sha256(canonical_json(bundle["certificate"])).hexdigest()
    stated = str(bundle["content_hash"]).lower().removeprefix("0x")
    if recomputed != stated:
        return report.add(
            "content_hash",
            False,
            f"The certificate's fields do not match its fingerprint: they hash to {recomputed}, "
            f"but the bundle states {stated}. The certificate details were changed.",
        )
    return report.add(
        "content_hash", True, f"The certificate's fields hash to the stated fingerprint {stated}."
    )


def _check_merkle_path(bundle: dict, report: CheckReport) -> bool:
    merkle = bundle["merkle"]
    try:
        leaf = merkle_leaf(bundle["content_hash"])
        if merkle.get("leaf") and _hex32(merkle["leaf"]) != leaf:
            return report.add(
                "merkle_path", False, "The Merkle leaf does not match the certificate's fingerprint."
            )
        root = merkle_root_from_proof(bundle["content_hash"], merkle["proof"])
        stated_root = _hex32(merkle["root"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return report.add("merkle_path", False, f"The Merkle proof is malformed: {exc}.")
    if root != stated_root:
        return report.add(
            "merkle_path",
            False,
            f"The Merkle proof does not lead from this certificate to the batch root: it gives {root.hex()}, "
            f"the bundle states {stated_root.hex()}.",
        )
    steps = len(merkle["proof"])
    return report.add(
        "merkle_path", True, f"The {steps}-step Merkle proof leads to the batch root {root.hex()}."
    )


def _check_chain(anchor: dict, w3: Web3, report: CheckReport) -> bool:
    try:
        chain_id = int(w3.eth.chain_id)
        genesis = w3.to_hex(w3.eth.get_block(0)["hash"])
    except Exception as exc:
        report.add("chain", False, f"Could not reach the blockchain node: {exc}")
        return False
    if chain_id != int(anchor["chain_id"]):
        return report.add(
            "chain",
            False,
            f"The node serves chain id {chain_id}, but the certificate was anchored on {anchor['chain_id']}.",
        )
    if anchor.get("genesis_hash") and anchor["genesis_hash"].lower() != genesis.lower():
        return report.add(
            "chain",
            False,
            f"The node serves a different chain with the same id {chain_id} (genesis block {genesis}, "
            f"expected {anchor['genesis_hash']}).",
        )
    return report.add(
        "chain", True, f"Connected to chain id {chain_id}, the chain the certificate was anchored on."
    )


def _check_transaction(bundle: dict, w3: Web3, report: CheckReport, min_confirmations: int) -> None:
    anchor, root = bundle["anchor"], _hex32(bundle["merkle"]["root"])
    tx_hash = str(anchor["tx_hash"])
    try:
        tx = w3.eth.get_transaction(tx_hash)
        receipt = w3.eth.get_transaction_receipt(tx_hash) if tx.get("blockNumber") is not None else None
        head = int(w3.eth.block_number)
    except TransactionNotFound:
        report.add("transaction", False, f"The anchoring transaction {tx_hash} does not exist on this chain.")
        report.skip("confirmations", "Not checked: there is no transaction to count confirmations for.")
        return
    except Exception as exc:
        report.add("transaction", False, f"The anchoring transaction {tx_hash} could not be read: {exc}")
        report.skip("confirmations", "Not checked: the transaction could not be read.")
        return
    data = bytes(tx["input"])
    if data != root:
        report.add(
            "transaction",
            False,
            f"Transaction {tx_hash} does not carry the batch root: its data is 0x{data.hex()}, expected 0x{root.hex()}.",
        )
    elif receipt is not None and receipt["status"] != 1:
        report.add("transaction", False, f"Transaction {tx_hash} carries the root but failed on chain.")
    else:
        report.add("transaction", True, f"Transaction {tx_hash} carries exactly the batch root.")
    _check_confirmations(anchor, receipt, head, report, min_confirmations)


def _check_confirmations(anchor: dict, receipt: Any, head: int, report: CheckReport, minimum: int) -> None:
    if receipt is None:
        report.confirmations = 0
        report.add("confirmations", False, "The transaction is not mined yet (0 confirmations).")
        return
    block = int(receipt["blockNumber"])
    report.confirmations = max(0, head - block + 1)
    moved = ""
    if anchor.get("block_number") is not None and int(anchor["block_number"]) != block:
        moved = f" (the bundle says block {anchor['block_number']}; the chain reorganized since)"
    report.add(
        "confirmations",
        report.confirmations >= minimum,
        f"Mined in block {block}{moved}, with {report.confirmations} confirmation(s); {minimum} required.",
    )


def format_report(report: CheckReport) -> list[str]:
    lines = [f"[{step.status.upper():4}] {step.name}: {step.message}" for step in report.steps]
    verdict = {
        0: "VALID: every check passed.",
        1: "INVALID: a check failed.",
        2: "INCOMPLETE: some checks could not run.",
    }
    return [*lines, verdict[report.exit_code]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a CertVerify proof bundle against a blockchain node.")
    parser.add_argument("bundle", help="path to the proof bundle JSON file")
    parser.add_argument("--rpc", help="JSON-RPC URL of a node of the anchoring chain")
    parser.add_argument("--min-confirmations", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        with open(args.bundle, encoding="utf-8") as fh:
            bundle = json.load(fh)
    except (OSError, ValueError) as exc:
        print(f"cannot read the proof bundle: {exc}", file=sys.stderr)
        return 1
    report = check_bundle(bundle, args.rpc, min_confirmations=args.min_confirmations)
    print(json.dumps(report.as_dict(), indent=2) if args.json else "\n".join(format_report(report)))
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
