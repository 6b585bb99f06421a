"""The voting game a yes/no motion's own rule defines, and its exact voting power.

    from voting.motion_power import motion_game
    game = motion_game(rules, weights=[3, 1, 2], regions=["ontario", "quebec", "ontario"])
    framework_report.power_of(game)   # {"banzhaf": [...], "shapley_shubik": [...], ...}

A power index asks which coalitions (the members voting yes, everyone else voting no) carry
the motion.  With every member voting yes or no, the tally (``voting._yesno``) decides so:

* the weight test: yes weight above (or at least) the threshold's share of yes + no, which
  with full turnout is the eligible total: a weighted quota ``needed(share, total)``;
* with ``double_majority.members``, the same threshold on member counts: a member quota;
* with ``double_majority.regions``, a region concurs when its yes weight exceeds its no weight,
  that is when the coalition holds at least ``W_r // 2 + 1`` of the region's ``W_r`` units
  (a region with no weight can never concur), and the motion needs ``regions`` of them, or
  every region with eligible members for ``"all"``.

A quorum is always met when everyone votes, and abstention is not a vote either way, so
neither enters the game (docs/power.md §8).  Other methods (several options, rankings, several
seats) have no single line between winning and losing: they get no game.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from ._rules import needed, normalise_rules, threshold
from .games import Game

__all__ = ["motion_game", "region_names", "region_sums"]


def region_names(regions: Sequence[str]) -> list[str]:
    """The regions in the game's order (sorted names): region index r is ``region_names[r]``."""
    return sorted(set(regions))


def motion_game(rules: Mapping[str, Any] | None, weights: Sequence[int], regions: Sequence[str]) -> Game:
    """The game of a yes/no motion with ``rules`` on members with these weights and regions.

    Raises :class:`voting.InvalidMotion` for invalid rules and :class:`voting.games.InvalidGame`
    when even every member voting yes could not carry the motion.
    """
    norm = normalise_rules(rules)
    rule = threshold(norm["threshold"])
    n, total = len(weights), sum(weights)
    quota = max(1, needed(rule.share, total, rule.strict))
    double = norm["double_majority"]
    member_quota = max(1, needed(rule.share, n, rule.strict)) if double["members"] else 0
    names = region_names(regions)
    region_of = tuple(names.index(r) for r in regions)
    regions_needed, region_quotas = 0, tuple[int, ...]()
    if double["regions"] is not None:
        regions_needed = len(names) if double["regions"] == "all" else int(double["regions"])
        totals = [sum(w for w, r in zip(weights, region_of) if r == index) for index in range(len(names))]
        region_quotas = tuple(t // 2 + 1 for t in totals)  # yes > no within the region
    return Game(weights=tuple(weights), regions=region_of, quota=quota,
                member_quota=member_quota, region_quotas=region_quotas, regions_needed=regions_needed,
                region_by_weight=True)


def region_sums(values: Sequence[Fraction], regions: Sequence[str]) -> dict[str, Fraction]:
    """``values`` (one per member) summed by region name."""
    sums: dict[str, Fraction] = {}
    for value, region in zip(values, regions, strict=True):
        sums[region] = sums.get(region, Fraction(0)) + value
    return dict(sorted(sums.items()))
