import hashlib
import time

import pytest

from certificates.anchoring.merkle import build_tree, leaf_hash, root_from_proof, verify_proof


def content_hashes(n: int) -> list[str]:
    return [hashlib.sha256(f"certificate-{i}".encode()).hexdigest() for i in range(n)]


def flip_hex(value: str) -> str:
    return ("1" if value[0] == "0" else "0") + value[1:]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 1000])
def test_every_leaf_proof_verifies_against_the_root(size):
    hashes = content_hashes(size)
    tree = build_tree(hashes)
    for index, content_hash in enumerate(hashes):
        assert verify_proof(content_hash, tree.proof(index), tree.root)


def test_single_leaf_tree_root_is_the_leaf_and_proof_is_empty():
    [content_hash] = content_hashes(1)
    tree = build_tree([content_hash])
    assert tree.root == leaf_hash(content_hash)
    assert tree.proof(0) == []


def test_leaf_and_node_hashes_are_domain_separated():
    a, b = content_hashes(2)
    tree = build_tree([a, b])
    expected_leaf_a = hashlib.sha256(b"\x00" + bytes.fromhex(a)).digest()
    expected_leaf_b = hashlib.sha256(b"\x00" + bytes.fromhex(b)).digest()
    assert tree.root == hashlib.sha256(b"\x01" + expected_leaf_a + expected_leaf_b).hexdigest()
    assert tree.proof(0) == [{"position": "right", "hash": expected_leaf_b.hex()}]
    assert tree.proof(1) == [{"position": "left", "hash": expected_leaf_a.hex()}]


def test_odd_last_node_is_promoted_not_duplicated():
    a, b, c = content_hashes(3)
    tree = build_tree([a, b, c])
    ab = hashlib.sha256(b"\x01" + bytes.fromhex(leaf_hash(a)) + bytes.fromhex(leaf_hash(b))).digest()
    assert tree.root == hashlib.sha256(b"\x01" + ab + bytes.fromhex(leaf_hash(c))).hexdigest()
    assert tree.proof(2) == [{"position": "left", "hash": ab.hex()}]
    # Duplicating the last leaf must give a different tree (no CVE-2012-2459 style collision).
    assert build_tree([a, b, c, c]).root != tree.root


def test_inner_node_cannot_be_presented_as_a_leaf():
    hashes = content_hashes(4)
    tree = build_tree(hashes)
    left_subtree_root = tree.levels[1][0].hex()
    right_subtree_root = tree.levels[1][1].hex()
    assert not verify_proof(left_subtree_root, [{"position": "right", "hash": right_subtree_root}], tree.root)


def test_altered_leaf_fails():
    hashes = content_hashes(5)
    tree = build_tree(hashes)
    assert not verify_proof(flip_hex(hashes[3]), tree.proof(3), tree.root)
    assert not verify_proof(hashes[2], tree.proof(3), tree.root)


@pytest.mark.parametrize("size", [2, 3, 5, 8, 1000])
def test_altering_any_path_element_fails(size):
    hashes = content_hashes(size)
    tree = build_tree(hashes)
    index = size // 2
    proof = tree.proof(index)
    for step_index, step in enumerate(proof):
        tampered = [dict(s) for s in proof]
        tampered[step_index]["hash"] = flip_hex(step["hash"])
        assert not verify_proof(hashes[index], tampered, tree.root)


@pytest.mark.parametrize("size", [2, 3, 5, 8, 1000])
def test_swapping_any_position_fails(size):
    hashes = content_hashes(size)
    tree = build_tree(hashes)
    index = size - 1
    proof = tree.proof(index)
    for step_index, step in enumerate(proof):
        tampered = [dict(s) for s in proof]
        tampered[step_index]["position"] = "left" if step["position"] == "right" else "right"
        assert not verify_proof(hashes[index], tampered, tree.root)


def test_removing_or_adding_a_step_fails():
    hashes = content_hashes(8)
    tree = build_tree(hashes)
    proof = tree.proof(6)
    assert not verify_proof(hashes[6], proof[:-1], tree.root)
    assert not verify_proof(hashes[6], [*proof, {"position": "left", "hash": hashes[0]}], tree.root)


def test_altered_root_fails():
    hashes = content_hashes(8)
    tree = build_tree(hashes)
    assert not verify_proof(hashes[1], tree.proof(1), flip_hex(tree.root))


@pytest.mark.parametrize(
    "proof",
    [
        [{"position": "up", "hash": "00" * 32}],
        [{"position": "left", "hash": "zz"}],
        [{"position": "left", "hash": "00" * 31}],
        [{"position": "left"}],
        ["not a step"],
    ],
)
def test_malformed_proof_is_rejected_not_raised(proof):
    [content_hash] = content_hashes(1)
    assert verify_proof(content_hash, proof, "00" * 32) is False


def test_hex_case_and_0x_prefix_are_accepted():
    hashes = content_hashes(3)
    tree = build_tree(hashes)
    proof = [{"position": s["position"], "hash": "0x" + s["hash"].upper()} for s in tree.proof(1)]
    assert verify_proof(hashes[1].upper(), proof, "0x" + tree.root)


def test_empty_batch_is_refused():
    with pytest.raises(ValueError):
        build_tree([])


def test_proof_index_out_of_range_is_refused():
    with pytest.raises(IndexError):
        build_tree(content_hashes(3)).proof(3)


def test_ten_thousand_leaves_build_and_prove_quickly():
    hashes = content_hashes(10_000)
    started = time.perf_counter()
    tree = build_tree(hashes)
    proofs = tree.proofs()
    elapsed = time.perf_counter() - started
    # ceil(log2(10000)) = 14 levels; leaves under a promoted node have shorter paths.
    assert max(len(p) for p in proofs) == 14
    assert root_from_proof(hashes[9_999], proofs[9_999]) == tree.root
    assert elapsed < 2.0


def test_documented_test_vector_holds():
    # docs/proof-format.md publishes this vector for third-party implementations.
    hashes = [hashlib.sha256(x).hexdigest() for x in (b"a", b"b", b"c")]
    tree = build_tree(hashes)
    assert tree.root == "cac3d448d4e20a2ad5eae1f500e63c2a7f9217cd14572ba7fd22e26dc1ec2648"
    assert tree.proof(2) == [
        {"position": "left", "hash": "ad5ca6cddc0b27c6a83e332bf28011769236e6c6a1f786ebf7b5267b37a5bd22"}
    ]
