"""The verifier's Merkle tree, built by the parent and a forked child together.

Whatever the two processes manage before they meet (or whatever the child
fails to do), the tree must be exactly the one built from all the leaf hashes
in one process.  lipvote runs on Linux, where os.fork exists: these tests run
everywhere the project runs, with no skip.
"""

from __future__ import annotations

import json
import mmap
import os
import signal
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots import merkle
from ballots.fast import tree_job as _tree_job
from ballots.fast.pieces import leaf_pieces
from ballots.fast.tree_job import TreeJob, leaf_hashes
from tests.conftest import examples

TEXTS = [f'{{"n":{i},"type":"test"}}' for i in range(40)] + ["caf\u00e9", "bad \ud800 leaf"]


def _whole(texts: Sequence[str]) -> merkle.Tree:
    return merkle.Tree.from_hash_bytes(leaf_hashes(texts))


def _same(tree: merkle.Tree, texts: Sequence[str]) -> None:
    want = _whole(texts)
    assert tree.packed_levels() == want.packed_levels()
    assert [tree.root(k) for k in range(len(texts) + 1)] == \
        [want.root(k) for k in range(len(texts) + 1)]


@pytest.mark.parametrize("chunk", [1, 2, 3, 2048])
def test_leaf_hashes_are_merkle_leaf_hashes(chunk: int) -> None:
    texts = ['{"type":"ballot"}', "caf\u00e9", "bad \ud800 surrogate", "", "z"]
    want = b"".join(merkle.leaf_hash(t.encode("utf-8", "surrogatepass")) for t in texts)
    assert leaf_hashes(texts, chunk) == want  # a lone surrogate in any chunk


@pytest.mark.parametrize("block", [1, 2, 4, 8, 4096])
def test_tree_built_with_a_child_is_the_same(block: int) -> None:
    for n in (1, 2, 3, 5, 17, len(TEXTS)):
        job = TreeJob(lambda: _pieces(TEXTS[:n], [n // 3]), n,  # noqa: B023 (runs at once)
                      block=block, fork=True)
        assert job.pid is not None
        _same(job.tree(TEXTS[:n]), TEXTS[:n])
        assert job.pid is None and job.fd is None and job.status is None
        job = TreeJob(lambda: _pieces(TEXTS[:n], [n // 3]), n,  # noqa: B023 (runs at once)
                      block=block, fork=True)
        assert job.root(TEXTS[:n]) == _whole(TEXTS[:n]).root()


def test_a_failed_child_leaves_the_tree_to_the_parent() -> None:
    job = TreeJob(lambda: (TEXTS,), len(TEXTS), block=2, fork=True)
    assert job.pid is not None
    os.kill(job.pid, signal.SIGKILL)
    _same(job.tree(TEXTS), TEXTS)

    def fails_midway() -> Iterator[Sequence[str]]:
        yield TEXTS[:20]
        raise ValueError("a piece that cannot be read")

    for broken in (lambda: 1 / 0, lambda: (TEXTS[:5],), lambda: (TEXTS, ["x"]), fails_midway):
        job = TreeJob(broken, len(TEXTS) + 1, block=2, fork=True)  # type: ignore[arg-type]
        _same(job.tree(TEXTS), TEXTS)  # the child's blocks of other leaves are not taken
    job = TreeJob(lambda: (TEXTS,), len(TEXTS), block=2, fork=True)
    job.close()  # an uncollected child is stopped and reaped
    assert job.pid is None and job.fd is None and job.status is None
    # more leaves than announced: all done here
    job = TreeJob(lambda: (TEXTS,), 3, block=2, fork=True)
    _same(job.tree(TEXTS), TEXTS)


def test_no_child_when_forking_would_not_help() -> None:
    job = TreeJob(lambda: (TEXTS,), len(TEXTS), fork=False)  # as without a second CPU
    assert job.pid is None
    _same(job.tree(TEXTS), TEXTS)
    assert TreeJob(None, len(TEXTS)).root(TEXTS) == _whole(TEXTS).root()


# --------------------------------------------------------------------------
# every way the two can meet, replayed in one process: the "child" runs first up
# to where the parent has claimed blocks (or stops there as if it had died), then
# exits with the given status, then the parent finishes


def _pieces(texts: Sequence[str], cuts: Sequence[int]) -> list[Sequence[str]]:
    """``texts`` cut before each index in ``cuts`` (empty pieces included)."""
    bounds = [0, *sorted(min(c, len(texts)) for c in cuts), len(texts)]
    return [texts[a:b] for a, b in zip(bounds, bounds[1:])]


def _replay(texts: Sequence[str], child_texts: Sequence[str], block: int, parent_last: int,
            died: bool, cuts: Sequence[int] = (), root_only: bool = False
            ) -> tuple[merkle.Tree | bytes, int]:
    job = TreeJob(None, len(texts), block=block)
    layout = job.layout
    count = layout.count(len(texts))
    status = mmap.mmap(-1, _tree_job._HEADER.size + layout.count(max(len(texts),
                                                                     len(child_texts))))
    status[:_tree_job._HEADER.size] = _tree_job._HEADER.pack(-1)
    at = _tree_job._HEADER.size
    claimed = range(max(0, count - parent_last), count)  # the parent's, from the last back
    for b in claimed:
        status[at + b] = _tree_job._BY_PARENT
    fd = os.memfd_create("lipvote-test")
    _tree_job._child(layout, _pieces(child_texts, cuts), status, fd)
    if died:  # the child stopped where it stopped, not because the parent was there
        for b in claimed:
            status[at + b] = _tree_job._TODO
    pid = os.fork()
    if pid == 0:
        os._exit(1 if died else 0)
    job.pid, job.fd, job.status = pid, fd, status
    hashed: list[int] = []
    real = layout.levels_of

    def counting(leaves: Sequence[str], b: int) -> list[bytearray]:
        hashed.append(b)
        return real(leaves, b)

    layout.levels_of = counting  # type: ignore[method-assign]
    return (job.root(texts) if root_only else job.tree(texts)), len(hashed)


@settings(max_examples=examples(200), deadline=None)
@given(st.integers(1, len(TEXTS)), st.sampled_from([1, 2, 4, 8]), st.integers(0, 50),
       st.booleans(), st.sampled_from([0, 0, 0, -1, 1]),
       st.lists(st.integers(0, len(TEXTS)), max_size=6))
def test_any_meeting_point_gives_the_same_tree(n: int, block: int, parent_last: int,
                                               died: bool, skew: int, cuts: list[int]) -> None:
    texts = TEXTS[:n]
    child_texts = TEXTS[:max(1, n + skew)]  # skew != 0: a child that read other leaves
    # the child reads its leaves in pieces cut anywhere, empty ones too
    tree, parent_hashed = _replay(texts, child_texts, block, parent_last, died, cuts)
    assert isinstance(tree, merkle.Tree)
    _same(tree, texts)
    # the root alone, from the blocks' roots, is the whole tree's
    root, _ = _replay(texts, child_texts, block, parent_last, died, cuts, root_only=True)
    assert root == _whole(texts).root()
    count = -(-n // block)
    if died or len(child_texts) != n:  # nothing taken from such a child: the parent
        assert parent_hashed == count  # hashed every block
    else:  # the parent hashed only the blocks it had claimed, the child's were taken
        assert parent_hashed == min(parent_last, count)


# the verifier's child reads the leaves from the bundle bytes, a piece at a time
JSON_TEXTS = TEXTS[:-1]  # a lone surrogate cannot be in a file msgspec reads


def _child_output(layout: _tree_job._Blocks, pieces: Any, n: int,
                  parent_last: int) -> tuple[bytes, bytes]:
    """The child's memory file and status array, the parent having claimed the last
    ``parent_last`` blocks."""
    count = layout.count(n)
    status = mmap.mmap(-1, _tree_job._HEADER.size + count)
    for b in range(max(0, count - parent_last), count):
        status[_tree_job._HEADER.size + b] = _tree_job._BY_PARENT
    fd = os.memfd_create("lipvote-test")
    _tree_job._child(layout, pieces, status, fd)
    with os.fdopen(fd, "rb") as f:
        return f.read(), status[:]


@settings(max_examples=examples(150), deadline=None)
@given(st.integers(1, len(JSON_TEXTS)), st.sampled_from([1, 2, 4, 8]), st.integers(0, 50),
       st.integers(1, 300), st.sampled_from([None, 2]))
def test_a_child_reading_bundle_bytes_in_pieces_does_what_it_does_from_the_list(
        n: int, block: int, parent_last: int, piece_bytes: int, indent: int | None) -> None:
    texts = JSON_TEXTS[:n]
    data = json.dumps({"format": "x", "leaves": texts}, indent=indent).encode()
    layout = _tree_job._Blocks(block)
    from_bytes = _child_output(layout, leaf_pieces(data, piece_bytes), n, parent_last)
    assert from_bytes == _child_output(layout, [texts], n, parent_last)
    assert _tree_job._HEADER.unpack_from(from_bytes[1]) == (n,)


def test_a_forked_child_reading_bundle_bytes() -> None:
    data = json.dumps({"leaves": JSON_TEXTS}, ensure_ascii=False, indent=2).encode()
    job = TreeJob(lambda: leaf_pieces(data, 64), len(data) // 3 + 1, block=2, fork=True)
    _same(job.tree(JSON_TEXTS), JSON_TEXTS)
    assert job.child_read == len(JSON_TEXTS)
    # a file whose leaves the child cannot read: the parent does it all, the same tree
    job = TreeJob(lambda: leaf_pieces(b'{"leaves":"no"}'), 100, block=2, fork=True)
    _same(job.tree(JSON_TEXTS), JSON_TEXTS)
    assert job.child_read is None
