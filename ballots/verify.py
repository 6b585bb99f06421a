"""Offline verification of a motion bundle (or an audit bundle).

:func:`verify_bundle` runs named checks in a fixed order and returns a
:class:`Report`; it never raises for bad input.  The checks (see
``docs/bulletin-board.md`` for the exact rules):

 1. ``bundle format``      shape, format version, sizes
 2. ``verifier key``       the vkey parses (and equals a pinned key, if given)
 3. ``leaves``             every leaf is canonical ``lipvote-leaf/1`` JSON
 4. ``log structure``      open first, close last, one motion, counts agree
 5. ``signing keys``       each key rotation is signed by the key in force
 6. ``final checkpoint``   signed by the key in force, right origin and size
 7. ``merkle root``        the leaves hash to the signed root
 8. ``checkpoints``        every other checkpoint agrees with the log (no fork)
 9. ``receipts``           every receipt's ballot is in the log, unforked
10. ``weights``            the weight snapshot recomputes; rules' eligible block agrees
11. ``ballots``            weights, members, regions, revotes: one counted ballot each
12. ``tally``              re-tallying reproduces the published result exactly

Audit bundles run 1-9 only.  The tally's tie-break seed is the final Merkle
root (32 raw bytes) of the whole log, close leaf included.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, repeat
from operator import is_not
from typing import Any, cast

import numpy as np

from . import _tally_adapter as engine
from ._tree_job import TreeJob
from .bundle import Bundle, decode_json_bytes, leaf_pieces, parse_bundle
from .checkpoint import open_checkpoint, parse_checkpoint
from .errors import BallotsError, FormatError
from .keys import follow_rotation
from .leaves import (AuditLeaf, BallotLeaf, CloseLeaf, KeyLeaf, OpenLeaf, fast_ballot,
                     fast_ballot_columns, parse_leaf)
from .note import Verifier, _split, parse_vkey
from .receipt import parse_receipt, receipt_from_tlog_proof, verify_receipt

__all__ = ["Check", "Report", "verify_bundle", "verify_bundle_bytes", "REPORT_FORMAT", "CHECKS",
           "AUDIT_CHECKS"]

REPORT_FORMAT = "lipvote-verify-report/1"
CHECKS = ("bundle format", "verifier key", "leaves", "log structure", "signing keys",
          "final checkpoint", "merkle root", "checkpoints", "receipts", "weights", "ballots",
          "tally")
AUDIT_CHECKS = CHECKS[:9]
_MAX_LISTED = 5

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Check:
    """One named check: ``status`` is "ok", "failed" or "skipped"."""

    name: str
    status: str
    message: str

    @property
    def ok(self) -> bool:
        return self.status != "failed"


@dataclass
class Report:
    """The outcome of :func:`verify_bundle`: checks in order, and a summary."""

    checks: list[Check] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no check failed (skipped checks were not asked for)."""
        return bool(self.checks) and all(c.ok for c in self.checks)

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == "failed"]

    def as_dict(self) -> dict[str, Any]:
        return {"format": REPORT_FORMAT, "ok": self.ok,
                "checks": [{"name": c.name, "status": c.status, "message": c.message}
                           for c in self.checks],
                "summary": dict(self.summary)}


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} leaves" if word == "leaf" else f"{n} {word}s"


def _listed(problems: Sequence[str]) -> str:
    shown = "; ".join(problems[:_MAX_LISTED])
    more = len(problems) - _MAX_LISTED
    return shown + (f"; and {more} more" if more > 0 else "")


def _time_key(t: str) -> str:
    """Sortable form of our RFC 3339 UTC times (fractions padded to 9 digits)."""
    return t[:19] + t[20:-1].ljust(9, "0")


class _KeyChain:
    """Which key signs checkpoints of which sizes, following ``key`` leaves."""

    def __init__(self, first: Verifier) -> None:
        self.starts: list[tuple[int, Verifier]] = [(0, first)]

    def at(self, size: int) -> Verifier:
        """Key in force for a checkpoint of ``size`` leaves."""
        key = self.starts[0][1]
        for start, v in self.starts:
            if start <= size:
                key = v
        return key

    def add(self, index: int, v: Verifier) -> None:
        # the checkpoint that first includes leaf ``index`` is signed by the new key
        self.starts.append((index + 1, v))


class _Ballots:
    """The ballot leaves read so far, one list per field (compact, and bulk-friendly).

    Position ``p`` is one ballot: leaf ``index[p]``, ``member[p]`` (None in a
    secret ballot), ``weight[p]``, ``supersedes[p]``, ``region[p]``,
    ``proxy[p]`` and ``selection[p]``.
    """

    __slots__ = ("index", "member", "weight", "supersedes", "region", "proxy", "selection")

    def __init__(self) -> None:
        self.index: list[int] = []
        self.member: list[str | None] = []
        self.weight: list[int] = []
        self.supersedes: list[int | None] = []
        self.region: list[str | None] = []
        self.proxy: list[str | None] = []
        self.selection: list[Any] = []

    def __len__(self) -> int:
        return len(self.index)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Ballots) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def append(self, index: int, member: str | None, weight: int, supersedes: int | None,
               region: str | None, proxy: str | None, selection: Any) -> None:
        self.index.append(index)
        self.member.append(member)
        self.weight.append(weight)
        self.supersedes.append(supersedes)
        self.region.append(region)
        self.proxy.append(proxy)
        self.selection.append(selection)

    def extend(self, index: Iterable[int], member: Iterable[str | None], weight: Iterable[int],
               supersedes: Iterable[int | None], region: Iterable[str | None],
               proxy: Iterable[str | None], selection: Iterable[Any]) -> None:
        self.index.extend(index)
        self.member.extend(member)
        self.weight.extend(weight)
        self.supersedes.extend(supersedes)
        self.region.extend(region)
        self.proxy.extend(proxy)
        self.selection.extend(selection)


@dataclass
class _Log:
    """What one pass over the leaves collected."""

    bad: list[str] = field(default_factory=list)
    opened: OpenLeaf | None = None
    closed: CloseLeaf | None = None
    close_index: int = -1
    ballots: _Ballots = field(default_factory=lambda: _Ballots())
    keys: list[tuple[int, KeyLeaf]] = field(default_factory=list)
    structure: list[str] = field(default_factory=list)
    audit_logs: set[str] = field(default_factory=set)
    late: list[int] = field(default_factory=list)  # ballots cast outside the period


_CHUNK = 2048  # leaves checked together by the bulk path (their objects stay in the CPU cache)


class _ReadContext:
    """What reading the leaves shares between chunks."""

    __slots__ = ("is_audit", "start", "end", "start19", "end19", "intern", "strings", "scratch")

    def __init__(self, b: Bundle) -> None:
        self.is_audit = b.is_audit
        self.start, self.end = _period(b)
        self.start19, self.end19 = self.start[:19], self.end[:19]
        self.intern: dict[Any, Any] = {}  # one object per distinct list selection
        self.strings: dict[Any, Any] = {}  # one object per distinct member or option id
        self.scratch = bytearray()  # the bulk check's buffer, reused from chunk to chunk


def _bulk_ballots(leaves: Sequence[str], lo: int, hi: int, log: _Log,
                  ctx: _ReadContext) -> bool:
    """Read leaves ``lo`` to ``hi - 1`` in bulk, or return False having changed nothing.

    Succeeds only when every leaf is a ballot leaf that :func:`parse_leaf`
    accepts (as :func:`fast_ballot_columns` reads it), of the opened motion,
    cast inside the voting period, in a motion log: then reading them one by
    one would give no message, only the ballot rows appended here.
    """
    if ctx.is_audit or log.opened is None:
        return False
    cols = fast_ballot_columns(leaves[lo:hi], log.opened.motion, ctx.scratch)
    if cols is None:
        return False
    member, weight, sup, region, proxy, sel, (first, last) = cols
    # every cast_at's whole second strictly inside the period's (the earliest
    # and latest in time also have the earliest and latest whole seconds)
    if not (first[:19] > ctx.start19 and last[:19] < ctx.end19):
        return False
    strings = ctx.strings
    members = list(map(strings.setdefault, member, member))
    if list not in set(map(type, sel)):
        sels: Sequence[Any] = list(map(strings.setdefault, sel, sel))
    else:
        intern = ctx.intern
        sels = [intern.setdefault(tuple(s), s) if type(s) is list
                else strings.setdefault(s, s) for s in sel]
    log.ballots.extend(range(lo, hi), members, weight, sup, region, proxy, sels)
    return True


# A bundle of at least this many leaves (or this many bytes of JSON) has its
# Merkle tree built with a forked child process while this one checks the
# leaves (tests lower them).
FORK_MIN_LEAVES = 100_000
FORK_MIN_BYTES = 16 << 20


class _Verifier:
    def __init__(self, progress: Progress | None) -> None:
        self.report = Report()
        self.progress = progress

    def add(self, name: str, status: str, message: str) -> None:
        self.report.checks.append(Check(name, status, message))

    def skip_rest(self, names: Iterable[str], why: str) -> None:
        done = {c.name for c in self.report.checks}
        for n in names:
            if n not in done:
                self.add(n, "skipped", why)

    # -- 3 & 4: one pass over the leaves -----------------------------------
    def read_leaves(self, b: Bundle, *, chunk: int = _CHUNK, bulk: bool = True) -> _Log:
        """Check every leaf, in chunks of ``chunk`` leaves (hashing: :mod:`._tree_job`).

        A chunk made only of plain ballot leaves that raise no problem is
        checked in bulk (:func:`_bulk_ballots`); any other chunk, and the first
        and last leaves, go leaf by leaf through :meth:`_read_range`, which
        gives every message.  Both ways collect exactly the same :class:`_Log`
        (``bulk=False`` forces the second, for tests).
        """
        log = _Log()
        total = len(b.leaves)
        ctx = _ReadContext(b)
        progress = self.progress
        if progress is not None:
            progress(0, total)
        if total <= 2 or not bulk:
            self._read_range(b, log, ctx, 0, total)
        else:
            self._read_range(b, log, ctx, 0, 1)
            for lo in range(1, total - 1, chunk):
                hi = min(lo + chunk, total - 1)
                if progress is not None and lo > 1:
                    progress(lo, total)
                if not _bulk_ballots(b.leaves, lo, hi, log, ctx):
                    self._read_range(b, log, ctx, lo, hi)
            self._read_range(b, log, ctx, total - 1, total)
        if progress is not None:
            progress(total, total)
        return log

    def _read_range(self, b: Bundle, log: _Log, ctx: _ReadContext, lo: int, hi: int) -> None:
        """Leaf-by-leaf reading of leaves ``lo`` to ``hi - 1``, with every message."""
        intern, strings = ctx.intern, ctx.strings
        is_audit = b.is_audit
        start, end, start19, end19 = ctx.start, ctx.end, ctx.start19, ctx.end19
        ballots, structure, late = log.ballots, log.structure, log.late
        leaves = b.leaves
        for i in range(lo, hi):
            text = leaves[i]
            if not text.isascii():
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    log.bad.append(f"leaf {i}: contains a lone surrogate, not valid Unicode")
                    continue
            opened_motion = log.opened.motion if log.opened is not None else None
            fast = fast_ballot(text)
            if fast is not None:
                member, weight, sup, region, proxy, sel, motion, cast_at = fast
                if type(sel) is list:
                    sel = intern.setdefault(tuple(sel), sel)
                elif sel is not None:
                    sel = strings.setdefault(sel, sel)
                if member is not None:
                    member = strings.setdefault(member, member)
                ballots.append(i, member, weight, sup, region, proxy, sel)
                if not start19 < cast_at[:19] < end19 and not \
                        start <= _time_key(cast_at) <= end:
                    late.append(i)
                if opened_motion is not None and motion != opened_motion:
                    structure.append(f"leaf {i} belongs to motion {motion!r}, not "
                                     f"{opened_motion!r}")
                if is_audit:
                    structure.append(f"leaf {i} is a ballot in an audit log")
                continue
            try:
                leaf = parse_leaf(text)
            except BallotsError as e:
                log.bad.append(f"leaf {i}: {e}")
                continue
            self._collect(log, i, leaf, b, intern)
            if isinstance(leaf, BallotLeaf) and not start <= _time_key(leaf.cast_at) <= end:
                late.append(i)

    def _collect(self, log: _Log, i: int, leaf: Any, b: Bundle, intern: dict[Any, Any]) -> None:
        s = log.structure
        if isinstance(leaf, BallotLeaf):
            sel = leaf.selection
            try:
                key = _freeze(sel)
                sel = intern.setdefault(key, sel)
            except TypeError:
                pass
            log.ballots.append(i, leaf.member, leaf.weight, leaf.supersedes, leaf.region,
                               leaf.proxy, sel)
            if b.is_audit:
                s.append(f"leaf {i} is a ballot in an audit log")
        elif isinstance(leaf, OpenLeaf):
            if i != 0 or b.is_audit:
                s.append(f"leaf {i} opens a motion; only leaf 0 of a motion log may")
            else:
                log.opened = leaf
        elif isinstance(leaf, CloseLeaf):
            if log.closed is not None:
                s.append(f"leaf {i} closes the motion again (first close at leaf "
                         f"{log.close_index})")
            else:
                log.closed, log.close_index = leaf, i
            if b.is_audit:
                s.append(f"leaf {i} is a close leaf in an audit log")
        elif isinstance(leaf, KeyLeaf):
            log.keys.append((i, leaf))
        elif isinstance(leaf, AuditLeaf):
            if not b.is_audit:
                s.append(f"leaf {i} is an audit event in a motion log")
            log.audit_logs.add(leaf.log)
        motion = getattr(leaf, "motion", None)
        if (motion is not None and log.opened is not None and i > 0
                and motion != log.opened.motion):
            s.append(f"leaf {i} belongs to motion {motion!r}, not {log.opened.motion!r}")

    def check_structure(self, b: Bundle, log: _Log) -> None:
        s = list(log.structure)
        n = len(b.leaves)
        if b.is_audit:
            if len(log.audit_logs) > 1:
                s.append(f"audit events name several logs: {sorted(log.audit_logs)}")
        else:
            o = log.opened
            if o is None:
                s.insert(0, "leaf 0 is not the motion's open leaf")
            if log.closed is None:
                s.append("the log has no close leaf: the motion is not closed, or the bundle "
                         "is truncated")
            elif log.close_index != n - 1:
                s.append(f"the close leaf is leaf {log.close_index}, but the log continues to "
                         f"leaf {n - 1}")
            else:
                want = len(log.ballots)
                if log.closed.ballots != want:
                    s.append(f"the close leaf counts {log.closed.ballots} ballots, the log "
                             f"holds {want}")
            if o is not None:
                late = log.late
                if late:
                    s.append(f"{_plural(len(late), 'ballot')} cast outside the voting period "
                             f"(first at leaf {late[0]})")
        if s:
            self.add("log structure", "failed", _listed(s))
        elif b.is_audit:
            self.add("log structure", "ok", f"{_plural(n, 'leaf')} of one audit log")
        else:
            motion = log.opened.motion if log.opened else "?"
            self.add("log structure", "ok",
                     f"motion {motion!r}: open, {_plural(len(log.ballots), 'ballot')}, "
                     f"{_plural(len(log.keys), 'key rotation')}, close")

    # -- 5: key chain ------------------------------------------------------
    def check_keys(self, b: Bundle, log: _Log, chain: _KeyChain) -> None:
        problems = []
        for i, kl in log.keys:
            try:
                chain.add(i, follow_rotation(kl, b.origin, chain.at(i)))
            except BallotsError as e:
                problems.append(f"key rotation at leaf {i} is not signed by the key in force "
                                f"({e})")
                break
        if problems:
            self.add("signing keys", "failed", _listed(problems))
        elif log.keys:
            chain_text = " -> ".join(f"{v.name}+{v.key_id:08x}" for _, v in chain.starts)
            self.add("signing keys", "ok", f"{_plural(len(log.keys), 'rotation')} followed: "
                     f"{chain_text}")
        else:
            first = chain.starts[0][1]
            self.add("signing keys", "ok", f"one key throughout: {first.name}+{first.key_id:08x}")

    # -- helpers for signed checkpoints ------------------------------------
    @staticmethod
    def open_cp(note: str, chain: _KeyChain, origin: str) -> tuple[int, bytes]:
        text, _ = _split(note)
        size = parse_checkpoint(text).size
        sc = open_checkpoint(note, [chain.at(size)], origin=origin)
        return sc.size, sc.root


def _period(b: Bundle) -> tuple[str, str]:
    """Sortable keys of the voting period, from the first and last leaves if they parse."""
    lo, hi = "", "\U0010ffff"
    for text in (b.leaves[0], b.leaves[-1]):
        try:
            leaf = parse_leaf(text)
        except BallotsError:
            continue
        if isinstance(leaf, OpenLeaf):
            lo = _time_key(leaf.opened_at)
        elif isinstance(leaf, CloseLeaf):
            hi = _time_key(leaf.closed_at)
    return lo, hi


def _freeze(obj: Any) -> Any:
    if isinstance(obj, list):
        return ("l",) + tuple(_freeze(v) for v in obj)
    if isinstance(obj, dict):
        return ("d",) + tuple(sorted((k, _freeze(v)) for k, v in obj.items()))
    if isinstance(obj, (str, int, bool)) or obj is None:
        return (type(obj).__name__, obj)
    raise TypeError(type(obj).__name__)


def _load_receipt(r: object) -> object:
    """A receipt dict, its JSON text, or a tlog-proof text carrying the leaf."""
    if isinstance(r, str) and r.startswith("c2sp.org/tlog-proof@v1\n"):
        return receipt_from_tlog_proof(r)
    return r


def verify_bundle(bundle: object, receipts: Iterable[object] = (),
                  checkpoints: Iterable[str] = (), progress: Progress | None = None, *,
                  trusted_keys: Sequence[str] = (), retally: bool = True) -> Report:
    """Verify a bundle (dict or JSON text) offline; see the module docstring.

    ``receipts``: receipt dicts, receipt JSON texts, or tlog-proof texts.
    ``checkpoints``: signed checkpoint texts seen elsewhere (e.g. published
    during the vote); each must agree with the log.  ``trusted_keys``: vkeys
    published by the server; the bundle's key must be one of them.
    ``retally=False`` skips the ``tally`` check (for benchmarks).
    ``progress(done, total)`` is called while the leaves are read.
    """
    with _gc_paused():
        return _verify_bundle(bundle, receipts, checkpoints, progress,
                              trusted_keys=trusted_keys, retally=retally)


def verify_bundle_bytes(data: bytes, receipts: Iterable[object] = (),
                        checkpoints: Iterable[str] = (), progress: Progress | None = None, *,
                        trusted_keys: Sequence[str] = (), retally: bool = True,
                        what: str = "bundle") -> Report:
    """:func:`verify_bundle` for a bundle's JSON bytes, as read from its file.

    Raises :class:`FormatError` (naming ``what``) when ``data`` is not JSON at
    all; any other problem is a failed check in the report.  For a large
    bundle the Merkle tree is started before the bytes are decoded: a child
    process reads the leaves from the same bytes, a piece at a time
    (:func:`~ballots.bundle.leaf_pieces`), and hashes while this one checks.
    """
    with _gc_paused():
        job = None
        if len(data) >= FORK_MIN_BYTES:
            # every leaf takes at least 3 bytes of the JSON (`"",`)
            job = TreeJob(partial(leaf_pieces, data), max_leaves=len(data) // 3 + 1)
        try:
            bundle = decode_json_bytes(data, what)
            del data  # the child has its own view of the bytes; here they are done with
            return _verify_bundle(bundle, receipts, checkpoints, progress,
                                  trusted_keys=trusted_keys, retally=retally, tree_job=job)
        finally:
            if job is not None:
                job.close()


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


def _verify_bundle(bundle: object, receipts: Iterable[object], checkpoints: Iterable[str],
                   progress: Progress | None, *, trusted_keys: Sequence[str],
                   retally: bool, tree_job: TreeJob | None = None) -> Report:
    v = _Verifier(progress)
    report = v.report
    try:
        b = parse_bundle(bundle)
    except FormatError as e:
        v.add("bundle format", "failed", str(e))
        v.skip_rest(CHECKS, "not run: the bundle could not be read")
        return report
    if tree_job is None:
        leaves = b.leaves
        tree_job = TreeJob((lambda: (leaves,)) if len(leaves) >= FORK_MIN_LEAVES else None,
                           max_leaves=len(leaves))
    try:
        return _verify_parsed(v, b, tree_job, receipts, checkpoints, trusted_keys=trusted_keys,
                              retally=retally)
    finally:
        tree_job.close()


def _verify_parsed(v: _Verifier, b: Bundle, tree_job: TreeJob, receipts: Iterable[object],
                   checkpoints: Iterable[str], *, trusted_keys: Sequence[str],
                   retally: bool) -> Report:
    report = v.report
    names = AUDIT_CHECKS if b.is_audit else CHECKS
    v.add("bundle format", "ok", f"{b.format}, {_plural(len(b.leaves), 'leaf')}, "
          f"origin {b.origin}")
    report.summary.update(origin=b.origin, format=b.format, leaves=len(b.leaves))

    # 2. verifier key
    first: Verifier | None
    try:
        first = parse_vkey(b.verifier_key)
        pinned = [parse_vkey(k) for k in trusted_keys]
    except BallotsError as e:
        first = None
        v.add("verifier key", "failed", str(e))
    else:
        if pinned and first not in pinned:
            v.add("verifier key", "failed", f"the bundle's key {first.vkey} is not the key "
                  "published by the server (given with --key)")
        else:
            v.add("verifier key", "ok", first.vkey + (" (matches the pinned key)" if pinned
                                                      else " (not pinned: pass --key to "
                                                      "compare with the published key)"))

    # 3. leaves
    log = v.read_leaves(b)
    if log.bad:
        v.add("leaves", "failed", f"{_plural(len(log.bad), 'leaf')} not valid: "
              + _listed(log.bad))
    else:
        v.add("leaves", "ok", f"all {len(b.leaves)} leaves are canonical lipvote-leaf/1 JSON")

    # 4. structure
    v.check_structure(b, log)

    # 5. keys
    chain = _KeyChain(first) if first is not None else None
    if chain is None:
        v.add("signing keys", "skipped", "not run: no valid verifier key")
    else:
        v.check_keys(b, log, chain)

    # 10 and 11 need only the leaves: work them out before waiting for the tree
    rules = None
    if not b.is_audit and log.opened is not None:
        rules = _weights_and_ballots(log.opened, log)

    # earlier checkpoints and receipts need the whole tree; without them its root will do
    given = list(checkpoints)
    all_cps = [(f"bundle checkpoint {k + 1}", c) for k, c in enumerate(b.checkpoints)]
    all_cps += [(f"checkpoint {k + 1}", c) for k, c in enumerate(given)]
    rs = list(receipts)
    tree = tree_job.tree(b.leaves) if all_cps or rs else None
    n = len(b.leaves)
    root = tree.root() if tree is not None else tree_job.root(b.leaves)

    # 6. final checkpoint
    report.summary["root"] = root.hex()
    cp_ok = False
    if chain is None:
        v.add("final checkpoint", "skipped", "not run: no valid verifier key")
    else:
        try:
            size, signed_root = v.open_cp(b.checkpoint, chain, b.origin)
        except BallotsError as e:
            v.add("final checkpoint", "failed", f"the final checkpoint does not verify: {e}")
        else:
            if size < n:
                v.add("final checkpoint", "failed",
                      f"the final checkpoint covers {size} leaves but the bundle has {n}: "
                      "leaves were added after the last signature")
            elif size > n:
                v.add("final checkpoint", "failed",
                      f"the final checkpoint covers {size} leaves but the bundle has only {n}: "
                      "the log is truncated")
            else:
                cp_ok = True
                v.add("final checkpoint", "ok", f"signed by {chain.at(size).name}+"
                      f"{chain.at(size).key_id:08x} for {size} leaves")
            # 7. merkle root
            if signed_root == root and size == n:
                v.add("merkle root", "ok", f"the {n} leaves hash to the signed root "
                      f"{root.hex()}")
            elif size == n:
                cp_ok = False
                v.add("merkle root", "failed", f"the leaves hash to {root.hex()} but the "
                      f"signed root is {signed_root.hex()}: a leaf was edited, inserted, "
                      "removed or reordered")
            else:
                cp_ok = False
                v.add("merkle root", "failed", "not comparable: the checkpoint size differs "
                      "from the number of leaves")
    v.skip_rest(["merkle root"], "not run: the final checkpoint did not verify")

    # 8. other checkpoints
    if chain is None:
        v.add("checkpoints", "skipped", "not run: no valid verifier key")
    elif not all_cps:
        v.add("checkpoints", "ok", "no other checkpoints given")
    else:
        assert tree is not None
        problems = []
        for label, note in all_cps:
            try:
                size, croot = v.open_cp(note, chain, b.origin)
            except BallotsError as e:
                problems.append(f"{label} does not verify: {e}")
                continue
            if size > n:
                problems.append(f"{label} covers {size} leaves, more than the bundle's {n}: "
                                "the bundle is stale or truncated")
            elif tree.root(size) != croot:
                problems.append(f"{label} (size {size}) signed root {croot.hex()} but the log "
                                f"gives {tree.root(size).hex()}: the log forked or was "
                                "rewritten")
        if problems:
            v.add("checkpoints", "failed", _listed(problems))
        else:
            v.add("checkpoints", "ok", f"{_plural(len(all_cps), 'checkpoint')} agree with the "
                  "log")

    # 9. receipts
    if chain is None:
        v.add("receipts", "skipped", "not run: no valid verifier key")
    elif not rs:
        v.add("receipts", "ok", "no receipts given")
    else:
        assert tree is not None
        problems = []
        for k, raw in enumerate(rs):
            label = f"receipt {k + 1}"
            try:
                loaded = _load_receipt(raw)
                r = parse_receipt(loaded)
                label += f" ({r.tracking_code})"
                text, _ = _split(r.checkpoint)
                rsize = parse_checkpoint(text).size
                check = verify_receipt(loaded, [chain.at(rsize)])
            except BallotsError as e:
                problems.append(f"{label}: {e}")
                continue
            if check.origin != b.origin:
                problems.append(f"{label} is for log {check.origin!r}, not {b.origin!r}")
            elif check.index >= n or b.leaves[check.index] != check.leaf_text:
                problems.append(f"{label}: leaf {check.index} of the bundle is not the "
                                "receipt's ballot: the ballot was changed, moved or removed")
            elif rsize > n:
                problems.append(f"{label}: its checkpoint covers {rsize} leaves, more than the "
                                f"bundle's {n}: the bundle is truncated")
            elif tree.root(rsize) != check.checkpoint.root:
                problems.append(f"{label}: its checkpoint (size {rsize}) contradicts the log: "
                                "the log forked or was rewritten after the receipt")
        if problems:
            v.add("receipts", "failed", _listed(problems))
        else:
            v.add("receipts", "ok", f"{_plural(len(rs), 'receipt')}: each ballot is in the log "
                  "at its index")

    if b.is_audit:
        return report

    o = log.opened
    if o is None:
        v.skip_rest(names, "not run: the log has no valid open leaf")
        return report

    # 10. weights, 11. ballots (worked out above, while the tree was being built)
    checked, counted, summary = rules or _weights_and_ballots(o, log)
    report.checks.extend(checked)
    report.summary.update(summary)

    # 12. tally
    if not retally:
        v.add("tally", "skipped", "not run: re-tally not requested")
    elif not (cp_ok and report.check("leaves").ok and report.check("log structure").ok):
        v.add("tally", "skipped", "not run: the log itself did not verify")
    else:
        published = b.result or {}
        try:
            mine = engine.tally(o.method, counted, options=o.options, seats=o.seats,
                                rules=o.rules, seed=root)
        except (engine.Unavailable, engine.EngineError) as e:
            v.add("tally", "failed", f"re-tallying failed: {e}")
        else:
            if mine == published:
                v.add("tally", "ok", f"re-tally reproduces the published result "
                      f"(status {mine.get('status')!r}, winners {mine.get('winners')})")
            else:
                keys = sorted(set(mine) | set(published))
                diff = [k for k in keys if mine.get(k) != published.get(k)]
                v.add("tally", "failed", "the published result differs from the re-tally in "
                      f"{', '.join(diff)}: re-tally gives status {mine.get('status')!r}, "
                      f"winners {mine.get('winners')}")
    return report


def _weights_and_ballots(o: OpenLeaf, log: _Log) -> tuple[list[Check], list[tuple[Any, ...]],
                                                          dict[str, Any]]:
    """Checks 10 (weights) and 11 (ballots), the counted ballots, and the summary figures."""
    checks: list[Check] = []
    # 10. weights
    member_weights: dict[str, int] | None = None
    member_regions: dict[str, str] | None = None
    try:
        w = engine.recompute_weights(o.weights)
    except (engine.Unavailable, engine.EngineError) as e:
        checks.append(Check("weights", "failed", f"the weight snapshot does not recompute: {e}"))
        # still check the ballots against the published weights, if readable
        published = o.weights.get("weights")
        if isinstance(published, Mapping) and all(
                isinstance(k, str) and isinstance(x, int) for k, x in published.items()):
            member_weights = dict(published)
    else:
        member_weights, member_regions = w.weights, w.regions
        problems = []
        if not w.matches:
            problems.append("recomputing the snapshot from its derivation gives different "
                            "weights than the published ones")
        problems += _eligible_problems(o.rules, w.weights, w.regions)
        if problems:
            checks.append(Check("weights", "failed", _listed(problems)))
        else:
            checks.append(Check("weights", "ok", f"{_plural(len(w.weights), 'member')}, "
                                f"{sum(w.weights.values())} vote units; the snapshot "
                                f"recomputes ({_weight_rule(o.weights)})"))

    # 11. ballots
    counted, problems = _check_ballots(o, log, member_weights, member_regions)
    if problems:
        checks.append(Check("ballots", "failed", _listed(problems)))
    else:
        checks.append(Check("ballots", "ok", f"{_plural(len(counted), 'counted ballot')} "
                            f"({len(log.ballots) - len(counted)} superseded), at most one per "
                            "member"))
    return checks, counted, {"ballots": len(log.ballots), "counted": len(counted)}


def _weight_rule(snapshot: Mapping[str, Any]) -> str:
    """How the snapshot turned shares into units, for the report."""
    policy = snapshot.get("policy")
    if not isinstance(policy, Mapping):
        policy = {}
    rule = policy.get("rule")
    if rule == "exact":
        return "rule exact: the shares times their common denominator"
    if rule == "fixed_total":
        return f"rule fixed_total: {policy.get('total')} units asked for, equal remainders kept together"
    return f"format {snapshot.get('format')}: largest remainder, ties by member id"


def _eligible_problems(rules: Mapping[str, Any], weights: Mapping[str, int],
                       regions: Mapping[str, str] | None) -> list[str]:
    el = rules.get("eligible") if isinstance(rules, Mapping) else None
    if not isinstance(el, Mapping):
        return []
    out = []
    voters = dict(weights)
    if el.get("members") != len(voters):
        out.append(f"rules.eligible.members is {el.get('members')}, the snapshot has "
                   f"{len(voters)} members")
    if el.get("weight") != sum(voters.values()):
        out.append(f"rules.eligible.weight is {el.get('weight')}, the snapshot totals "
                   f"{sum(voters.values())}")
    regs = el.get("regions")
    if isinstance(regs, Mapping) and regions is not None:
        for rid, want in sorted(regs.items()):
            members = [m for m in voters if regions.get(m) == rid]
            got = {"members": len(members), "weight": sum(voters[m] for m in members)}
            if isinstance(want, Mapping) and (want.get("members"), want.get("weight")) != \
                    (got["members"], got["weight"]):
                out.append(f"rules.eligible.regions.{rid} is {dict(want)}, the snapshot gives "
                           f"{got}")
    return out


def _wants_region(o: OpenLeaf) -> bool:
    dm = o.rules.get("double_majority") if isinstance(o.rules, Mapping) else None
    return isinstance(dm, Mapping) and dm.get("regions") is not None


def _check_ballots(o: OpenLeaf, log: _Log, weights: Mapping[str, int] | None,
                   regions: Mapping[str, str] | None) -> tuple[list[tuple[Any, ...]], list[str]]:
    """Apply revotes; return the counted ballots for the tally and the problems."""
    problems: list[str] = []
    keep = _plain_ballots(o, log.ballots, weights, regions)
    if keep is None:
        keep, problems = _ballot_rules(o, log.ballots, weights, regions)
    bw, bsel, breg = log.ballots.weight, log.ballots.selection, log.ballots.region
    if o.secrecy == "secret" and weights is not None:
        have = Counter(w for w in weights.values() if w > 0)
        used = Counter(bw[p] for p in keep)
        for w, k in sorted(used.items()):
            if k > have.get(w, 0):
                problems.append(f"{k} counted secret ballots carry weight {w} but only "
                                f"{have.get(w, 0)} members have that weight")
    counted: list[tuple[Any, ...]]
    if _wants_region(o):
        counted = [(bw[p], bsel[p], breg[p]) for p in keep]
    else:
        counted = [(bw[p], bsel[p]) for p in keep]
    return counted, problems


def _plain_ballots(o: OpenLeaf, ballots: _Ballots, weights: Mapping[str, int] | None,
                   regions: Mapping[str, str] | None) -> list[int] | None:
    """Positions of the counted ballots when no ballot breaks a rule, found in bulk; else None.

    None means "go step by step" (:func:`_ballot_rules`, which explains every
    problem); it is also returned for valid but unusual logs (proxies, secret
    revotes, no readable weights).  When this returns positions,
    :func:`_ballot_rules` would return the same ones and no problem: every
    member's first ballot replaces nothing and each later one replaces the
    member's previous ballot, because the replaced leaves are distinct earlier
    ballots of the same member and exactly one ballot per member replaces nothing.
    """
    n = len(ballots)
    idx, members, ws, sups, regs = (ballots.index, ballots.member, ballots.weight,
                                    ballots.supersedes, ballots.region)
    if n == 0 or ballots.proxy.count(None) != n:
        return None
    want_region = _wants_region(o)
    if (None in regs) if want_region else (regs.count(None) != n):
        return None
    if o.secrecy == "secret":
        if members.count(None) != n or sups.count(None) != n:
            return None
        return list(range(n))
    if weights is None or None in members:
        return None
    voters = cast("list[str]", list(set(members)))  # no None: checked above
    if not all(m in weights for m in voters):
        return None
    code: dict[str | None, int] = {m: k for k, m in enumerate(voters)}
    mc = np.fromiter(map(code.__getitem__, members), np.intp, n)  # member of each ballot
    ws_a, want_w = _int_array(ws, n), _int_array([weights[m] for m in voters], len(voters))
    if ws_a is None or want_w is None or not np.array_equal(ws_a, want_w[mc]):
        return None
    if want_region and not _regions_agree(mc, voters, regs, regions):
        return None
    has_sup = list(map(is_not, sups, repeat(None)))
    replacing = sum(has_sup)
    if n - replacing != len(voters):
        return None
    if not replacing:
        return list(range(n))
    if not o.revote:
        return None
    at = _int_array(idx, n)
    replaced = _int_array(compress(sups, has_sup), replacing)
    if at is None or replaced is None or not bool((at[1:] > at[:-1]).all()):
        return None
    has = np.array(has_sup, bool)
    # each replaced leaf: an earlier ballot (of the same member) that nothing else replaces
    pos = np.minimum(np.searchsorted(at, replaced), n - 1)
    times_replaced = np.bincount(pos, minlength=n)
    if not (np.array_equal(at[pos], replaced) and bool((replaced < at[has]).all())
            and np.array_equal(mc[pos], mc[has]) and int(times_replaced.max()) == 1):
        return None
    return cast("list[int]", np.flatnonzero(times_replaced == 0).tolist())


def _int_array(values: Iterable[Any], n: int) -> np.ndarray[Any, Any] | None:
    """``n`` integers as an int64 array, or None when one does not fit (never a valid weight
    or index: those are at most 2**53 - 1)."""
    try:
        return np.fromiter(values, np.int64, n)
    except (OverflowError, TypeError, ValueError):
        return None


def _regions_agree(mc: np.ndarray[Any, Any], voters: list[str], regs: list[str | None],
                   regions: Mapping[str, str] | None) -> bool:
    """Does every ballot give its member's region (the snapshot's, or else one region per
    member throughout)?"""
    code = {r: k for k, r in enumerate(set(regs))}
    rc = np.fromiter(map(code.__getitem__, regs), np.intp, len(regs))
    if regions is not None:
        want = np.array([code.get(regions.get(m), -1) for m in voters], np.intp)
    else:
        want = np.full(len(voters), -1, np.intp)
        want[mc] = rc  # any one ballot's region per member; all must then agree with it
    return np.array_equal(rc, want[mc])


def _ballot_rules(o: OpenLeaf, ballots: _Ballots, weights: Mapping[str, int] | None,
                  regions: Mapping[str, str] | None) -> tuple[list[int], list[str]]:
    """Apply revotes ballot by ballot; return the counted positions and every problem."""
    problems: list[str] = []
    secret = o.secrecy == "secret"
    want_region = _wants_region(o)
    by_index: dict[int, int] = {}  # leaf index -> position in log.ballots
    live: dict[int, bool] = {}  # leaf index -> still counted
    current: dict[str, int] = {}  # member -> leaf index of the counted ballot
    rows = zip(ballots.index, ballots.member, ballots.weight, ballots.supersedes,
               ballots.region, ballots.proxy)
    for pos, (i, member, weight, sup, region, proxy) in enumerate(rows):
        by_index[i] = pos
        live[i] = True
        if secret:
            if member is not None:
                problems.append(f"leaf {i}: a secret ballot names member {member!r}")
            if proxy is not None:
                problems.append(f"leaf {i}: a secret ballot names proxy {proxy!r}")
        else:
            if member is None:
                problems.append(f"leaf {i}: a recorded ballot has no member")
            elif weights is not None:
                if member not in weights:
                    problems.append(f"leaf {i}: member {member!r} is not in the weight snapshot")
                elif weights[member] != weight:
                    problems.append(f"leaf {i}: member {member!r} cast weight {weight}, the "
                                    f"snapshot gives {weights[member]}")
                if proxy is not None and (proxy not in weights or proxy == member):
                    problems.append(f"leaf {i}: proxy {proxy!r} is not another member")
            if member is not None and regions is not None and region is not None \
                    and regions.get(member) != region:
                problems.append(f"leaf {i}: member {member!r} voted in region {region!r}, the "
                                f"snapshot places it in {regions.get(member)!r}")
        if want_region and region is None:
            problems.append(f"leaf {i}: no region, but the rules ask for a regional double "
                            "majority")
        if not want_region and region is not None:
            problems.append(f"leaf {i}: a region is given but the rules do not use regions")
        if sup is not None:
            if not o.revote:
                problems.append(f"leaf {i}: replaces leaf {sup}, but this motion allows no "
                                "revote")
            elif sup >= i or sup not in by_index:
                problems.append(f"leaf {i}: replaces leaf {sup}, which is not an earlier ballot")
            elif not live[sup]:
                problems.append(f"leaf {i}: replaces leaf {sup}, which was already replaced")
            else:
                p = by_index[sup]
                if ballots.member[p] != member:
                    problems.append(f"leaf {i}: replaces leaf {sup} cast by another member")
                elif ballots.weight[p] != weight or ballots.region[p] != region:
                    problems.append(f"leaf {i}: replaces leaf {sup} but its weight or region "
                                    "differs")
                live[sup] = False
        if not secret and member is not None:
            prev = current.get(member)
            if prev is not None and sup != prev:
                problems.append(f"member {member!r} has two counted ballots (leaves {prev} "
                                f"and {i})")
            current[member] = i
    return [p for p, i in enumerate(ballots.index) if live[i]], problems
