"""SHA-256 Merkle trees over certificate content hashes.

A batch of certificates is anchored by writing one 32-byte Merkle root on chain; each
certificate keeps the short path (its proof) from its own hash up to that root.

The rules (also in docs/proof-format.md, and copied on purpose into certificates/proofcheck.py):

- A content hash is the hex SHA-256 of the certificate's canonical JSON (certificates/hashing.py).
- Leaf:  ``leaf = sha256(0x00 || content_hash_bytes)``.
- Node:  ``node = sha256(0x01 || left || right)``.
  The distinct prefixes (domain separation) stop an inner node from being passed off as a leaf.
- Levels are built left to right in pairs. An odd node at the end of a level is *promoted*
  unchanged to the next level (not duplicated), so no two different leaf lists share a root
  the way Bitcoin's duplicate-last rule allows (CVE-2012-2459). A promoted node adds no step
  to the proofs beneath it.
- A one-leaf tree's root is that leaf's hash.
- A proof is a list of steps from the leaf upwards, ``[{"position": "left"|"right", "hash": hex}]``;
  ``position`` says where the *sibling* sits: "left" means ``node = H(0x01 || sibling || current)``.
- Every hex string is lower-case, 64 characters, without a ``0x`` prefix; inputs with upper
  case or a ``0x`` prefix are accepted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def _to_bytes(hex_hash: str) -> bytes:
    value = bytes.fromhex(hex_hash.removeprefix("0x").removeprefix("0X"))
    if len(value) != 32:
        raise ValueError(f"expected a 32-byte SHA-256 hash, got {len(value)} bytes")
    return value


def leaf_hash(content_hash: str) -> str:
    """The leaf node for a certificate's content hash."""
    return hashlib.sha256(LEAF_PREFIX + _to_bytes(content_hash)).hexdigest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


@dataclass(frozen=True)
class MerkleTree:
    """All levels of the tree, leaves first; `levels[-1]` holds the root alone."""

    levels: tuple[tuple[bytes, ...], ...]

    @property
    def root(self) -> str:
        return self.levels[-1][0].hex()

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def leaf(self, index: int) -> str:
        return self.levels[0][index].hex()

    def proof(self, index: int) -> list[dict[str, str]]:
        """The sibling path from leaf `index` to the root."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf index {index} out of range for {self.size} leaves")
        steps = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):  # else this node is promoted: no step at this level
                position = "left" if sibling < index else "right"
                steps.append({"position": position, "hash": level[sibling].hex()})
            index //= 2
        return steps

    def proofs(self) -> list[list[dict[str, str]]]:
        return [self.proof(i) for i in range(self.size)]


def build_tree(leaf_hashes: list[str]) -> MerkleTree:
    """Build the tree over content hashes (hex), in the given order."""
    if not leaf_hashes:
        raise ValueError("cannot build a Merkle tree over no hashes")
    level = tuple(hashlib.sha256(LEAF_PREFIX + _to_bytes(h)).digest() for h in leaf_hashes)
    levels = [level]
    while len(level) > 1:
        pairs = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            pairs.append(level[-1])
        level = tuple(pairs)
        levels.append(level)
    return MerkleTree(tuple(levels))


def root_from_proof(content_hash: str, proof: list[dict[str, str]]) -> str:
    """Walk `proof` up from a content hash; raises ValueError on a malformed proof."""
    current = hashlib.sha256(LEAF_PREFIX + _to_bytes(content_hash)).digest()
    for step in proof:
        sibling = _to_bytes(step["hash"])
        if step["position"] == "left":
            current = _node(sibling, current)
        elif step["position"] == "right":
            current = _node(current, sibling)
        else:
            raise ValueError(f"proof position must be 'left' or 'right', not {step['position']!r}")
    return current.hex()


def verify_proof(content_hash: str, proof: list[dict[str, str]], root: str) -> bool:
    """True when `proof` leads from `content_hash` to `root`; False for any mismatch or bad input."""
    try:
        return root_from_proof(content_hash, proof) == _to_bytes(root).hex()
    except (ValueError, KeyError, TypeError, AttributeError):
        return False
