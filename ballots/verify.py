"""Offline verification of a motion bundle (or an audit bundle): the reference.

:func:`verify_bundle` runs named checks in a fixed order and returns a
:class:`Report`; it never raises for bad input.  The checks, one function each
below, in this order (``docs/bulletin-board.md`` §7 gives the exact rules):

 1. ``bundle format``      shape, format version, sizes
 2. ``verifier key``       the vkey parses
 3. ``leaves``             every leaf is canonical ``lipvote-leaf/1`` JSON
 4. ``log structure``      open first, close last, one motion, counts agree
 5. ``signing keys``       each key rotation is signed by the key in force
 6. ``final checkpoint``   signed by the key in force, right origin and size
 7. ``merkle root``        the leaves hash to the signed root
 8. ``checkpoints``        every other checkpoint agrees with the log (no fork)
 9. ``receipts``           every receipt's ballot is in the log, unforked
10. ``weights``            the weight snapshot recomputes; rules' eligible block agrees
11. ``ballots``            weights, members, regions, revotes: one counted ballot each
12. ``tie-break seed``     the secret revealed at the close is the one committed in leaf 0,
                           and the result uses the seed derived from it (:mod:`ballots.seed`)
13. ``tally``              re-tallying reproduces the published result exactly
14. ``trust anchor``       something the user holds pins the signing key: ``--key``, a
                           key list, a receipt, or a checkpoint fetched earlier
15. ``witnesses``          at least K of the witness keys given cosigned the final checkpoint
                           (:mod:`ballots.verify_witness`; skipped when none is given)

Checks 10-13 are in :mod:`ballots.verify_count`.  Audit bundles run 1-9, 14 and 15.
A report whose checks all pass is *self-consistent* (``Report.ok``); it is
*verified* (``Report.verified``) only when check 14 found a trust anchor.

Three steps are heavy on a large log: reading the leaves (3, 4), hashing them
(6-9) and applying the ballot rules (11).  :class:`Steps` does them here, plainly;
:mod:`ballots.fast` does the same three faster for logs of at least
:data:`FAST_MIN_LEAVES` leaves, with the very same outcome (see
``docs/verifier-internals.md``).  ``fast=False`` or ``True`` forces the choice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .ballot_rules import ballot_rules
from .bundle import Bundle, decode_json_bytes, parse_bundle
from .checkpoint import parse_checkpoint
from .errors import BallotsError, FormatError
from .keys import KeyChain, follow_rotation
from .leaflog import Ballots, LeafLog, Progress, read_leaves
from .decides import decides_object
from .leaves import LEAF_FORMAT, LEAF_FORMAT_2, OpenLeaf
from .merkle import Tree, leaf_hash
from .note import Verifier, _split, parse_vkey
from .receipt import parse_receipt, receipt_from_tlog_proof, verify_receipt
from .report import AUDIT_CHECKS, CHECKS, REPORT_FORMAT, Check, Report, listed, outcome, plural
from .verify_count import check_ballots, check_tally, check_tie_break_seed, check_weights
from .verify_witness import WitnessPolicy, check_witnesses

if TYPE_CHECKING:
    from .fast import FastPath

__all__ = ["Check", "Report", "Steps", "verify_bundle", "verify_bundle_bytes", "REPORT_FORMAT",
           "CHECKS", "AUDIT_CHECKS", "FAST_MIN_LEAVES"]

FAST_MIN_LEAVES = 10_000  # a real motion has about 100 leaves: the reference alone
FAST_MIN_BYTES = 16 << 20  # a file this large takes the fast path before it is decoded


# --------------------------------------------------------------------------
# The three heavy steps, done plainly (ballots.fast does them faster)


class Steps:
    """Reading the leaves, hashing them, applying the ballot rules: the reference."""

    def read_leaves(self, b: Bundle, progress: Progress | None) -> LeafLog:
        return read_leaves(b, progress)

    def tree(self, leaves: Sequence[str]) -> Tree:
        # a lone surrogate (refused by check 3) is hashed as its surrogatepass bytes
        return Tree(leaf_hash(t.encode("utf-8", "surrogatepass")) for t in leaves)

    def root(self, leaves: Sequence[str]) -> bytes:
        return self.tree(leaves).root()

    def counted(self, o: OpenLeaf, ballots: Ballots, weights: Mapping[str, int] | None,
                regions: Mapping[str, str] | None) -> tuple[list[int], list[str]]:
        return ballot_rules(o, ballots, weights, regions)


def verify_bundle(bundle: object, receipts: Iterable[object] = (),
                  checkpoints: Iterable[str | tuple[str, str]] = (),
                  progress: Progress | None = None, *,
                  trusted_keys: Sequence[str] = (), key_list: Sequence[str] = (),
                  retally: bool = True, fast: bool | FastPath | None = None,
                  witnesses: WitnessPolicy = WitnessPolicy()) -> Report:
    """Verify a bundle (dict or JSON text) offline; see the module docstring.

    ``receipts``: receipt dicts, receipt JSON texts, or tlog-proof texts.
    ``checkpoints``: signed checkpoint texts seen elsewhere (e.g. published
    during the vote), or ``(label, text)`` pairs (a witness's evidence); each must agree
    with the log.  ``witnesses``: the cosigning policy of check 15.  ``trusted_keys``: vkeys
    the user pinned (``--key``), ``key_list``: vkeys from a key list the user trusts
    (``--keys``); a key of the bundle's chain must be one of them.  Receipts and
    checkpoints the user holds pin the key too (check 14).
    ``retally=False`` skips the ``tally`` check (for benchmarks).
    ``progress(done, total)`` is called while the leaves are read.  ``fast``:
    None takes :mod:`ballots.fast` for large logs, False never, True (or a
    :class:`~ballots.fast.FastPath` with its settings) always.
    """
    b, check = check_bundle_format(bundle)
    if b is None:
        return _unreadable(check)
    pins = Pins(tuple(trusted_keys), tuple(key_list))
    path = _fast_path(fast, len(b.leaves) >= FAST_MIN_LEAVES)
    if path is None:
        return _verify(b, check, Steps(), receipts, checkpoints, progress, pins, retally, witnesses)
    with path.steps() as steps:
        return _verify(b, check, steps, receipts, checkpoints, progress, pins, retally, witnesses)


def verify_bundle_bytes(data: bytes, receipts: Iterable[object] = (),
                        checkpoints: Iterable[str | tuple[str, str]] = (),
                        progress: Progress | None = None, *,
                        trusted_keys: Sequence[str] = (), key_list: Sequence[str] = (),
                        retally: bool = True, fast: bool | FastPath | None = None,
                        what: str = "bundle", witnesses: WitnessPolicy = WitnessPolicy()) -> Report:
    """:func:`verify_bundle` for a bundle's JSON bytes, as read from its file.

    Raises :class:`FormatError` (naming ``what``) when ``data`` is not JSON at
    all; any other problem is a failed check in the report.  A large file takes
    the fast path before it is decoded (its tree child reads the bytes itself).
    """
    path = _fast_path(fast, len(data) >= FAST_MIN_BYTES)
    if path is None:
        return verify_bundle(decode_json_bytes(data, what), receipts, checkpoints, progress,
                             trusted_keys=trusted_keys, key_list=key_list, retally=retally,
                             fast=fast, witnesses=witnesses)
    with path.steps_from_bytes(data) as steps:
        bundle = decode_json_bytes(data, what)
        del data  # the child has its own view of the bytes; here they are done with
        b, check = check_bundle_format(bundle)
        if b is None:
            return _unreadable(check)
        pins = Pins(tuple(trusted_keys), tuple(key_list))
        return _verify(b, check, steps, receipts, checkpoints, progress, pins, retally, witnesses)


@dataclass(frozen=True, slots=True)
class Pins:
    """The keys the user pinned: given one by one (``--key``) or in a key list (``--keys``)."""

    keys: tuple[str, ...] = ()
    key_list: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.keys or self.key_list)


def _unreadable(check: Check) -> Report:
    report = Report([check])
    report.skip_rest(CHECKS, "not run: the bundle could not be read")
    return report


def _fast_path(fast: bool | FastPath | None, large: bool) -> FastPath | None:
    if fast is False or (fast is None and not large):
        return None
    from .fast import FastPath  # only here: the reference never needs it
    return fast if isinstance(fast, FastPath) else FastPath()


def _verify(b: Bundle, format_check: Check, steps: Steps, receipts: Iterable[object],
            checkpoints: Iterable[str | tuple[str, str]], progress: Progress | None, pins: Pins,
            retally: bool, witnesses: WitnessPolicy) -> Report:
    """Checks 1 (passed) to 15, in order, on a bundle whose shape is sound."""
    report = Report([format_check], {"origin": b.origin, "format": b.format,
                                     "leaves": len(b.leaves)})
    add = report.checks.append
    first, check = check_verifier_key(b)
    add(check)
    log = steps.read_leaves(b, progress)
    add(check_leaves(b, log))
    add(check_log_structure(b, log))
    if log.after_close:
        report.summary["after_scheduled_close"] = len(log.after_close)
    chain, check = check_signing_keys(b, log, first)
    add(check)
    # earlier checkpoints, receipts and the seed of a lipvote-leaf/2 log need the whole
    # tree; without them its root will do
    others = [(f"bundle checkpoint {k + 1}", c) for k, c in enumerate(b.checkpoints)]
    held = [c if isinstance(c, tuple) else (f"checkpoint {k + 1}", c)
            for k, c in enumerate(checkpoints)]
    rs = list(receipts)
    committed = log.opened is not None and log.opened.format == LEAF_FORMAT_2
    tree = steps.tree(b.leaves) if others or held or rs or committed else None
    root = tree.root() if tree is not None else steps.root(b.leaves)
    report.summary["root"] = root.hex()
    signed, check = check_final_checkpoint(b, chain)
    add(check)
    add(check_merkle_root(b, signed, root))
    add(check_checkpoints(b, chain, others + held, tree))
    add(check_receipts(b, chain, rs, tree))
    if not b.is_audit:
        _count(b, log, steps, report, root, tree, retally)
    held_ok = all(report.check(n).status == "ok" for n in ("checkpoints", "receipts"))
    add(check_trust_anchor(chain, pins, [label for label, _ in held], len(rs), held_ok))
    add(check_witnesses(b, signed is not None and report.check("final checkpoint").ok, witnesses))
    if chain is not None:
        key = chain.starts[-1][1]
        report.summary.update(signing_key=key.vkey, key_fingerprint=key.fingerprint)
    return report


def _count(b: Bundle, log: LeafLog, steps: Steps, report: Report, root: bytes,
           tree: Tree | None, retally: bool) -> None:
    """Checks 10 to 13 (:mod:`ballots.verify_count`) of a motion bundle."""
    add = report.checks.append
    o = log.opened
    if o is None:
        report.skip_rest(CHECKS[9:13], "not run: the log has no valid open leaf")
        return
    weights, regions, check = check_weights(o)
    add(check)
    counted, check = check_ballots(o, log, weights, regions, steps)
    add(check)
    report.summary.update(ballots=len(log.ballots), counted=len(counted))
    if o.decides is not None:  # which proposal text the motion decides, for auditors
        report.summary["decides"] = decides_object(o.decides)
    before_close = tree.root(len(b.leaves) - 1) if tree is not None and b.leaves else None
    seed, check = check_tie_break_seed(b, o, log.closed, root, before_close)
    add(check)
    log_ok = all(report.check(n).status == "ok" for n in
                 ("leaves", "log structure", "final checkpoint", "merkle root"))
    add(check_tally(b, o, counted, seed, retally=retally, log_ok=log_ok))


# --------------------------------------------------------------------------
# The checks


def check_bundle_format(bundle: object) -> tuple[Bundle | None, Check]:
    """1. A JSON object with the members of a bundle and their types, a known format."""
    try:
        b = parse_bundle(bundle)
    except FormatError as e:
        return None, Check("bundle format", "failed", str(e))
    return b, Check("bundle format", "ok", f"{b.format}, {plural(len(b.leaves), 'leaf')}, "
                    f"origin {b.origin}")


def check_verifier_key(b: Bundle) -> tuple[Verifier | None, Check]:
    """2. The bundle's vkey parses (whether it is the right key is check 14's question)."""
    try:
        first = parse_vkey(b.verifier_key)
    except BallotsError as e:
        return None, Check("verifier key", "failed", str(e))
    return first, Check("verifier key", "ok", f"{first.vkey} (fingerprint {first.fingerprint})")


def check_leaves(b: Bundle, log: LeafLog) -> Check:
    """3. Every leaf is valid, canonical lipvote-leaf JSON."""
    if log.bad:
        return Check("leaves", "failed",
                     f"{plural(len(log.bad), 'leaf')} not valid: {listed(log.bad)}")
    fmt = log.opened.format if log.opened is not None else LEAF_FORMAT
    return Check("leaves", "ok", f"all {len(b.leaves)} leaves are canonical {fmt} JSON")


def check_log_structure(b: Bundle, log: LeafLog) -> Check:
    """4. Open first, close last, one motion (or one audit log), counts and times agree."""
    s = list(log.structure)
    n = len(b.leaves)
    if b.is_audit:
        if len(log.audit_logs) > 1:
            s.append(f"audit events name several logs: {sorted(log.audit_logs)}")
        return outcome("log structure", s, f"{plural(n, 'leaf')} of one audit log")
    if log.opened is None:
        s.insert(0, "leaf 0 is not the motion's open leaf")
    if log.closed is None:
        s.append("the log has no close leaf: the motion is not closed, or the bundle is "
                 "truncated")
    elif log.close_index != n - 1:
        s.append(f"the close leaf is leaf {log.close_index}, but the log continues to leaf "
                 f"{n - 1}")
    elif log.closed.ballots != len(log.ballots):
        s.append(f"the close leaf counts {log.closed.ballots} ballots, the log holds "
                 f"{len(log.ballots)}")
    if log.opened is not None and log.late:
        s.append(f"{plural(len(log.late), 'ballot')} cast outside the voting period (first "
                 f"at leaf {log.late[0]})")
    if log.backwards:
        s.append(f"{plural(len(log.backwards), 'ballot')} stamped earlier than the ballot before "
                 f"it (first at leaf {log.backwards[0]}): ballots were reordered or back-dated")
    motion = log.opened.motion if log.opened else "?"
    d = log.opened.decides if log.opened else None
    decides = f"; decides {d.proposal!r} version {d.version} (sha256 {d.sha256})" if d else ""
    late = (f"; {plural(len(log.after_close), 'ballot')} cast after the close scheduled at "
            f"opening (first at leaf {log.after_close[0]}): genuine only if the audit trail "
            "shows the motion was extended" if log.after_close else "")
    return outcome("log structure", s, f"motion {motion!r}: open, "
                    f"{plural(len(log.ballots), 'ballot')}, "
                    f"{plural(len(log.keys), 'key rotation')}, close{decides}{late}")


_NO_KEY = "not run: no valid verifier key"


def check_signing_keys(b: Bundle, log: LeafLog, first: Verifier | None
                       ) -> tuple[KeyChain | None, Check]:
    """5. Each key rotation is signed by the key in force before it."""
    if first is None:
        return None, Check("signing keys", "skipped", _NO_KEY)
    chain = KeyChain(first)
    for i, kl in log.keys:
        try:
            chain.add(i, follow_rotation(kl, b.origin, chain.at(i)))
        except BallotsError as e:
            return chain, Check("signing keys", "failed", f"key rotation at leaf {i} is not "
                                f"signed by the key in force ({e})")
    if not log.keys:
        return chain, Check("signing keys", "ok",
                            f"one key throughout: {first.name}+{first.key_id:08x}")
    followed = " -> ".join(f"{v.name}+{v.key_id:08x}" for _, v in chain.starts)
    return chain, Check("signing keys", "ok",
                        f"{plural(len(log.keys), 'rotation')} followed: {followed}")


def check_final_checkpoint(b: Bundle, chain: KeyChain | None
                           ) -> tuple[tuple[int, bytes] | None, Check]:
    """6. The final checkpoint is signed by the key in force and covers every leaf.

    Returns its size and root when its signature verifies (check 7 compares them)."""
    if chain is None:
        return None, Check("final checkpoint", "skipped", _NO_KEY)
    n = len(b.leaves)
    try:
        size, root = chain.open(b.checkpoint, b.origin)
    except BallotsError as e:
        return None, Check("final checkpoint", "failed",
                           f"the final checkpoint does not verify: {e}")
    if size < n:
        return (size, root), Check("final checkpoint", "failed", f"the final checkpoint "
                                   f"covers {size} leaves but the bundle has {n}: leaves were "
                                   "added after the last signature")
    if size > n:
        return (size, root), Check("final checkpoint", "failed", f"the final checkpoint "
                                   f"covers {size} leaves but the bundle has only {n}: the "
                                   "log is truncated")
    key = chain.at(size)
    return (size, root), Check("final checkpoint", "ok",
                               f"signed by {key.name}+{key.key_id:08x} for {size} leaves")


def check_merkle_root(b: Bundle, signed: tuple[int, bytes] | None, root: bytes) -> Check:
    """7. The leaves hash to the final checkpoint's root."""
    n = len(b.leaves)
    if signed is None:
        return Check("merkle root", "skipped", "not run: the final checkpoint did not verify")
    size, signed_root = signed
    if size != n:
        return Check("merkle root", "failed", "not comparable: the checkpoint size differs "
                     "from the number of leaves")
    if signed_root != root:
        return Check("merkle root", "failed", f"the leaves hash to {root.hex()} but the signed "
                     f"root is {signed_root.hex()}: a leaf was edited, inserted, removed or "
                     "reordered")
    return Check("merkle root", "ok", f"the {n} leaves hash to the signed root {root.hex()}")


def check_checkpoints(b: Bundle, chain: KeyChain | None, others: Sequence[tuple[str, str]],
                      tree: Tree | None) -> Check:
    """8. Every other checkpoint is signed and agrees with the log: no fork."""
    if chain is None:
        return Check("checkpoints", "skipped", _NO_KEY)
    if not others:
        return Check("checkpoints", "ok", "no other checkpoints given")
    assert tree is not None
    n = len(b.leaves)
    problems = []
    for label, note in others:
        try:
            size, root = chain.open(note, b.origin)
        except BallotsError as e:
            problems.append(f"{label} does not verify: {e}")
            continue
        if size > n:
            problems.append(f"{label} covers {size} leaves, more than the bundle's {n}: the "
                            "bundle is stale or truncated")
        elif tree.root(size) != root:
            problems.append(f"{label} (size {size}) signed root {root.hex()} but the log gives "
                            f"{tree.root(size).hex()}: the log forked or was rewritten")
    return outcome("checkpoints", problems,
                    f"{plural(len(others), 'checkpoint')} agree with the log")


def check_receipts(b: Bundle, chain: KeyChain | None, receipts: Sequence[object],
                   tree: Tree | None) -> Check:
    """9. Every receipt checks out, its ballot is its leaf, its checkpoint agrees."""
    if chain is None:
        return Check("receipts", "skipped", _NO_KEY)
    if not receipts:
        return Check("receipts", "ok", "no receipts given")
    assert tree is not None
    problems = [p for k, r in enumerate(receipts)
                if (p := _receipt_problem(b, chain, f"receipt {k + 1}", r, tree))]
    return outcome("receipts", problems, f"{plural(len(receipts), 'receipt')}: each ballot "
                    "is in the log at its index")


def _receipt_problem(b: Bundle, chain: KeyChain, label: str, raw: object,
                     tree: Tree) -> str | None:
    n = len(b.leaves)
    try:
        # a receipt dict, its JSON text, or a tlog-proof text carrying the leaf
        if isinstance(raw, str) and raw.startswith("c2sp.org/tlog-proof@v1\n"):
            raw = receipt_from_tlog_proof(raw)
        r = parse_receipt(raw)
        label += f" ({r.tracking_code})"
        size = parse_checkpoint(_split(r.checkpoint)[0]).size
        check = verify_receipt(raw, [chain.at(size)])
    except BallotsError as e:
        return f"{label}: {e}"
    if check.origin != b.origin:
        return f"{label} is for log {check.origin!r}, not {b.origin!r}"
    if check.index >= n or b.leaves[check.index] != check.leaf_text:
        return (f"{label}: leaf {check.index} of the bundle is not the receipt's ballot: the "
                "ballot was changed, moved or removed")
    if size > n:
        return (f"{label}: its checkpoint covers {size} leaves, more than the bundle's {n}: "
                "the bundle is truncated")
    if tree.root(size) != check.checkpoint.root:
        return (f"{label}: its checkpoint (size {size}) contradicts the log: the log forked "
                "or was rewritten after the receipt")
    return None


def check_trust_anchor(chain: KeyChain | None, pins: Pins, held_checkpoints: Sequence[str],
                       held_receipts: int, held_ok: bool) -> Check:
    """14. Something the user holds pins a key of the log's chain.

    A key given with ``--key`` or in a key list, or a receipt or checkpoint the user
    brought that checks 8 and 9 found signed by the chain and agreeing with the log.
    ``skipped`` when nothing was given: the bundle is then self-consistent, no more."""
    if chain is None:
        return Check("trust anchor", "skipped", _NO_KEY)
    keys = [v for _, v in chain.starts]
    names = ", ".join(f"{v.vkey} (fingerprint {v.fingerprint})" for v in keys)
    if pins:
        try:
            given = [(k, "--key") for k in pins.keys] + [(k, "the key list") for k in pins.key_list]
            means = sorted({how for k, how in given if parse_vkey(k) in keys})
        except BallotsError as e:
            return Check("trust anchor", "failed", f"a pinned key is not a verifier key: {e}")
        if not means:
            return Check("trust anchor", "failed", f"the log is signed by {names}, which is not "
                         "a key you pinned: this bundle is not from the server you trust")
        return Check("trust anchor", "ok", f"{names} is pinned by {' and '.join(means)}")
    held = [f"receipt{'s' if held_receipts > 1 else ''} you hold"] if held_receipts else []
    held += [f"{label} you hold" for label in held_checkpoints]
    if held and not held_ok:
        return Check("trust anchor", "skipped", "not run: the receipts or checkpoints you hold "
                     "do not agree with the log (checks 8 and 9)")
    if held:
        return Check("trust anchor", "ok", f"{names} signed the {', '.join(held)}")
    return Check("trust anchor", "skipped", f"nothing you hold pins the signing key {names}: "
                 "give --key, --keys, a --receipt or a --checkpoint obtained from the server "
                 "you trust")
