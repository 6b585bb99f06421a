"""Check 11 of the verifier: which ballots count, and every rule a ballot breaks.

Walks the ballot leaves in log order, as ``docs/bulletin-board.md`` §7 says:
the member and weight against the snapshot, regions, proxies, and revotes
(``supersedes``).  The only statement of these rules in the verifier; the fast
path's bulk shortcut (:mod:`ballots.fast.rules`) is tested to agree with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .leaflog import Ballots
from .leaves import BallotLeaf, OpenLeaf

__all__ = ["ballot_rules", "wants_region", "counted_ballots"]


def wants_region(o: OpenLeaf) -> bool:
    dm = o.rules.get("double_majority") if isinstance(o.rules, Mapping) else None
    return isinstance(dm, Mapping) and dm.get("regions") is not None


def _member_problems(i: int, member: str | None, weight: int, region: str | None,
                     proxy: str | None, weights: Mapping[str, int] | None,
                     regions: Mapping[str, str] | None) -> list[str]:
    """What a recorded ballot gets wrong about its member, weight, proxy and region."""
    if member is None:
        return [f"leaf {i}: a recorded ballot has no member"]
    out = []
    if weights is not None:
        if member not in weights:
            out.append(f"leaf {i}: member {member!r} is not in the weight snapshot")
        elif weights[member] != weight:
            out.append(f"leaf {i}: member {member!r} cast weight {weight}, the snapshot "
                       f"gives {weights[member]}")
        if proxy is not None and (proxy not in weights or proxy == member):
            out.append(f"leaf {i}: proxy {proxy!r} is not another member")
    if regions is not None and region is not None and regions.get(member) != region:
        out.append(f"leaf {i}: member {member!r} voted in region {region!r}, the snapshot "
                   f"places it in {regions.get(member)!r}")
    return out


def ballot_rules(o: OpenLeaf, ballots: Ballots, weights: Mapping[str, int] | None,
                 regions: Mapping[str, str] | None) -> tuple[list[int], list[str]]:
    """Apply revotes ballot by ballot; return the counted positions and every problem."""
    problems: list[str] = []
    secret, want_region = o.secrecy == "secret", wants_region(o)
    by_index: dict[int, int] = {}  # leaf index -> position in ballots
    live: dict[int, bool] = {}  # leaf index -> still counted
    current: dict[str, int] = {}  # member -> leaf index of the counted ballot
    rows = zip(ballots.index, ballots.member, ballots.weight, ballots.supersedes,
               ballots.region, ballots.proxy)
    for pos, (i, member, weight, sup, region, proxy) in enumerate(rows):
        by_index[i], live[i] = pos, True
        if secret:
            problems += [f"leaf {i}: a secret ballot names {what} {who!r}" for what, who in
                         (("member", member), ("proxy", proxy)) if who is not None]
        else:
            problems += _member_problems(i, member, weight, region, proxy, weights, regions)
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


def counted_ballots(ballots: Iterable[tuple[int, BallotLeaf]]) -> list[tuple[int, BallotLeaf]]:
    """Which ballots count, in log order: every ballot leaf, less those a later one replaces.

    ``ballots`` are (leaf index, ballot leaf) pairs in log order. A revote names the ballot it
    replaces in ``supersedes`` (``docs/bulletin-board.md``); that one no longer counts. This
    reads a well-formed log; whether each ``supersedes`` is allowed is the verifier's check 11.
    """
    counted: dict[int, BallotLeaf] = {}
    for index, leaf in ballots:
        if leaf.supersedes is not None:
            counted.pop(leaf.supersedes, None)
        counted[index] = leaf
    return sorted(counted.items())
