"""The chain client against a real in-process chain (eth-tester + py-evm), no mocks."""

import hashlib

import pytest
from eth_account import Account

from certificates.anchoring.chain import (
    REPLACEMENT_BUMP,
    ChainClient,
    ChainError,
    NonceAlreadyUsedError,
    SignedRootTx,
    get_chain_client,
    reset_chain_client,
)
from tests.net import free_port


@pytest.fixture(scope="module")
def client():
    return ChainClient.embedded()


def a_root(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def test_embedded_chain_reports_its_identity(client):
    assert client.chain_id == client.w3.eth.chain_id
    assert client.genesis_hash.startswith("0x") and len(client.genesis_hash) == 66
    assert client.w3.eth.get_balance(client.address) > 0


def test_signed_root_is_written_as_transaction_data_and_reads_back_exactly(client):
    root = a_root("batch-1")
    signed = client.sign_root_tx(root, nonce=client.next_nonce())

    assert client.broadcast(signed.raw_tx_hex) == signed.tx_hash
    assert client.get_transaction_data(signed.tx_hash) == bytes.fromhex(root)
    tx = client.w3.eth.get_transaction(signed.tx_hash)
    assert tx["to"] == client.address and tx["value"] == 0
    receipt = client.get_receipt(signed.tx_hash)
    assert receipt.ok and receipt.gas_used <= signed.gas


def test_signing_alone_sends_nothing(client):
    nonce = client.next_nonce()
    signed = client.sign_root_tx(a_root("unsent"), nonce=nonce)
    assert client.next_nonce() == nonce
    assert client.get_transaction_data(signed.tx_hash) is None


def test_broadcasting_the_same_raw_tx_twice_creates_one_transaction(client):
    nonce = client.next_nonce()
    signed = client.sign_root_tx(a_root("batch-2"), nonce=nonce)

    first = client.broadcast(signed.raw_tx_hex)
    second = client.broadcast(signed.raw_tx_hex)  # e.g. re-sent after a crash

    assert first == second == signed.tx_hash
    assert client.next_nonce() == nonce + 1
    block = client.w3.eth.get_block(client.get_receipt(signed.tx_hash).block_number, full_transactions=True)
    assert [client.w3.to_hex(tx["hash"]) for tx in block["transactions"]] == [signed.tx_hash]


def test_confirmations_grow_as_blocks_are_mined(client):
    signed = client.send_root(a_root("batch-3"))
    assert client.confirmations(signed.tx_hash) == 1  # auto-mined into the head block

    client.mine(3)

    assert client.confirmations(signed.tx_hash) == 4
    assert client.head() == client.get_receipt(signed.tx_hash).block_number + 3


def test_unknown_transaction_has_no_data_no_receipt_and_no_confirmations(client):
    unknown = "0x" + "11" * 32
    assert client.get_transaction_data(unknown) is None
    assert client.get_receipt(unknown) is None
    assert client.confirmations(unknown) == 0


def test_repricing_after_the_first_is_mined_is_refused_and_does_not_anchor_twice(client):
    # eth-tester mines on submission, so the stuck-transaction case cannot arise here: the
    # re-priced transaction must be recognised as impossible, not sent as a second anchor.
    root = a_root("batch-4")
    original = client.send_root(root)
    nonce_after = client.next_nonce()
    repriced = client.sign_root_tx(root, nonce=original.nonce, fee_multiplier=2.0, replacing=original)

    with pytest.raises(NonceAlreadyUsedError, match="can never be mined"):
        client.broadcast(repriced.raw_tx_hex)

    assert repriced.tx_hash != original.tx_hash
    assert client.get_receipt(repriced.tx_hash) is None
    assert client.get_receipt(original.tx_hash).ok
    assert client.next_nonce() == nonce_after


def test_repricing_raises_both_fees_at_least_the_replacement_bump(client):
    nonce = client.next_nonce()
    original = client.sign_root_tx(a_root("batch-5"), nonce=nonce)
    repriced = client.sign_root_tx(a_root("batch-5"), nonce=nonce, replacing=original)

    assert repriced.nonce == original.nonce
    assert repriced.max_priority_fee_per_gas >= original.max_priority_fee_per_gas * REPLACEMENT_BUMP
    assert repriced.max_fee_per_gas >= original.max_fee_per_gas * REPLACEMENT_BUMP
    assert repriced.max_fee_per_gas >= repriced.max_priority_fee_per_gas


def test_fee_multiplier_scales_the_fees(client):
    nonce = client.next_nonce()
    normal = client.sign_root_tx(a_root("batch-6"), nonce=nonce)
    doubled = client.sign_root_tx(a_root("batch-6"), nonce=nonce, fee_multiplier=2.0)

    assert doubled.max_priority_fee_per_gas == 2 * normal.max_priority_fee_per_gas
    assert doubled.max_fee_per_gas >= 2 * normal.max_fee_per_gas - 1


def test_signed_transaction_is_rebuilt_from_its_stored_raw_bytes(client):
    signed = client.sign_root_tx(a_root("batch-7"), nonce=client.next_nonce())
    assert SignedRootTx.from_raw(signed.raw_tx_hex) == signed


def test_root_must_be_32_bytes(client):
    with pytest.raises(ChainError, match="32 bytes"):
        client.sign_root_tx("ab" * 20, nonce=0)


def test_client_without_a_key_reads_but_cannot_sign(client):
    signed = client.send_root(a_root("batch-8"))
    reader = ChainClient(client.w3, None)

    assert reader.get_transaction_data(signed.tx_hash) == bytes.fromhex(a_root("batch-8"))
    with pytest.raises(ChainError, match="CHAIN_PRIVATE_KEY"):
        reader.sign_root_tx(a_root("batch-8"), nonce=0)


def test_secondary_endpoint_that_agrees_is_transparent(client):
    signed = client.send_root(a_root("batch-9"))
    checked = ChainClient(client.w3, None, secondary=client.w3)

    assert checked.get_transaction_data(signed.tx_hash) == bytes.fromhex(a_root("batch-9"))
    assert checked.confirmations(signed.tx_hash) == 1


def test_secondary_endpoint_that_disagrees_raises_a_clear_error(client):
    signed = client.send_root(a_root("batch-10"))
    other_chain = ChainClient.embedded()  # same chain id, but it never saw our transaction
    checked = ChainClient(client.w3, None, secondary=other_chain.w3, secondary_label="backup node")

    with pytest.raises(
        ChainError, match="disagree about transaction .* backup node returns no such transaction"
    ):
        checked.get_transaction_data(signed.tx_hash)
    with pytest.raises(ChainError, match="disagree about where transaction .* backup node says not mined"):
        checked.confirmations(signed.tx_hash)


def test_unreachable_endpoint_becomes_chain_error_without_leaking_the_url_path():
    url = f"http://user:pa55word@127.0.0.1:{free_port()}/v3/sekrit-api-key?token=t0ken"
    unreachable = ChainClient.from_rpc(url, Account.create().key.hex(), timeout=2)

    with pytest.raises(ChainError) as excinfo:
        _ = unreachable.chain_id
    assert "reading the chain id failed on http://127.0.0.1:" in str(excinfo.value)
    for secret in ("sekrit", "pa55word", "t0ken"):
        assert secret not in str(excinfo.value)
    with pytest.raises(ChainError):
        unreachable.broadcast("0x02f8")


def test_mining_on_demand_is_refused_on_a_non_development_node():
    unreachable = ChainClient.from_rpc(f"http://127.0.0.1:{free_port()}", None, timeout=2)
    with pytest.raises(ChainError, match="mining"):
        unreachable.mine(1)


@pytest.fixture
def fresh_singleton():
    reset_chain_client()
    yield
    reset_chain_client()


def test_chain_client_is_one_per_process_and_embedded_by_default(settings, fresh_singleton):
    settings.CHAIN_RPC_URL = ""
    settings.CHAIN_RPC_URL_SECONDARY = ""
    settings.CHAIN_PRIVATE_KEY = ""

    first = get_chain_client()

    assert first is get_chain_client()
    assert first.is_tester
    reset_chain_client()
    assert get_chain_client() is not first


def test_configured_key_signs_on_the_embedded_chain(settings, fresh_singleton):
    key = Account.create()
    settings.CHAIN_RPC_URL = ""
    settings.CHAIN_RPC_URL_SECONDARY = ""
    settings.CHAIN_PRIVATE_KEY = key.key.hex()

    assert get_chain_client().address == key.address


def test_rpc_url_setting_selects_an_http_endpoint(settings, fresh_singleton):
    settings.CHAIN_RPC_URL = "http://127.0.0.1:8545"
    settings.CHAIN_RPC_URL_SECONDARY = ""
    settings.CHAIN_PRIVATE_KEY = ""

    client = get_chain_client()

    assert not client.is_tester
    assert client.label == "http://127.0.0.1:8545"


def test_secondary_endpoint_without_a_primary_is_a_configuration_error(settings, fresh_singleton):
    settings.CHAIN_RPC_URL = ""
    settings.CHAIN_RPC_URL_SECONDARY = "http://127.0.0.1:8546"

    with pytest.raises(ChainError, match="CHAIN_RPC_URL_SECONDARY"):
        get_chain_client()
