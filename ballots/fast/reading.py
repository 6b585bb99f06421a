"""Checks 3 and 4 in bulk: chunks of plain ballot leaves checked together.

:func:`read_in_bulk` fills the same :class:`~ballots.leaflog.LeafLog` as the
reference's :func:`~ballots.leaflog.read_leaves`.  A chunk made only of plain
ballot leaves that raise no problem is checked at once
(:func:`~ballots.fast.columns.ballot_columns`); any other chunk, and the first
and last leaves, go through the reference's :func:`~ballots.leaflog.read_range`,
which gives every message.  Equal strings and list selections are shared
(interned), so a million ballots hold a few hundred distinct objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..bundle import Bundle
from ..leaflog import LeafLog, Progress, read_range, time_key
from .columns import ballot_columns

__all__ = ["CHUNK", "read_in_bulk"]

CHUNK = 2048  # leaves checked together (their objects stay in the CPU cache)


class _Shared:
    """What reading the chunks shares: interned values and the bulk check's buffer."""

    __slots__ = ("start19", "end19", "lists", "strings", "scratch")

    def __init__(self, log: LeafLog) -> None:
        # the whole seconds of the voting period (time_key's first 19 characters)
        self.start19, self.end19 = log.period[0][:19], log.period[1][:19]
        self.lists: dict[Any, Any] = {}  # one object per distinct list selection
        self.strings: dict[Any, Any] = {}  # one object per distinct member or option id
        self.scratch = bytearray()  # re-encoded leaves, reused from chunk to chunk


def read_in_bulk(b: Bundle, progress: Progress | None, chunk: int = CHUNK) -> LeafLog:
    """Check every leaf, in chunks of ``chunk`` leaves; the same log as leaf by leaf."""
    log = LeafLog.of(b)
    leaves, total = b.leaves, len(b.leaves)
    if progress is not None:
        progress(0, total)
    if total <= 2:
        read_range(log, leaves, 0, total)
    else:
        read_range(log, leaves, 0, 1)
        shared = _Shared(log)
        for lo in range(1, total - 1, chunk):
            hi = min(lo + chunk, total - 1)
            if progress is not None and lo > 1:
                progress(lo, total)
            if not _bulk_ballots(leaves, lo, hi, log, shared):
                read_range(log, leaves, lo, hi)
        read_range(log, leaves, total - 1, total)
    if progress is not None:
        progress(total, total)
    return log


def _bulk_ballots(leaves: Sequence[str], lo: int, hi: int, log: LeafLog,
                  shared: _Shared) -> bool:
    """Read leaves ``lo`` to ``hi - 1`` in bulk, or return False having changed nothing.

    Succeeds only when every leaf is a ballot leaf that :func:`parse_leaf`
    accepts (as :func:`ballot_columns` reads it), of the opened motion, cast
    inside the voting period, before the scheduled close and in time order (after the
    ballot before them too), in a motion log: then reading them one by one
    would give no message, only the ballot rows appended here.
    """
    if log.is_audit or log.opened is None:
        return False
    cols = ballot_columns(leaves[lo:hi], log.opened.motion, shared.scratch)
    if cols is None:
        return False
    member, weight, sup, region, proxy, sel, (first, last) = cols
    # every cast_at's whole second strictly inside the period's (the earliest
    # and latest in time also have the earliest and latest whole seconds)
    if not (first[:19] > shared.start19 and last[:19] < shared.end19):
        return False
    first_key, last_key = time_key(first), time_key(last)
    if first_key < log.last_cast or last_key >= log.scheduled_close:
        return False
    log.last_cast = last_key
    strings = shared.strings
    members = list(map(strings.setdefault, member, member))
    if list not in set(map(type, sel)):
        sels: Sequence[Any] = list(map(strings.setdefault, sel, sel))
    else:
        lists = shared.lists
        sels = [lists.setdefault(tuple(s), s) if type(s) is list
                else strings.setdefault(s, s) for s in sel]
    log.ballots.extend(range(lo, hi), members, weight, sup, region, proxy, sels)
    return True
