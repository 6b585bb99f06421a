"""Checks 3 and 4 of the verifier: one pass over the leaves, through :func:`parse_leaf`.

Every leaf is parsed by the strict parser; what the pass collects (the open and
close leaves, the ballots as columns, key rotations, and every problem found
on the way) is a :class:`LeafLog`, which :mod:`ballots.verify` reports on.  The
fast path (:mod:`ballots.fast`) fills the same :class:`LeafLog` in bulk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .bundle import Bundle
from .errors import BallotsError
from .leaves import AuditLeaf, BallotLeaf, CloseLeaf, KeyLeaf, OpenLeaf, parse_leaf

__all__ = ["Ballots", "LeafLog", "read_leaves", "read_range", "time_key"]

Progress = Callable[[int, int], None]


def time_key(t: str) -> str:
    """Sortable form of our RFC 3339 UTC times (fractions padded to 9 digits)."""
    return t[:19] + t[20:-1].ljust(9, "0")


# --------------------------------------------------------------------------
# What reading the leaves collects


class Ballots:
    """The ballot leaves read so far, one list per field (compact, and bulk-friendly).

    Position ``p`` is one ballot: leaf ``index[p]``, ``member[p]`` (None in a
    secret ballot), ``weight[p]``, ``supersedes[p]``, ``region[p]``,
    ``proxy[p]`` and ``selection[p]``.
    """

    __slots__ = ("index", "member", "weight", "supersedes", "region", "proxy", "selection")
    index: list[int]
    member: list[str | None]
    weight: list[int]
    supersedes: list[int | None]
    region: list[str | None]
    proxy: list[str | None]
    selection: list[Any]

    def __init__(self) -> None:
        for name in self.__slots__:
            setattr(self, name, [])

    def __len__(self) -> int:
        return len(self.index)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ballots) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def append(self, *row: Any) -> None:
        """Add one ballot: its values in the order of ``__slots__``."""
        for name, value in zip(self.__slots__, row, strict=True):
            getattr(self, name).append(value)

    def extend(self, *columns: Iterable[Any]) -> None:
        """Add ballots given as columns, in the order of ``__slots__``."""
        for name, values in zip(self.__slots__, columns, strict=True):
            getattr(self, name).extend(values)


@dataclass
class LeafLog:
    """What one pass over the leaves collected (checks 3 and 4 report it)."""

    is_audit: bool
    period: tuple[str, str]  # time_key of opened_at and closed_at, when they parse
    scheduled_close: str = "\U0010ffff"  # time_key of leaf 0's closes_at, if any
    bad: list[str] = field(default_factory=list)
    opened: OpenLeaf | None = None
    closed: CloseLeaf | None = None
    close_index: int = -1
    ballots: Ballots = field(default_factory=Ballots)
    keys: list[tuple[int, KeyLeaf]] = field(default_factory=list)
    structure: list[str] = field(default_factory=list)
    audit_logs: set[str] = field(default_factory=set)
    late: list[int] = field(default_factory=list)  # ballots cast outside the period
    backwards: list[int] = field(default_factory=list)  # cast_at before the previous ballot's
    after_close: list[int] = field(default_factory=list)  # cast at or after closes_at
    last_cast: str = ""  # time_key of the previous ballot leaf's cast_at

    @classmethod
    def of(cls, b: Bundle) -> LeafLog:
        """An empty log for ``b``, its voting period read from the first and last leaves."""
        lo, hi = "", "\U0010ffff"
        scheduled = hi
        for text in (b.leaves[0], b.leaves[-1]):
            try:
                leaf = parse_leaf(text)
            except BallotsError:
                continue
            if isinstance(leaf, OpenLeaf):
                lo = time_key(leaf.opened_at)
                if leaf.closes_at is not None:
                    scheduled = time_key(leaf.closes_at)
            elif isinstance(leaf, CloseLeaf):
                hi = time_key(leaf.closed_at)
        return cls(b.is_audit, (lo, hi), scheduled)


def read_leaves(b: Bundle, progress: Progress | None = None) -> LeafLog:
    """Checks 3 and 4 leaf by leaf: every leaf through :func:`parse_leaf`."""
    log = LeafLog.of(b)
    if progress is not None:
        progress(0, len(b.leaves))
    read_range(log, b.leaves, 0, len(b.leaves))
    if progress is not None:
        progress(len(b.leaves), len(b.leaves))
    return log


def read_range(log: LeafLog, leaves: Sequence[str], lo: int, hi: int) -> None:
    """Read leaves ``lo`` to ``hi - 1`` into ``log``, noting every problem."""
    for i in range(lo, hi):
        try:
            leaves[i].encode("utf-8")
            leaf = parse_leaf(leaves[i])
        except UnicodeEncodeError:
            log.bad.append(f"leaf {i}: contains a lone surrogate, not valid Unicode")
        except BallotsError as e:
            log.bad.append(f"leaf {i}: {e}")
        else:
            _note_leaf(log, i, leaf)


def _note_leaf(log: LeafLog, i: int, leaf: Any) -> None:
    s = log.structure
    if isinstance(leaf, BallotLeaf):
        log.ballots.append(i, leaf.member, leaf.weight, leaf.supersedes, leaf.region,
                           leaf.proxy, leaf.selection)
        cast = time_key(leaf.cast_at)
        if not log.period[0] <= cast <= log.period[1]:
            log.late.append(i)
        if cast < log.last_cast:
            log.backwards.append(i)
        if cast >= log.scheduled_close:
            log.after_close.append(i)
        log.last_cast = cast
        if log.is_audit:
            s.append(f"leaf {i} is a ballot in an audit log")
    elif isinstance(leaf, OpenLeaf):
        if i != 0 or log.is_audit:
            s.append(f"leaf {i} opens a motion; only leaf 0 of a motion log may")
        else:
            log.opened = leaf
    elif isinstance(leaf, CloseLeaf):
        if log.closed is not None:
            s.append(f"leaf {i} closes the motion again (first close at leaf "
                     f"{log.close_index})")
        else:
            log.closed, log.close_index = leaf, i
        if log.is_audit:
            s.append(f"leaf {i} is a close leaf in an audit log")
    elif isinstance(leaf, KeyLeaf):
        log.keys.append((i, leaf))
    elif isinstance(leaf, AuditLeaf):
        if not log.is_audit:
            s.append(f"leaf {i} is an audit event in a motion log")
        log.audit_logs.add(leaf.log)
    motion = getattr(leaf, "motion", None)
    if motion is not None and log.opened is not None and i > 0 \
            and motion != log.opened.motion:
        s.append(f"leaf {i} belongs to motion {motion!r}, not {log.opened.motion!r}")
