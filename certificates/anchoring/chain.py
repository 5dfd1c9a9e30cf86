"""The one client for the blockchain that Merkle roots are anchored on.

A root is anchored as a 0-value EIP-1559 transaction from our account to itself whose `data`
is exactly the 32 root bytes. The API is sign-then-broadcast so that the anchoring service can
store the signed transaction (and its hash) before sending it, and after a crash re-send the
very same bytes: `broadcast` treats "already known" and "nonce already used by this very
transaction" as success. A stuck transaction is re-priced by signing again with the same nonce
and a higher `fee_multiplier` (or `replacing=` the old one); whichever of the two is mined, the
nonce guarantees only one of them can be.

Backends, chosen by settings only:
- `CHAIN_RPC_URL` empty: an in-process eth-tester chain (auto-mining, fresh per process, our key
  funded from the tester's prefunded account, the same genesis in every process). Anchors on it
  vanish when the process exits; with `CHAIN_EMBEDDED_REPLAY` the next process re-sends them.
- `CHAIN_RPC_URL` set: any EVM JSON-RPC endpoint, signing locally with `CHAIN_PRIVATE_KEY`
  (without a key the client can read but not sign).
- `CHAIN_RPC_URL_SECONDARY` set: `get_transaction_data` and `confirmations` ask both endpoints
  and raise `ChainError` when they disagree (a lagging or lying node).

Every RPC failure surfaces as `ChainError` with a message; RPC URLs are shown by host only,
because provider URLs often embed an API key.

Why one file of ~500 lines: this is the one client module for an external system (STYLE.md), and
almost all of it is the ChainClient class, whose sign, broadcast and confirm steps share the nonce
and "already known" rules above; split, those rules would be read in three places.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_account.typed_transactions import TypedTransaction
from eth_tester import EthereumTester, PyEVMBackend
from eth_utils import keccak
from hexbytes import HexBytes
from web3 import EthereumTesterProvider, Web3
from web3.exceptions import TransactionNotFound
from web3.providers.rpc.utils import ExceptionRetryConfiguration

logger = logging.getLogger(__name__)

# geth refuses a same-nonce replacement unless both fees rise by at least 10 %.
REPLACEMENT_BUMP = 1.125
DEFAULT_PRIORITY_FEE = 10**9  # 1 gwei, when the node cannot suggest one
GAS_MARGIN = 1.1
TESTER_FUNDING_WEI = 100 * 10**18
ALREADY_KNOWN_MARKERS = ("already known", "already imported", "known transaction")
# A fixed genesis time gives the embedded chain the same genesis hash in every process, so the
# signed transactions one process stored can be re-sent in another (certificates/anchoring/embedded.py).
EMBEDDED_GENESIS_TIMESTAMP = 1_767_225_600  # 2026-01-01T00:00:00Z


class ChainError(Exception):
    """Any failure talking to the chain, with a message fit for logs and operators."""


class NonceAlreadyUsedError(ChainError):
    """A different transaction with this nonce is already mined: this one can never be.

    For the anchoring service this means "too late to re-price": look up which of the
    transactions signed with that nonce was mined (`get_receipt` on each stored hash).
    """


@dataclass(frozen=True)
class SignedRootTx:
    raw_tx_hex: str
    tx_hash: str
    nonce: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    gas: int

    @classmethod
    def from_raw(cls, raw_tx_hex: str) -> SignedRootTx:
        """Rebuild the record from the stored raw transaction (e.g. before re-pricing it)."""
        raw = _hex_to_bytes(raw_tx_hex)
        tx = _decode_tx(raw)
        return cls(
            raw_tx_hex="0x" + raw.hex(),
            tx_hash="0x" + keccak(raw).hex(),
            nonce=tx["nonce"],
            max_fee_per_gas=tx["maxFeePerGas"],
            max_priority_fee_per_gas=tx["maxPriorityFeePerGas"],
            gas=tx["gas"],
        )


@dataclass(frozen=True)
class Receipt:
    tx_hash: str
    block_number: int
    block_hash: str
    status: Literal["ok", "failed"]
    gas_used: int

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _hex_to_bytes(value: str) -> bytes:
    try:
        return bytes.fromhex(value.removeprefix("0x").removeprefix("0X"))
    except (ValueError, AttributeError) as exc:
        raise ChainError(f"not a hex string: {value!r}") from exc


def _decode_tx(raw: bytes) -> dict:
    try:
        return TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
    except Exception as exc:
        raise ChainError(f"not a signed EIP-1559 transaction: {exc}") from exc


def _tx_hash_hex(tx_hash: str | bytes) -> str:
    if isinstance(tx_hash, bytes):
        tx_hash = tx_hash.hex()
    raw = _hex_to_bytes(tx_hash)
    if len(raw) != 32:
        raise ChainError(f"a transaction hash is 32 bytes, got {len(raw)}: {tx_hash!r}")
    return "0x" + raw.hex()


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


def _calldata_gas(data: bytes) -> int:
    """Intrinsic gas of a plain transfer carrying `data`, including the EIP-7623 calldata floor."""
    zeros = data.count(0)
    nonzeros = len(data) - zeros
    standard = 21_000 + 4 * zeros + 16 * nonzeros
    floor = 21_000 + 10 * (zeros + 4 * nonzeros)
    return max(standard, floor)


class ChainClient:
    def __init__(
        self,
        w3: Web3,
        private_key: str | bytes | None,
        *,
        secondary: Web3 | None = None,
        label: str = "chain",
        secondary_label: str = "secondary chain",
    ) -> None:
        self.w3 = w3
        self.account: LocalAccount | None = Account.from_key(private_key) if private_key else None
        self.secondary = secondary
        self.label = label
        self.secondary_label = secondary_label
        # eth-tester is not thread-safe; HTTP endpoints are, and must not queue behind a slow call.
        self._lock = threading.RLock() if isinstance(w3.provider, EthereumTesterProvider) else nullcontext()
        self._chain_id: int | None = None
        self._genesis_hash: str | None = None
        self._secondary_checked = False
        self._urls: list[str] = []  # scrubbed from error messages

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def embedded(cls, private_key: str | None = None) -> ChainClient:
        """A fresh in-process chain; our account (given key or a new one) is funded on it."""
        genesis = PyEVMBackend.generate_genesis_params(overrides={"timestamp": EMBEDDED_GENESIS_TIMESTAMP})
        w3 = Web3(EthereumTesterProvider(EthereumTester(PyEVMBackend(genesis_parameters=genesis))))
        client = cls(w3, private_key or Account.create().key, label="embedded eth-tester chain")
        with client._rpc("funding the anchoring account on the embedded chain"):
            funder = w3.eth.accounts[0]
            tx_hash = w3.eth.send_transaction(
                {"from": funder, "to": client.address, "value": TESTER_FUNDING_WEI}
            )
            w3.eth.wait_for_transaction_receipt(tx_hash)
        return client

    @classmethod
    def from_rpc(
        cls, rpc_url: str, private_key: str | None, *, secondary_url: str = "", timeout: float = 10.0
    ) -> ChainClient:
        def connect(url: str) -> Web3:
            retries = ExceptionRetryConfiguration(
                errors=(ConnectionError, requests.ConnectionError, requests.HTTPError), retries=2
            )
            return Web3(
                Web3.HTTPProvider(
                    url, request_kwargs={"timeout": timeout}, exception_retry_configuration=retries
                )
            )

        client = cls(
            connect(rpc_url),
            private_key,
            secondary=connect(secondary_url) if secondary_url else None,
            label=_redacted(rpc_url),
            secondary_label=_redacted(secondary_url) if secondary_url else "",
        )
        client._urls = [url for url in (rpc_url, secondary_url) if url]
        return client

    # -- plumbing --------------------------------------------------------------------------------

    @contextmanager
    def _rpc(self, what: str, label: str | None = None) -> Iterator[None]:
        try:
            with self._lock:
                yield
        except ChainError:
            raise
        except Exception as exc:
            raise ChainError(f"{what} failed on {label or self.label}: {self._scrub(str(exc))}") from exc

    def _scrub(self, message: str) -> str:
        """Drop URL paths, queries and credentials (where providers put API keys) from a message."""
        for url in self._urls:
            parts = urlsplit(url)
            message = message.replace(url, _redacted(url))
            for secret in (parts.path + (f"?{parts.query}" if parts.query else ""), parts.netloc):
                if secret and secret not in ("/", parts.hostname, f"{parts.hostname}:{parts.port}"):
                    message = message.replace(secret, "<redacted>")
        return message

    @property
    def is_tester(self) -> bool:
        return isinstance(self.w3.provider, EthereumTesterProvider)

    @property
    def address(self) -> str:
        if self.account is None:
            raise ChainError("no signing key is configured (set CHAIN_PRIVATE_KEY to anchor on this chain)")
        return self.account.address

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            with self._rpc("reading the chain id"):
                self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    @property
    def genesis_hash(self) -> str:
        if self._genesis_hash is None:
            with self._rpc("reading the genesis block"):
                self._genesis_hash = self.w3.to_hex(self.w3.eth.get_block(0)["hash"])
        return self._genesis_hash

    def head(self) -> int:
        with self._rpc("reading the latest block number"):
            return int(self.w3.eth.block_number)

    # -- writing ---------------------------------------------------------------------------------

    def next_nonce(self) -> int:
        """The nonce the next transaction of our account should use (counting pending ones)."""
        address = self.address
        with self._rpc("reading the account nonce"):
            return int(self.w3.eth.get_transaction_count(address, "pending"))

    def sign_root_tx(
        self,
        root_hex: str,
        *,
        nonce: int,
        fee_multiplier: float = 1.0,
        replacing: SignedRootTx | None = None,
    ) -> SignedRootTx:
        """Sign (without sending) the transaction that anchors `root_hex` with `nonce`.

        Fees: max priority fee = the node's suggestion, max fee = 2 x latest base fee + priority,
        both times `fee_multiplier`. With `replacing`, both are also raised at least 12.5 % over
        the replaced transaction's, so nodes accept it as a replacement for the same nonce.
        """
        root = _hex_to_bytes(root_hex)
        if len(root) != 32:
            raise ChainError(f"a Merkle root is 32 bytes, got {len(root)}")
        if fee_multiplier <= 0:
            raise ChainError("fee_multiplier must be positive")
        address = self.address
        base_fee, priority_fee = self._fee_quote()
        priority_fee = math.ceil(priority_fee * fee_multiplier)
        max_fee = math.ceil((2 * base_fee) * fee_multiplier) + priority_fee
        if replacing is not None:
            priority_fee = max(priority_fee, math.ceil(replacing.max_priority_fee_per_gas * REPLACEMENT_BUMP))
            max_fee = max(max_fee, math.ceil(replacing.max_fee_per_gas * REPLACEMENT_BUMP), priority_fee)
        tx = {"from": address, "to": address, "value": 0, "data": root}
        # Estimated without the nonce, so a replacement can be signed even after the nonce was used.
        with self._rpc("estimating gas for the anchor transaction"):
            estimate = int(self.w3.eth.estimate_gas(tx))
        gas = math.ceil(max(estimate, _calldata_gas(root)) * GAS_MARGIN)
        del tx["from"]
        tx.update(
            type=2,
            nonce=nonce,
            chainId=self.chain_id,
            gas=gas,
            maxFeePerGas=max_fee,
            maxPriorityFeePerGas=priority_fee,
        )
        signed = self.account.sign_transaction(tx)
        return SignedRootTx(
            raw_tx_hex="0x" + bytes(signed.raw_transaction).hex(),
            tx_hash="0x" + bytes(signed.hash).hex(),
            nonce=nonce,
            max_fee_per_gas=max_fee,
            max_priority_fee_per_gas=priority_fee,
            gas=gas,
        )

    def _fee_quote(self) -> tuple[int, int]:
        with self._rpc("reading the latest base fee"):
            block = self.w3.eth.get_block("latest")
        base_fee = int(block.get("baseFeePerGas") or 0)
        try:
            with self._rpc("reading the suggested priority fee"):
                priority_fee = int(self.w3.eth.max_priority_fee)
        except ChainError:
            priority_fee = DEFAULT_PRIORITY_FEE
        return base_fee, max(priority_fee, 1)

    def broadcast(self, raw_tx_hex: str) -> str:
        """Send a signed transaction; returns its hash. Safe to call again with the same bytes."""
        raw = _hex_to_bytes(raw_tx_hex)
        tx_hash = "0x" + keccak(raw).hex()
        try:
            with self._rpc(f"broadcasting transaction {tx_hash}"):
                self.w3.eth.send_raw_transaction(raw)
            return tx_hash
        except ChainError as exc:
            if any(marker in str(exc).lower() for marker in ALREADY_KNOWN_MARKERS) or self._is_known(tx_hash):
                return tx_hash
            if self._nonce_used(raw):
                raise NonceAlreadyUsedError(
                    f"transaction {tx_hash} can never be mined: another transaction with its nonce is "
                    f"already on {self.label}"
                ) from exc
            raise

    def _is_known(self, tx_hash: str) -> bool:
        try:
            with self._rpc(f"looking up transaction {tx_hash}"):
                self.w3.eth.get_transaction(tx_hash)
            return True
        except ChainError:
            return False

    def _nonce_used(self, raw: bytes) -> bool:
        """Whether a mined transaction already consumed this one's nonce (False if we cannot tell)."""
        try:
            sender = Account.recover_transaction(raw)
            with self._rpc("reading the mined nonce"):
                mined_nonce = int(self.w3.eth.get_transaction_count(sender, "latest"))
        except Exception:
            logger.warning("chain: cannot tell whether a stored transaction's nonce is used", exc_info=True)
            return False
        return _decode_tx(raw)["nonce"] < mined_nonce

    def send_root(self, root_hex: str) -> SignedRootTx:
        """Sign and broadcast in one go (scripts, tests, the bench; the service stores in between)."""
        signed = self.sign_root_tx(root_hex, nonce=self.next_nonce())
        self.broadcast(signed.raw_tx_hex)
        return signed

    # -- reading ---------------------------------------------------------------------------------

    def get_transaction_data(self, tx_hash: str | bytes) -> bytes | None:
        """The `data` (input) of a transaction, or None when the chain does not know it."""
        tx_hash = _tx_hash_hex(tx_hash)
        data = self._tx_data(self.w3, tx_hash, self.label)
        if self.secondary is not None:
            self._check_secondary_chain()
            other = self._tx_data(self.secondary, tx_hash, self.secondary_label)
            if other != data:
                raise ChainError(
                    f"the RPC endpoints disagree about transaction {tx_hash}: {self.label} returns "
                    f"{_describe(data)}, {self.secondary_label} returns {_describe(other)}"
                )
        return data

    def _tx_data(self, w3: Web3, tx_hash: str, label: str) -> bytes | None:
        try:
            with self._rpc(f"fetching transaction {tx_hash}", label):
                return bytes(w3.eth.get_transaction(tx_hash)["input"])
        except ChainError as exc:
            if isinstance(exc.__cause__, TransactionNotFound):
                return None
            raise

    def get_receipt(self, tx_hash: str | bytes) -> Receipt | None:
        """The receipt once the transaction is mined, else None."""
        return self._receipt(self.w3, _tx_hash_hex(tx_hash), self.label)

    def _receipt(self, w3: Web3, tx_hash: str, label: str) -> Receipt | None:
        try:
            with self._rpc(f"fetching the receipt of {tx_hash}", label):
                receipt = w3.eth.get_transaction_receipt(tx_hash)
        except ChainError as exc:
            if isinstance(exc.__cause__, TransactionNotFound):
                return None
            raise
        if receipt.get("blockNumber") is None:
            return None
        return Receipt(
            tx_hash=tx_hash,
            block_number=int(receipt["blockNumber"]),
            block_hash=w3.to_hex(receipt["blockHash"]),
            status="ok" if receipt["status"] == 1 else "failed",
            gas_used=int(receipt["gasUsed"]),
        )

    def confirmations(self, tx_hash: str | bytes) -> int:
        """Blocks on top of (and including) the transaction's block; 0 while it is not mined."""
        tx_hash = _tx_hash_hex(tx_hash)
        count, receipt = self._confirmations(self.w3, tx_hash, self.label)
        if self.secondary is None:
            return count
        self._check_secondary_chain()
        other_count, other = self._confirmations(self.secondary, tx_hash, self.secondary_label)
        if (receipt and receipt.block_hash) != (other and other.block_hash):
            raise ChainError(
                f"the RPC endpoints disagree about where transaction {tx_hash} is: {self.label} says "
                f"{_where(receipt)}, {self.secondary_label} says {_where(other)} (a lagging node or a "
                "chain reorganisation; try again later)"
            )
        return min(count, other_count)

    def _confirmations(self, w3: Web3, tx_hash: str, label: str) -> tuple[int, Receipt | None]:
        receipt = self._receipt(w3, tx_hash, label)
        if receipt is None:
            return 0, None
        with self._rpc("reading the latest block number", label):
            head = int(w3.eth.block_number)
        return max(0, head - receipt.block_number + 1), receipt

    def _check_secondary_chain(self) -> None:
        if self._secondary_checked:
            return
        with self._rpc("reading the chain id", self.secondary_label):
            other = int(self.secondary.eth.chain_id)
        if other != self.chain_id:
            raise ChainError(
                f"{self.secondary_label} serves chain id {other} but {self.label} serves {self.chain_id}"
            )
        self._secondary_checked = True

    # -- test chains -----------------------------------------------------------------------------

    def mine(self, n: int = 1) -> None:
        """Mine `n` empty blocks: only on the embedded chain (or a local anvil node)."""
        if self.is_tester:
            with self._rpc("mining blocks"):
                self.w3.testing.mine(n)
            return
        with self._rpc("mining blocks (anvil_mine; only local development nodes support it)"):
            response = self.w3.provider.make_request("anvil_mine", [hex(n)])
            if "error" in response:
                raise ChainError(f"{self.label} cannot mine on demand: {response['error']}")


def _describe(data: bytes | None) -> str:
    return "no such transaction" if data is None else f"data 0x{data.hex()}"


def _where(receipt: Receipt | None) -> str:
    return "not mined" if receipt is None else f"block {receipt.block_number} ({receipt.block_hash})"


_client: ChainClient | None = None
_client_lock = threading.Lock()


def _client_from_settings() -> ChainClient:
    from django.conf import settings

    if not settings.CHAIN_RPC_URL:
        if settings.CHAIN_RPC_URL_SECONDARY:
            raise ChainError(
                "CHAIN_RPC_URL_SECONDARY is set but CHAIN_RPC_URL is not (nothing to cross-check)"
            )
        client = ChainClient.embedded(settings.CHAIN_PRIVATE_KEY or None)
        if settings.CHAIN_EMBEDDED_REPLAY:
            from certificates.anchoring.embedded import replay_stored_anchors

            replay_stored_anchors(client)
        return client
    return ChainClient.from_rpc(
        settings.CHAIN_RPC_URL,
        settings.CHAIN_PRIVATE_KEY or None,
        secondary_url=settings.CHAIN_RPC_URL_SECONDARY,
    )


def get_chain_client() -> ChainClient:
    """The process-wide client, built from settings on first use."""
    global _client
    with _client_lock:
        if _client is None:
            _client = _client_from_settings()
        return _client


def reset_chain_client(client: ChainClient | None = None) -> None:
    """Forget the process-wide client (tests), or install `client` as it."""
    global _client
    with _client_lock:
        _client = client
