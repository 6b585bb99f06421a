"""The frontier of a Merkle tree: the right edge, enough to append and to compute roots.

The frontier lists the roots of the complete subtrees that make up a tree of
``size`` leaves, largest (leftmost) first: one per set bit of ``size``, so
O(log n) hashes.  The web app stores a log's frontier and extends the log by
one leaf at a time without reading its leaves (RFC 9162 hashing, as in
:mod:`ballots.merkle`, which re-exports these functions).
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import FormatError
from .merkle import EMPTY_ROOT, HASH_SIZE, node_hash

__all__ = [
    "frontier_append",
    "frontier_root",
    "frontier_inclusion_proof",
    "frontier_to_json",
    "frontier_from_json",
]


def _check_frontier(frontier: Sequence[bytes], size: int) -> None:
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise FormatError(f"tree size: got {size!r}, want a non-negative integer")
    want = bin(size).count("1")
    if len(frontier) != want:
        raise FormatError(f"frontier length: got {len(frontier)} hashes, want {want} "
                          f"for size {size}")
    for i, h in enumerate(frontier):
        if not isinstance(h, (bytes, bytearray)) or len(h) != HASH_SIZE:
            raise FormatError(f"frontier[{i}]: want {HASH_SIZE} bytes")


def frontier_append(frontier: Sequence[bytes], size: int, leaf_hash: bytes) -> list[bytes]:
    """Frontier of the tree after appending ``leaf_hash`` to a tree of ``size`` leaves.

    The frontier lists the roots of the complete subtrees that make up the
    tree, largest (leftmost) first: one per set bit of ``size``.
    """
    _check_frontier(frontier, size)
    if not isinstance(leaf_hash, (bytes, bytearray)) or len(leaf_hash) != HASH_SIZE:
        raise FormatError(f"leaf hash: want {HASH_SIZE} bytes")
    out = [bytes(h) for h in frontier]
    node = bytes(leaf_hash)
    n = size
    while n & 1:
        node = node_hash(out.pop(), node)
        n >>= 1
    out.append(node)
    return out


def frontier_root(frontier: Sequence[bytes], size: int) -> bytes:
    """Root hash of the tree of ``size`` leaves described by its frontier."""
    _check_frontier(frontier, size)
    if size == 0:
        return EMPTY_ROOT
    root = bytes(frontier[-1])
    for h in reversed(frontier[:-1]):
        root = node_hash(bytes(h), root)
    return root


def frontier_inclusion_proof(frontier: Sequence[bytes], size: int) -> list[bytes]:
    """Inclusion proof of the leaf appended at index ``size``, in the tree of ``size + 1``.

    ``frontier`` is the frontier *before* the append.  The new leaf is the last
    one, so its siblings on the way up are exactly the complete subtrees of the
    old tree, smallest first: the frontier reversed.  This lets the web app
    issue a receipt right after appending, without loading any leaf.
    """
    _check_frontier(frontier, size)
    return [bytes(h) for h in reversed(frontier)]


def frontier_to_json(frontier: Sequence[bytes]) -> list[str]:
    """Frontier as a JSON-storable list of lowercase hex strings."""
    return [bytes(h).hex() for h in frontier]


def frontier_from_json(value: object, size: int) -> list[bytes]:
    """Parse :func:`frontier_to_json` output, checking it fits ``size``."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FormatError("frontier: want a list of hex strings")
    try:
        out = [bytes.fromhex(v) for v in value]
    except ValueError as e:
        raise FormatError(f"frontier: bad hex ({e})") from e
    _check_frontier(out, size)
    return out
