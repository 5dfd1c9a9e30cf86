"""Anchoring on a real JSON-RPC node (anvil, from npm) and checking the proof with `manage.py verify_proof`.

The signing key is generated here and funded with anvil's `anvil_setBalance`, so no key is kept
in the repository. Skipped when npx is missing or anvil cannot start (e.g. no npm registry).
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3

from certificates.anchoring.chain import (
    ChainClient,
    NonceAlreadyUsedError,
    get_chain_client,
    reset_chain_client,
)
from certificates.anchoring.merkle import build_tree
from certificates.anchoring.proofcheck import FORMAT
from tests.net import free_port

pytestmark = pytest.mark.anvil

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ANVIL_START_TIMEOUT = 180  # the first run downloads the package


@pytest.fixture(scope="module")
def anvil_url(tmp_path_factory):
    if shutil.which("npx") is None:
        pytest.skip("npx is not installed, so a local anvil node cannot be started")
    port = free_port()
    log = (tmp_path_factory.mktemp("anvil") / "anvil.log").open("w+")
    process = subprocess.Popen(
        ["npx", "--yes", "@foundry-rs/anvil", "--port", str(port), "--silent"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_node(url, process, log)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def wait_for_node(url: str, process: subprocess.Popen, log) -> None:
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 2}))
    deadline = time.monotonic() + ANVIL_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            pytest.skip(f"anvil could not start (npx exited with {process.returncode}): {log.read()[-500:]}")
        try:
            if w3.eth.chain_id:
                return
        except Exception:
            time.sleep(0.5)
    pytest.skip(f"anvil did not answer on {url} within {ANVIL_START_TIMEOUT} s")


def rpc(url: str, method: str, *params):
    response = Web3(Web3.HTTPProvider(url)).provider.make_request(method, list(params))
    assert "error" not in response, response
    return response["result"]


@pytest.fixture
def client(anvil_url, settings):
    account = Account.create()
    rpc(anvil_url, "anvil_setBalance", account.address, hex(10**18))
    settings.CHAIN_RPC_URL = anvil_url
    settings.CHAIN_RPC_URL_SECONDARY = ""
    settings.CHAIN_PRIVATE_KEY = account.key.hex()
    reset_chain_client()
    yield get_chain_client()
    reset_chain_client()


def certificate(i: int) -> dict:
    return {
        "v": 1,
        "credential_id": f"CV-TEST-0000-0000-000{i}-X",
        "organization": "north-institute",
        "recipient_name": f"Alan Turing {i}",
        "recipient_email": None,
        "title": "PhD Mathematics",
        "issue_date": "1938-06-01",
        "expiry_date": None,
        "grade": None,
        "metadata": {"thesis": "Systems of Logic Based on Ordinals"},
    }


def canonical_hash(fields: dict) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(canonical).hexdigest()


def anchored_bundle(client: ChainClient, index: int = 1) -> dict:
    fields = [certificate(i) for i in range(3)]
    hashes = [canonical_hash(f) for f in fields]
    tree = build_tree(hashes)
    signed = client.send_root(tree.root)
    receipt = wait_for_receipt(client, signed.tx_hash)
    return {
        "format": FORMAT,
        "certificate": fields[index],
        "content_hash": hashes[index],
        "merkle": {
            "algorithm": "sha256",
            "leaf": tree.leaf(index),
            "proof": tree.proof(index),
            "root": tree.root,
        },
        "anchor": {
            "chain_id": client.chain_id,
            "genesis_hash": client.genesis_hash,
            "tx_hash": signed.tx_hash,
            "block_number": receipt.block_number,
        },
        "issuer": {"slug": "north-institute", "name": "North Institute", "key_id": "k1"},
    }


def wait_for_receipt(client: ChainClient, tx_hash: str):
    for _ in range(100):  # anvil auto-mines asynchronously
        receipt = client.get_receipt(tx_hash)
        if receipt:
            return receipt
        time.sleep(0.05)
    raise AssertionError(f"{tx_hash} was not mined")


def verify_proof_command(bundle: dict, path: Path, rpc_url: str) -> subprocess.CompletedProcess:
    path.write_text(json.dumps(bundle))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    return subprocess.run(
        [sys.executable, "manage.py", "verify_proof", str(path), "--rpc", rpc_url],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_root_anchored_on_anvil_reads_back_exactly(client):
    tree = build_tree([canonical_hash(certificate(i)) for i in range(2)])

    signed = client.send_root(tree.root)
    wait_for_receipt(client, signed.tx_hash)

    assert client.chain_id == 31337
    assert client.get_transaction_data(signed.tx_hash) == bytes.fromhex(tree.root)
    assert client.confirmations(signed.tx_hash) >= 1


def test_verify_proof_command_accepts_an_anchored_bundle_and_rejects_a_tampered_one(
    client, anvil_url, tmp_path
):
    bundle = anchored_bundle(client)

    genuine = verify_proof_command(bundle, tmp_path / "genuine.json", anvil_url)
    bundle["certificate"]["title"] = "PhD Physics"
    tampered = verify_proof_command(bundle, tmp_path / "tampered.json", anvil_url)

    assert genuine.returncode == 0, genuine.stdout + genuine.stderr
    assert "[PASS] transaction" in genuine.stdout and "VALID" in genuine.stdout
    assert tampered.returncode == 1
    assert "[FAIL] content_hash" in tampered.stdout


def test_stuck_transaction_is_replaced_by_a_repriced_one_with_the_same_nonce(client, anvil_url):
    rpc(anvil_url, "evm_setAutomine", False)
    try:
        root = canonical_hash(certificate(7))
        nonce = client.next_nonce()
        stuck = client.sign_root_tx(root, nonce=nonce)
        client.broadcast(stuck.raw_tx_hex)
        assert client.broadcast(stuck.raw_tx_hex) == stuck.tx_hash  # "already imported" is success

        repriced = client.sign_root_tx(root, nonce=nonce, fee_multiplier=1.5, replacing=stuck)
        assert client.broadcast(repriced.raw_tx_hex) == repriced.tx_hash
        client.mine(1)
    finally:
        rpc(anvil_url, "evm_setAutomine", True)

    assert client.get_receipt(repriced.tx_hash).ok
    assert client.get_receipt(stuck.tx_hash) is None
    assert client.next_nonce() == nonce + 1
    with pytest.raises(NonceAlreadyUsedError):
        client.broadcast(stuck.raw_tx_hex)
