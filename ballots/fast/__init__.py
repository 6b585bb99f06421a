"""The verifier's fast path: the reference's three heavy steps, done faster.

:class:`ballots.verify.Steps` reads the leaves, hashes them and applies the
ballot rules plainly.  :class:`FastSteps` does the same three for a large log
(:data:`ballots.verify.FAST_MIN_LEAVES` leaves or more, or when asked):

* the leaves in bulk (:mod:`.reading`, :mod:`.columns`: msgspec, chunks, interning);
* the Merkle tree shared with a forked child process (:mod:`.tree_job`, :mod:`.pieces`);
* the ballot rules in bulk with numpy (:mod:`.rules`), falling back to the reference;
  worked out as soon as the leaves are read, while the child is still hashing (check 11
  then takes that answer if its inputs are the same).

Whatever it does, the report is the reference's, message for message
(tests/ballots/test_fast_differential.py); ``docs/verifier-internals.md`` says how.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple
from functools import partial

from .. import _tally_adapter as engine
from ..ballot_rules import ballot_rules
from ..bundle import Bundle
from ..leaflog import Ballots, LeafLog, Progress
from ..leaves import OpenLeaf
from ..merkle import Tree
from ..verify import Steps
from .pieces import leaf_pieces
from .reading import CHUNK, read_in_bulk
from .rules import plain_ballots
from .tree_job import BLOCK, TreeJob

__all__ = ["FastPath", "FastSteps"]


@dataclass(frozen=True, slots=True)
class FastPath:
    """Settings of the fast path (tests make them small to reach every branch).

    ``chunk``: leaves checked together in bulk.  ``fork``: share the tree with a
    child process when a second CPU is free (None), whenever the system can fork
    (True) or never (False); only for a log of ``fork_min_leaves`` leaves, or a
    file of ``fork_min_bytes`` (then forked before decoding).  ``block``: leaves
    per block of the shared tree (a power of two).
    """

    chunk: int = CHUNK
    fork: bool | None = None
    fork_min_leaves: int = 100_000
    fork_min_bytes: int = 16 << 20
    block: int = BLOCK

    @contextmanager
    def steps(self) -> Iterator[FastSteps]:
        with _gc_paused():
            steps = FastSteps(self)
            try:
                yield steps
            finally:
                steps.close()

    @contextmanager
    def steps_from_bytes(self, data: bytes) -> Iterator[FastSteps]:
        """Steps for the bundle in ``data``, not decoded yet: for a large file the tree
        child starts now and reads the leaves from the bytes itself."""
        with self.steps() as steps:
            if len(data) >= self.fork_min_bytes:
                # every leaf takes at least 3 bytes of the JSON (`"",`)
                steps.job = TreeJob(partial(leaf_pieces, data), len(data) // 3 + 1,
                                    block=self.block, fork=self.fork)
            yield steps


class _Early(NamedTuple):
    """:func:`plain_ballots` of a log, worked out before check 11 asks for it."""

    o: OpenLeaf
    ballots: Ballots
    weights: Mapping[str, int]
    regions: Mapping[str, str] | None
    keep: list[int] | None


class FastSteps(Steps):
    """:class:`~ballots.verify.Steps` for a large log; close it when done."""

    def __init__(self, path: FastPath) -> None:
        self.path = path
        self.job: TreeJob | None = None
        self.early: _Early | None = None

    def read_leaves(self, b: Bundle, progress: Progress | None) -> LeafLog:
        self._start_tree(b.leaves)  # the child hashes while the leaves are checked here
        log = read_in_bulk(b, progress, self.path.chunk)
        if log.opened is not None and not log.is_audit:
            self.early = _work_out_early(log.opened, log.ballots)  # the child still hashes
        return log

    def tree(self, leaves: Sequence[str]) -> Tree:
        return self._start_tree(leaves).tree(leaves)

    def root(self, leaves: Sequence[str]) -> bytes:
        return self._start_tree(leaves).root(leaves)

    def counted(self, o: OpenLeaf, ballots: Ballots, weights: Mapping[str, int] | None,
                regions: Mapping[str, str] | None) -> tuple[list[int], list[str]]:
        early = self.early
        if early is not None and early.o is o and early.ballots is ballots \
                and early.weights == weights and early.regions == regions:
            keep = early.keep
        else:
            keep = plain_ballots(o, ballots, weights, regions)
        return (keep, []) if keep is not None else ballot_rules(o, ballots, weights, regions)

    def close(self) -> None:
        if self.job is not None:
            self.job.close()

    def _start_tree(self, leaves: Sequence[str]) -> TreeJob:
        if self.job is None:
            path = self.path
            self.job = TreeJob((lambda: (leaves,)) if len(leaves) >= path.fork_min_leaves
                               else None, len(leaves), block=path.block, fork=path.fork)
        return self.job


def _work_out_early(o: OpenLeaf, ballots: Ballots) -> _Early | None:
    """The bulk rule check with the weights check 10 will recompute (None if it cannot)."""
    try:
        w = engine.recompute_weights(o.weights)
    except (engine.Unavailable, engine.EngineError):
        return None
    return _Early(o, ballots, w.weights, w.regions, plain_ballots(o, ballots, w.weights, w.regions))


@contextmanager
def _gc_paused() -> Iterator[None]:
    # A large bundle makes millions of small tuples and no reference cycle; the
    # cyclic garbage collector would rescan them again and again (a fifth of the
    # time at a million ballots), so it is paused while verifying.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
