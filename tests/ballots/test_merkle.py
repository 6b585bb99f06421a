"""Merkle tree tests against published vectors and properties.

Vectors (transcribed, see each file's "source"):
- vectors/rfc6962/go-ct-8-leaves.json: the RFC 6962 8-leaf data of the Go CT
  code, transparency-dev/merkle testonly/constants.go and proof/verify_test.go.
- vectors/inclusion/*.json, vectors/consistency/*.json: cases from
  transparency-dev/merkle testdata/inclusion and testdata/consistency, plus the
  edge cases of proof/verify_test.go TestVerifyConsistency.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots import ProofError
from ballots import merkle
from ballots.errors import FormatError, RootMismatchError
from tests.conftest import examples

VECTORS = Path(__file__).parent / "vectors"
GO = json.loads((VECTORS / "rfc6962" / "go-ct-8-leaves.json").read_text())
LEAVES = [bytes.fromhex(x) for x in GO["leaves"]]
LEAF_HASHES = [merkle.leaf_hash(x) for x in LEAVES]


def _cases(kind: str) -> list[Any]:
    files = sorted((VECTORS / kind).glob("*.json"))
    assert files, f"no vectors in {kind}"
    return [pytest.param(json.loads(f.read_text()), id=f.stem) for f in files]


def _b64(s: str) -> bytes:
    return base64.b64decode(s)


@pytest.mark.parametrize("case", _cases("inclusion"))
def test_inclusion_vectors(case: dict[str, Any]) -> None:
    args = (_b64(case["leaf_hash"]), case["leaf_index"], case["tree_size"],
            [_b64(p) for p in case["proof"]], _b64(case["root"]))
    if case["want_error"] is None:
        merkle.verify_inclusion(*args)
    else:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(*args)


@pytest.mark.parametrize("case", _cases("consistency"))
def test_consistency_vectors(case: dict[str, Any]) -> None:
    args = (case["old_size"], case["new_size"], [_b64(p) for p in case["proof"]],
            _b64(case["old_root"]), _b64(case["new_root"]))
    if case["want_error"] is None:
        merkle.verify_consistency(*args)
    else:
        with pytest.raises(ProofError):
            merkle.verify_consistency(*args)


def test_vector_folders_hold_happy_and_negative_cases() -> None:
    for kind in ("inclusion", "consistency"):
        wants = [json.loads(f.read_text())["want_error"] for f in (VECTORS / kind).glob("*.json")]
        assert wants.count(None) >= 5 and len(wants) - wants.count(None) >= 25


def test_go_leaf_hashes_and_node_hashes() -> None:
    assert [h.hex() for h in LEAF_HASHES] == GO["node_hashes"][0]
    for level, row in enumerate(GO["node_hashes"]):
        for i, want in enumerate(row):
            width = 1 << level
            assert merkle.root_hash(LEAF_HASHES[i * width:(i + 1) * width]).hex() == want


@pytest.mark.parametrize("size", range(9))
def test_go_roots(size: int) -> None:
    want = GO["roots"][size]
    assert merkle.root_hash(LEAF_HASHES[:size]).hex() == want
    assert merkle.Tree(LEAF_HASHES).root(size).hex() == want
    # appending one at a time reaches the same root as a batch
    t = merkle.Tree()
    for h in LEAF_HASHES[:size]:
        t.append(h)
    assert t.root().hex() == want


@pytest.mark.parametrize("size", range(9))
def test_go_frontiers(size: int) -> None:
    want = GO["frontiers"][size]
    assert merkle.frontier_to_json(merkle.Tree(LEAF_HASHES).frontier(size)) == want
    frontier: list[bytes] = []
    for i in range(size):
        frontier = merkle.frontier_append(frontier, i, LEAF_HASHES[i])
    assert merkle.frontier_to_json(frontier) == want
    assert merkle.frontier_root(frontier, size).hex() == GO["roots"][size]
    assert merkle.frontier_from_json(want, size) == frontier


@pytest.mark.parametrize("case", GO["inclusion"], ids=lambda c: f"{c['index']}-of-{c['size']}")
def test_go_inclusion_proofs(case: dict[str, Any]) -> None:
    i, n = case["index"], case["size"]
    proof = merkle.inclusion_proof(LEAF_HASHES[:n], i)
    assert [p.hex() for p in proof] == case["proof"]
    merkle.verify_inclusion(LEAF_HASHES[i], i, n, proof, bytes.fromhex(GO["roots"][n]))


@pytest.mark.parametrize("case", GO["consistency"], ids=lambda c: f"{c['old_size']}-{c['new_size']}")
def test_go_consistency_proofs(case: dict[str, Any]) -> None:
    m, n = case["old_size"], case["new_size"]
    proof = merkle.consistency_proof(LEAF_HASHES[:n], m)
    assert [p.hex() for p in proof] == case["proof"]
    merkle.verify_consistency(m, n, proof, bytes.fromhex(GO["roots"][m]),
                              bytes.fromhex(GO["roots"][n]))


def test_root_mismatch_carries_both_roots() -> None:
    proof = merkle.inclusion_proof(LEAF_HASHES, 3)
    wrong = hashlib.sha256(b"x").digest()
    with pytest.raises(RootMismatchError) as e:
        merkle.verify_inclusion(LEAF_HASHES[3], 3, 8, proof, wrong)
    assert e.value.expected == wrong
    assert e.value.computed == bytes.fromhex(GO["roots"][8])
    assert f"got root {GO['roots'][8]}, want {wrong.hex()}" in str(e.value)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 0), "leaf index: got 0, want < tree size 0"),
        ((8, 8), "leaf index: got 8, want < tree size 8"),
        ((-1, 8), "leaf index: got -1"),
    ],
)
def test_inclusion_messages_name_the_problem(args: tuple[int, int], message: str) -> None:
    with pytest.raises(ProofError, match=message):
        merkle.verify_inclusion(LEAF_HASHES[0], args[0], args[1], [], LEAF_HASHES[0])


def test_proof_size_messages() -> None:
    root = bytes.fromhex(GO["roots"][8])
    proof = merkle.inclusion_proof(LEAF_HASHES, 0)
    with pytest.raises(ProofError, match="got 2 hashes, too few"):
        merkle.verify_inclusion(LEAF_HASHES[0], 0, 8, proof[:2], root)
    with pytest.raises(ProofError, match="got 4 hashes, too many"):
        merkle.verify_inclusion(LEAF_HASHES[0], 0, 8, proof + [root], root)
    with pytest.raises(ProofError, match=r"proof\[1\] length: got 0 bytes, want 32"):
        merkle.verify_inclusion(LEAF_HASHES[0], 0, 8, [proof[0], b"", proof[2]], root)


def test_generation_rejects_bad_arguments() -> None:
    t = merkle.Tree(LEAF_HASHES)
    with pytest.raises(FormatError, match="leaf index: got 8, want 0..7"):
        t.inclusion_proof(8)
    with pytest.raises(FormatError, match="tree size: got 9, want 0..8"):
        t.root(9)
    with pytest.raises(FormatError, match="old size: got 5, want 0..4"):
        t.consistency_proof(5, 4)
    with pytest.raises(FormatError, match="got 31 bytes"):
        t.append(b"x" * 31)
    with pytest.raises(FormatError, match="frontier length: got 0 hashes, want 1"):
        merkle.frontier_root([], 1)


# --------------------------------------------------------------------------
# Properties over random tree sizes


def _hashes(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def _reference_root(hs: list[bytes]) -> bytes:
    """Straight recursive definition of RFC 9162 MTH, for comparison."""
    if not hs:
        return merkle.EMPTY_ROOT
    if len(hs) == 1:
        return hs[0]
    k = 1 << ((len(hs) - 1).bit_length() - 1)
    return merkle.node_hash(_reference_root(hs[:k]), _reference_root(hs[k:]))


@settings(max_examples=examples(60), deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_inclusion_round_trip(n: int, data: st.DataObject) -> None:
    hs = _hashes(n)
    tree = merkle.Tree(hs)
    size = data.draw(st.integers(min_value=1, max_value=n))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    root = tree.root(size)
    assert root == _reference_root(hs[:size])
    proof = tree.inclusion_proof(index, size)
    assert proof == merkle.inclusion_proof(hs[:size], index)
    merkle.verify_inclusion(hs[index], index, size, proof, root)
    # any other leaf, index or size is rejected
    if size > 1:
        other = (index + 1) % size
        with pytest.raises(ProofError):
            merkle.verify_inclusion(hs[other], index, size, proof, root)
        with pytest.raises(ProofError):
            merkle.verify_inclusion(hs[index], other, size, proof, root)
    if proof:
        bad = list(proof)
        bad[data.draw(st.integers(0, len(bad) - 1))] = merkle.leaf_hash(b"evil")
        with pytest.raises(ProofError):
            merkle.verify_inclusion(hs[index], index, size, bad, root)


@settings(max_examples=examples(60), deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_consistency_round_trip(n: int, data: st.DataObject) -> None:
    hs = _hashes(n)
    tree = merkle.Tree(hs)
    new = data.draw(st.integers(min_value=0, max_value=n))
    old = data.draw(st.integers(min_value=0, max_value=new))
    proof = tree.consistency_proof(old, new)
    assert proof == merkle.consistency_proof(hs[:new], old)
    merkle.verify_consistency(old, new, proof, tree.root(old), tree.root(new))
    if 0 < old < new:
        # a forked history (one leaf changed before old) is rejected
        forked = list(hs[:new])
        forked[old - 1] = merkle.leaf_hash(b"fork")
        with pytest.raises(ProofError):
            merkle.verify_consistency(old, new, proof, tree.root(old), merkle.root_hash(forked))
        with pytest.raises(ProofError):
            merkle.verify_consistency(old, new, proof[:-1], tree.root(old), tree.root(new))


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6))
def test_tree_extend_in_chunks_matches_reference(chunks: list[int]) -> None:
    hs = _hashes(sum(chunks))
    tree = merkle.Tree()
    frontier: list[bytes] = []
    done = 0
    for c in chunks:
        tree.extend(hs[done:done + c])
        for h in hs[done:done + c]:
            frontier = merkle.frontier_append(frontier, done, h)
            done += 1
        assert tree.size == done
        assert tree.root() == _reference_root(hs[:done])
        assert merkle.frontier_root(frontier, done) == tree.root()
        assert tree.frontier() == frontier
    for i in range(done):
        assert tree.leaf_hash(i) == hs[i]


@settings(max_examples=examples(30), deadline=None)
@given(st.integers(min_value=0, max_value=200))
def test_tree_from_packed_hashes(n: int) -> None:
    hs = _hashes(n)
    tree = merkle.Tree.from_hash_bytes(bytearray(b"".join(hs)))
    assert tree.size == n and tree.root() == _reference_root(hs)
    tree.append(merkle.leaf_hash(b"next"))  # still appendable
    assert tree.root() == _reference_root(hs + [merkle.leaf_hash(b"next")])


@settings(max_examples=examples(200), deadline=None)
@given(st.integers(min_value=0, max_value=300), st.data())
def test_a_tree_rebuilt_from_its_lowest_levels_is_the_same(n: int, data: st.DataObject) -> None:
    whole = merkle.Tree([merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)])
    levels = whole.packed_levels()
    keep = data.draw(st.integers(1, max(1, len(levels))))
    rebuilt = merkle.Tree.from_complete_levels([bytearray(v) for v in levels[:keep]])
    assert rebuilt.size == n and rebuilt.packed_levels() == levels
    assert [rebuilt.root(s) for s in range(n + 1)] == [whole.root(s) for s in range(n + 1)]


def test_levels_not_of_a_tree_are_refused() -> None:
    with pytest.raises(FormatError, match="not the shape of a tree"):
        merkle.Tree.from_complete_levels([bytearray(96), bytearray(64)])
