"""Checks 10 to 13 of the verifier: the count (weights, ballots, tie-break seed, tally).

The reference, in the order of ``docs/bulletin-board.md`` §7; :mod:`ballots.verify`
runs them after the log checks (1 to 9) and before the trust anchor (14).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import _tally_adapter as engine
from .ballot_rules import wants_region
from .bundle import Bundle
from .leaflog import LeafLog
from .leaves import LEAF_FORMAT_2, CloseLeaf, OpenLeaf
from .report import Check, outcome, plural
from .seed import commitment, derive_seed, hex32

if TYPE_CHECKING:
    from .verify import Steps

__all__ = ["check_weights", "check_ballots", "check_tie_break_seed", "check_tally"]


def check_weights(o: OpenLeaf) -> tuple[dict[str, int] | None, dict[str, str] | None, Check]:
    """10. The weight snapshot recomputes (:mod:`voting.weights`); rules.eligible agrees.

    Returns the members' weights and regions for check 11: the recomputed ones, or
    the published weights when the snapshot does not recompute but they are readable."""
    try:
        w = engine.recompute_weights(o.weights)
    except (engine.Unavailable, engine.EngineError) as e:
        published = o.weights.get("weights")
        readable: dict[str, int] | None = None
        if isinstance(published, Mapping) and all(
                isinstance(k, str) and isinstance(x, int) for k, x in published.items()):
            readable = dict(published)
        return readable, None, Check("weights", "failed",
                                     f"the weight snapshot does not recompute: {e}")
    problems = [] if w.matches else ["recomputing the snapshot from its derivation gives "
                                     "different weights than the published ones"]
    problems += _eligible_problems(o.rules, w.weights, w.regions)
    return w.weights, w.regions, outcome(
        "weights", problems, f"{plural(len(w.weights), 'member')}, "
        f"{sum(w.weights.values())} vote units; the snapshot recomputes ({_weight_rule(o.weights)})")


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
    if el.get("members") != len(weights):
        out.append(f"rules.eligible.members is {el.get('members')}, the snapshot has "
                   f"{len(weights)} members")
    if el.get("weight") != sum(weights.values()):
        out.append(f"rules.eligible.weight is {el.get('weight')}, the snapshot totals "
                   f"{sum(weights.values())}")
    regs = el.get("regions")
    if isinstance(regs, Mapping) and regions is not None:
        for rid, want in sorted(regs.items()):
            members = [m for m in weights if regions.get(m) == rid]
            got = {"members": len(members), "weight": sum(weights[m] for m in members)}
            if isinstance(want, Mapping) and \
                    (want.get("members"), want.get("weight")) != (got["members"], got["weight"]):
                out.append(f"rules.eligible.regions.{rid} is {dict(want)}, the snapshot gives "
                           f"{got}")
    return out


def check_ballots(o: OpenLeaf, log: LeafLog, weights: Mapping[str, int] | None,
                  regions: Mapping[str, str] | None, steps: Steps
                  ) -> tuple[list[tuple[Any, ...]], Check]:
    """11. The ballot rules (:func:`ballot_rules`); returns the counted ballots for the tally."""
    bs = log.ballots
    keep, problems = steps.counted(o, bs, weights, regions)
    if o.secrecy == "secret" and weights is not None:
        have = Counter(w for w in weights.values() if w > 0)
        used = Counter(bs.weight[p] for p in keep)
        problems = problems + [f"{k} counted secret ballots carry weight {w} but only "
                               f"{have.get(w, 0)} members have that weight"
                               for w, k in sorted(used.items()) if k > have.get(w, 0)]
    counted: list[tuple[Any, ...]]
    if wants_region(o):
        counted = [(bs.weight[p], bs.selection[p], bs.region[p]) for p in keep]
    else:
        counted = [(bs.weight[p], bs.selection[p]) for p in keep]
    return counted, outcome("ballots", problems, f"{plural(len(counted), 'counted ballot')} "
                             f"({len(bs) - len(counted)} superseded), at most one per member")


def check_tie_break_seed(b: Bundle, o: OpenLeaf, closed: CloseLeaf | None, root: bytes,
                         ballots_root: bytes | None) -> tuple[bytes | None, Check]:
    """12. The seed the tally must use, and the published result uses it.

    ``lipvote-leaf/1``: the final root.  ``lipvote-leaf/2``: SHA-256(SEED_DOMAIN || secret ||
    root of the leaves before the close), the close leaf's secret hashing to leaf 0's
    commitment.  Returns the seed (None when the log gives none)."""
    if o.format != LEAF_FORMAT_2:
        if closed is not None and closed.seed_secret is not None:
            return root, Check("tie-break seed", "failed", f"the close leaf reveals a "
                               f"seed_secret, but leaf 0 ({o.format}) committed to none")
        return root, _seed_used(b, root, "the final Merkle root (lipvote-leaf/1: no "
                                "commitment)")
    if closed is None or closed.seed_secret is None or ballots_root is None:
        return None, Check("tie-break seed", "failed", "leaf 0 commits to a secret "
                           "(seed_commitment) but no close leaf reveals it (seed_secret)")
    secret = hex32(closed.seed_secret, "seed_secret")
    seed = derive_seed(secret, ballots_root)
    if commitment(secret) != o.seed_commitment:
        return seed, Check("tie-break seed", "failed", f"the close leaf's seed_secret hashes to "
                           f"{commitment(secret)}, but leaf 0 committed to "
                           f"{o.seed_commitment}: the secret was changed after the opening")
    return seed, _seed_used(b, seed, f"SHA-256 of the committed secret and the root "
                            f"{ballots_root.hex()} of the ballots at the close")


def _seed_used(b: Bundle, seed: bytes, how: str) -> Check:
    tie_break = (b.result or {}).get("tie_break")
    stated = tie_break.get("seed") if isinstance(tie_break, Mapping) else None
    if stated != seed.hex():
        return Check("tie-break seed", "failed", f"the result's tie-break seed is {stated}, "
                     f"but this log's seed is {seed.hex()}, {how}")
    return Check("tie-break seed", "ok", f"{seed.hex()}: {how}")


def check_tally(b: Bundle, o: OpenLeaf, counted: Sequence[tuple[Any, ...]], seed: bytes | None,
                *, retally: bool, log_ok: bool) -> Check:
    """13. Re-tallying the counted ballots with the seed of check 12 gives the result."""
    if not retally:
        return Check("tally", "skipped", "not run: re-tally not requested")
    if not log_ok:
        return Check("tally", "skipped", "not run: the log itself did not verify")
    if seed is None:
        return Check("tally", "skipped", "not run: the log gives no tie-break seed")
    published = b.result or {}
    try:
        mine = engine.tally(o.method, counted, options=o.options, seats=o.seats,
                            rules=o.rules, seed=seed, published_format=published.get("format"))
    except (engine.Unavailable, engine.EngineError) as e:
        return Check("tally", "failed", f"re-tallying failed: {e}")
    outcome = f"status {mine.get('status')!r}, winners {mine.get('winners')}"
    if mine == published:
        return Check("tally", "ok", f"re-tally reproduces the published result ({outcome})")
    return Check("tally", "failed", f"{engine.difference(published, mine)}: re-tally gives {outcome}")
