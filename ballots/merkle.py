"""RFC 9162 section 2.1 Merkle tree: hashes, proofs and their verification.

Hashing (SHA-256 throughout)::

    leaf hash  = SHA-256(0x00 || leaf bytes)
    node hash  = SHA-256(0x01 || left || right)
    empty tree = SHA-256("")

A tree of n > 1 leaves splits at k, the largest power of two below n; nothing
is ever duplicated.

Two ways in:

* module functions taking the full list of leaf hashes (simple, O(n) per call),
  stable for auditors' scripts: :func:`leaf_hash`, :func:`root_hash`,
  :func:`inclusion_proof`, :func:`consistency_proof`, :func:`verify_inclusion`,
  :func:`verify_consistency`;
* :class:`Tree`, which keeps every complete subtree hash so that appends and
  proofs cost O(log n) hashes, and the *frontier* helpers
  (:func:`frontier_append`, :func:`frontier_root`, in :mod:`ballots.frontier`
  and re-exported here) that keep only the O(log n) hashes of the right edge,
  enough to extend a stored log by one leaf without reading its leaves.

Verification computes what a proof implies, then compares; it raises
:class:`ballots.errors.ProofError` (a root mismatch raises the subclass
:class:`ballots.errors.RootMismatchError`, carrying both roots).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from .errors import FormatError, ProofError, RootMismatchError

__all__ = [
    "HASH_SIZE",
    "EMPTY_ROOT",
    "leaf_hash",
    "node_hash",
    "root_hash",
    "inclusion_proof",
    "consistency_proof",
    "root_from_inclusion_proof",
    "verify_inclusion",
    "verify_consistency",
    "Tree",
    "frontier_append",
    "frontier_root",
    "frontier_inclusion_proof",
    "frontier_to_json",
    "frontier_from_json",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """Return SHA-256(0x00 || data), the hash of one leaf."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return SHA-256(0x01 || left || right), the hash of an interior node."""
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly below n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# --------------------------------------------------------------------------
# Tree with cached complete subtrees


class Tree:
    """An append-only Merkle tree that caches every complete subtree hash.

    Level ``h`` holds the hashes of the complete subtrees of ``2**h`` leaves,
    left to right, packed in one ``bytearray`` (32 bytes each), so a tree of n
    leaves keeps about 2n hashes (64 MB for a million leaves).  Roots and
    proofs for any size up to :attr:`size` cost O(log n) hashes: only the
    incomplete subtrees on the right edge are recomputed.
    """

    __slots__ = ("_levels", "_size")

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        """Number of leaves."""
        return self._size

    def __len__(self) -> int:
        return self._size

    def append(self, leaf_hash: bytes) -> int:
        """Append one leaf hash; return its index."""
        if len(leaf_hash) != HASH_SIZE:
            raise FormatError(f"leaf hash length: got {len(leaf_hash)} bytes, want {HASH_SIZE}")
        index = self._size
        levels = self._levels
        levels[0] += leaf_hash
        self._size = index + 1
        node = bytes(leaf_hash)
        h = 0
        n = index
        while n & 1:  # this node closes a pair: hash it with its left sibling
            row = levels[h]
            left = bytes(row[len(row) - 2 * HASH_SIZE : len(row) - HASH_SIZE])
            node = _sha256(b"\x01" + left + node).digest()
            h += 1
            if len(levels) == h:
                levels.append(bytearray())
            levels[h] += node
            n >>= 1
        return index

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append many leaf hashes, building each level in one pass."""
        batch = bytearray()
        count = 0
        for lh in leaf_hashes:
            if len(lh) != HASH_SIZE:
                raise FormatError(
                    f"leaf hash {self._size + count}: got {len(lh)} bytes, want {HASH_SIZE}"
                )
            batch += lh
            count += 1
        if count:
            self._extend_levels(batch, count)

    def _extend_levels(self, batch: bytearray, count: int) -> None:
        # Append the leaves, then fill each level with the nodes that became
        # complete; works from any starting size.
        self._levels[0] += batch
        self._size += count
        self._fill_levels()

    def _fill_levels(self, start: int = 0) -> None:
        # levels below ``start`` are known to be complete
        levels = self._levels
        h = start
        while True:
            row = levels[h]
            have = len(row) // HASH_SIZE  # complete nodes at level h
            want = have // 2  # complete nodes that level h+1 should hold
            if len(levels) == h + 1:
                levels.append(bytearray())
            up = levels[h + 1]
            done = len(up) // HASH_SIZE
            if done >= want:
                break
            mv = memoryview(row)
            out = bytearray()
            sha = _sha256
            for i in range(done, want):
                off = 2 * i * HASH_SIZE
                out += sha(b"\x01" + mv[off : off + 2 * HASH_SIZE]).digest()
            up += out
            h += 1
        if not levels[-1]:
            levels.pop()

    @classmethod
    def from_hash_bytes(cls, hashes: bytearray) -> Tree:
        """A tree whose leaf hashes are packed back to back in ``hashes`` (32 bytes each).

        The buffer is taken over, not copied.
        """
        if len(hashes) % HASH_SIZE:
            raise FormatError(f"packed leaf hashes: {len(hashes)} bytes, not a multiple of 32")
        tree = cls()
        count = len(hashes) // HASH_SIZE
        if count:
            tree._levels[0] = hashes
            tree._size = count
            tree._levels.append(bytearray())
            tree._fill_levels()
        return tree

    @staticmethod
    def level_sizes(size: int) -> list[int]:
        """How many hashes each cached level holds in a tree of ``size`` leaves."""
        out = [size] if size else []
        while out and out[-1] > 1:
            out.append(out[-1] // 2)
        return out

    def packed_levels(self) -> list[bytearray]:
        """The cached levels, leaves first, each packed (32 bytes per hash); not copies."""
        return self._levels if self._size else []

    @classmethod
    def from_complete_levels(cls, levels: list[bytearray]) -> Tree:
        """A tree from its lowest levels, each holding every complete node of its level
        (packed, as :meth:`packed_levels` gives them); the levels above are computed.

        The buffers are taken over, not copied.  Raises :class:`FormatError` when
        the levels are not the shape of a tree's.
        """
        levels = list(levels)
        while levels and not levels[-1]:
            levels.pop()
        size = len(levels[0]) // HASH_SIZE if levels else 0
        want = [HASH_SIZE * k for k in cls.level_sizes(size)[:len(levels)]]
        if [len(v) for v in levels] != want:
            raise FormatError("complete levels: not the shape of a tree")
        tree = cls()
        if size:
            tree._levels = levels
            tree._size = size
            tree._fill_levels(start=len(levels) - 1)
        return tree

    def leaf_hash(self, index: int) -> bytes:
        """The stored hash of leaf ``index``."""
        self._check_index(index, self._size)
        return bytes(self._levels[0][index * HASH_SIZE : (index + 1) * HASH_SIZE])

    def _node(self, level: int, index: int) -> bytes:
        return bytes(self._levels[level][index * HASH_SIZE : (index + 1) * HASH_SIZE])

    def _mth(self, start: int, end: int) -> bytes:
        """Hash of leaves [start, end); uses the cache for complete subtrees."""
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and start % n == 0:
            return self._node(n.bit_length() - 1, start // n)
        k = _split(n)
        return node_hash(self._mth(start, start + k), self._mth(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        """Root hash of the first ``size`` leaves (default: all)."""
        size = self._check_size(size)
        return self._mth(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 2.1.3.1 PATH(index, D[0:size])."""
        size = self._check_size(size)
        self._check_index(index, size)
        proof: list[bytes] = []
        start, end, m = 0, size, index
        while end - start > 1:
            k = _split(end - start)
            if m < k:
                proof.append(self._mth(start + k, end))
                end = start + k
            else:
                proof.append(self._mth(start, start + k))
                start += k
                m -= k
        proof.reverse()
        return proof

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 2.1.4.1 PROOF(old_size, D[0:new_size])."""
        new_size = self._check_size(new_size)
        if not 0 <= old_size <= new_size:
            raise FormatError(f"old size: got {old_size}, want 0..{new_size}")
        if old_size in (0, new_size):
            return []
        proof: list[bytes] = []
        start, end, m, complete = 0, new_size, old_size, True
        while True:
            n = end - start
            if m == n:
                if not complete:
                    proof.append(self._mth(start, end))
                break
            k = _split(n)
            if m <= k:
                proof.append(self._mth(start + k, end))
                end = start + k
            else:
                proof.append(self._mth(start, start + k))
                start += k
                m -= k
                complete = False
        proof.reverse()
        return proof

    def frontier(self, size: int | None = None) -> list[bytes]:
        """Hashes of the complete subtrees on the right edge, largest first."""
        size = self._check_size(size)
        out: list[bytes] = []
        start = 0
        for h in range(size.bit_length() - 1, -1, -1):
            if size >> h & 1:
                out.append(self._node(h, start >> h))
                start += 1 << h
        return out

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self._size
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= self._size:
            raise FormatError(f"tree size: got {size!r}, want 0..{self._size}")
        return size

    @staticmethod
    def _check_index(index: int, size: int) -> None:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
            raise FormatError(f"leaf index: got {index!r}, want 0..{size - 1}")


# --------------------------------------------------------------------------
# Module functions over a full list of leaf hashes


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """Root of the tree whose leaves have these hashes (RFC 9162 MTH)."""
    return Tree(leaf_hashes).root()


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Inclusion proof for leaf ``index`` in the tree of all ``leaf_hashes``."""
    return Tree(leaf_hashes).inclusion_proof(index)


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """Consistency proof from the first ``old_size`` leaves to all of them."""
    return Tree(leaf_hashes).consistency_proof(old_size)


# --------------------------------------------------------------------------
# Verification


def _check_hash(what: str, value: bytes) -> None:
    if not isinstance(value, (bytes, bytearray)):
        raise ProofError(f"{what}: got {type(value).__name__}, want bytes")
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} length: got {len(value)} bytes, want {HASH_SIZE}")


def _check_uint(what: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProofError(f"{what}: got {value!r}, want a non-negative integer")


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes]
) -> bytes:
    """The root implied by an inclusion proof (RFC 9162 2.1.3.2, steps 1-5)."""
    _check_uint("leaf index", index)
    _check_uint("tree size", tree_size)
    if index >= tree_size:
        raise ProofError(f"leaf index: got {index}, want < tree size {tree_size}")
    _check_hash("leaf hash", leaf_hash)
    for i, p in enumerate(proof):
        _check_hash(f"proof[{i}]", p)
    fn, sn, r = index, tree_size - 1, bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            raise ProofError(f"inclusion proof size: got {len(proof)} hashes, too many for "
                             f"leaf {index} of {tree_size}")
        if fn & 1 or fn == sn:
            r = _sha256(b"\x01" + p + r).digest()
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = _sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"inclusion proof size: got {len(proof)} hashes, too few for "
                         f"leaf {index} of {tree_size}")
    return r


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree ``(tree_size, root)``.

    Returns None; raises :class:`ProofError` naming what failed.
    """
    _check_hash("root", root)
    got = root_from_inclusion_proof(leaf_hash, index, tree_size, proof)
    if got != root:
        raise RootMismatchError(f"inclusion of leaf {index} in tree of size {tree_size}",
                                got, bytes(root))


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    """Check that tree ``(old_size, old_root)`` is a prefix of ``(new_size, new_root)``.

    RFC 9162 2.1.4.2.  Returns None; raises :class:`ProofError`.
    """
    _check_uint("old size", old_size)
    _check_uint("new size", new_size)
    _check_hash("old root", old_root)
    _check_hash("new root", new_root)
    for i, p in enumerate(proof):
        _check_hash(f"proof[{i}]", p)
    if new_size < old_size:
        raise ProofError(f"new size: got {new_size}, want >= old size {old_size}")
    if old_size == new_size:
        if proof:
            raise ProofError(f"consistency proof size: got {len(proof)} hashes, want 0 "
                             "for equal sizes")
        if old_root != new_root:
            raise RootMismatchError(f"trees of equal size {old_size}", bytes(new_root),
                                    bytes(old_root))
        return
    if old_size == 0:
        if proof:
            raise ProofError(f"consistency proof size: got {len(proof)} hashes, want 0 "
                             "from the empty tree")
        return
    if not proof:
        raise ProofError(f"consistency proof size: got 0 hashes, want at least 1 "
                         f"from {old_size} to {new_size}")
    hashes = list(proof)
    if old_size & (old_size - 1) == 0:  # old tree is complete: its root is the first node
        hashes.insert(0, bytes(old_root))
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = hashes[0]
    for c in hashes[1:]:
        if sn == 0:
            raise ProofError(f"consistency proof size: got {len(proof)} hashes, too many "
                             f"from {old_size} to {new_size}")
        if fn & 1 or fn == sn:
            fr = _sha256(b"\x01" + c + fr).digest()
            sr = _sha256(b"\x01" + c + sr).digest()
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = _sha256(b"\x01" + sr + c).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"consistency proof size: got {len(proof)} hashes, too few "
                         f"from {old_size} to {new_size}")
    if fr != old_root:
        raise RootMismatchError(f"consistency proof, old tree of size {old_size}", fr,
                                bytes(old_root))
    if sr != new_root:
        raise RootMismatchError(f"consistency proof, new tree of size {new_size}", sr,
                                bytes(new_root))


# The frontier helpers (the right edge of a tree, all the web app keeps) live in
# ballots/frontier.py and stay importable from here as merkle.frontier_*.
from .frontier import (  # noqa: E402  (frontier.py uses the hashes above)
    frontier_append,
    frontier_from_json,
    frontier_inclusion_proof,
    frontier_root,
    frontier_to_json,
)
