"""The real Blockcerts verifier (@blockcerts/cert-verifier-js, from npm) accepts our Blockcerts
documents, anchored on a local anvil node and fetched from the running app, and rejects a
tampered or revoked one. Offline: verify.cjs lets node reach only the app and the node.

Skipped when npx (for anvil) or this folder's node_modules (installed by bin/setup) are missing.
"""

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from eth_account import Account

from certificates.anchoring.blockcerts_batching import blockcerts_run
from certificates.anchoring.chain import get_chain_client, reset_chain_client
from certificates.anchoring.services import anchor_confirm_all
from certificates.lifecycle.services import certificate_issue, certificate_revoke
from certificates.models import Anchor
from organizations.access import Actor
from tests.certificates.test_anvil import rpc, wait_for_node
from tests.net import free_port

pytestmark = [pytest.mark.anvil, pytest.mark.django_db(transaction=True)]

HERE = Path(__file__).resolve().parent
VERIFIER = HERE / "node_modules" / "@blockcerts" / "cert-verifier-js" / "package.json"
# Blockcerts names only some Ethereum networks (its keymap: 1, 3, 4, 5, 11155111); on any other
# chain id its verifier checks the proof but then fails to describe the chain. So this local node
# runs with Sepolia's chain id, as a deployment anchoring on Sepolia would.
SEPOLIA = 11155111


@pytest.fixture(scope="module")
def anvil_url(tmp_path_factory):
    if shutil.which("npx") is None:
        pytest.skip("npx is not installed, so a local anvil node cannot be started")
    port = free_port()
    log = (tmp_path_factory.mktemp("anvil") / "anvil.log").open("w+")
    process = subprocess.Popen(
        ["npx", "--yes", "@foundry-rs/anvil", "--port", str(port), "--chain-id", str(SEPOLIA), "--silent"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_node(f"http://127.0.0.1:{port}", process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


@pytest.fixture
def node():
    if shutil.which("node") is None or not VERIFIER.exists():
        pytest.skip("cert-verifier-js is not installed (bin/setup installs it when npm is available)")
    return shutil.which("node")


@pytest.fixture
def chain(anvil_url, settings, live_server):
    account = Account.create()
    rpc(anvil_url, "anvil_setBalance", account.address, hex(10**18))
    settings.CHAIN_RPC_URL = anvil_url
    settings.CHAIN_RPC_URL_SECONDARY = ""
    settings.CHAIN_PRIVATE_KEY = account.key.hex()
    settings.CHAIN_CONFIRMATIONS = 1
    settings.SITE_URL = live_server.url  # the documents name the app's own URLs
    reset_chain_client()
    yield get_chain_client()
    reset_chain_client()


def verify(node, rpc_url: str, app_url: str, documents: list[dict]) -> list[dict]:
    """One node process for all documents (starting the verifier costs more than a verification)."""
    done = subprocess.run(
        [node, "verify.cjs", rpc_url, app_url],
        input=json.dumps(documents),
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def confirmed_blockcerts_anchor(chain) -> Anchor:
    summary = blockcerts_run()
    (anchor_id,) = summary["created"]
    for _ in range(100):  # anvil mines asynchronously
        if chain.get_receipt(Anchor.objects.get(pk=anchor_id).tx_hash):
            break
        time.sleep(0.05)
    anchor_confirm_all()
    return Anchor.objects.get(pk=anchor_id)


def failed_steps(result: dict) -> list[str]:
    return [code for code, status in result["steps"] if status == "failure"]


def test_cert_verifier_js_accepts_our_document_and_rejects_tampered_or_revoked_ones(
    node, chain, anvil_url, live_server, org, issuer, owner
):
    actor = Actor(user=issuer)
    certificates = [
        certificate_issue(
            actor=actor,
            organization=org,
            recipient_name=name,
            title="Orbital Mechanics",
            issue_date=dt.date(2026, 5, 2),
            grade="A+",
        )
        for name in ("Katherine Johnson", "Dorothy Vaughan", "Mary Jackson")
    ]
    anchor = confirmed_blockcerts_anchor(chain)
    assert anchor.status == Anchor.Status.CONFIRMED and anchor.chain_id == SEPOLIA
    certificate_revoke(actor=Actor(user=owner), certificate=certificates[2], reason="Issued in error")
    documents = [
        requests.get(
            f"{live_server.url}/api/v1/public/certificates/{c.credential_id}/blockcerts/", timeout=10
        )
        for c in certificates
    ]
    assert [d.status_code for d in documents] == [200, 200, 200]
    genuine, other, revoked = (d.json() for d in documents)
    tampered = json.loads(json.dumps(other).replace("Dorothy Vaughan", "Dorothy Vaughen"))

    results = verify(node, anvil_url, live_server.url, [genuine, tampered, revoked])

    assert results[0]["status"] == "success", results[0]
    checked = {code for code, status in results[0]["steps"] if status == "success"}
    assert {
        "computeLocalHash",  # the RDF-canonicalized document's hash ...
        "compareHashes",  # ... is the proof's target hash,
        "checkReceipt",  # whose path leads to the Merkle root,
        "fetchRemoteHash",  # read from the transaction on the node by our explorer,
        "checkMerkleRoot",  # equals the transaction's data,
        "parseIssuerKeys",  # the issuer profile (served by the app) lists ...
        "checkAuthenticity",  # ... the transaction's sender,
        "checkRevokedStatus",  # and the app's revocation list does not list it.
    } <= checked
    assert results[1]["status"] == "failure"
    assert failed_steps(results[1]) == ["compareHashes"]
    assert results[2]["status"] == "failure"
    assert failed_steps(results[2]) == ["checkRevokedStatus"]
