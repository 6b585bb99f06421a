"""Voting power beside a motion's weights, for the chair's preview and the public pages.

The game is the motion's own rule (``voting.motion_power``): its threshold on weight, the
double majority of members and the regional double majority by weight. Power is exact and
memoised per game (weights, regions and quotas), so a page computes it once per process;
a game whose estimated cost is above MAX_COST is not computed and the page says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

import voting
from voting.framework_report import TooLarge, power_of
from voting.games import Game, InvalidGame
from voting.motion_power import motion_game, region_sums

from app.display import number, percent
from app.extensions import db
from app.models import Member
from app.motions.models import Motion
from app.registry import REGIONS

# About three seconds of CPU for the first page of a motion (docs/power.md §8); at the demo
# federation's 80 LIPs, an all-regions rule on tiered weights costs 1.2 x 10^8 (0.2 s).
MAX_COST = 1_000_000_000

SHOWN, NOT_YES_NO, TOO_LARGE, CANNOT_CARRY, INVALID_RULE = "shown", "not_yes_no", "too_large", "cannot_carry", "invalid_rule"


@dataclass
class PowerReport:
    """What the power partial shows: either rows and regions, or the reason there are none."""

    status: str
    snapshot: dict[str, Any]
    rule: str = ""  # the game in words
    rows: list[dict[str, str]] = field(default_factory=list)  # one per derivation row, in its order
    regions: list[dict[str, str]] = field(default_factory=list)
    members: dict[str, Member] = field(default_factory=dict)  # member id -> Member, for names

    @property
    def shown(self) -> bool:
        return self.status == SHOWN


@lru_cache(maxsize=128)
def _power(game: Game) -> dict[str, list[Fraction]]:
    """Exact power, once per game in a process; TooLarge (not kept) above the bounds."""
    return power_of(game, max_cost=MAX_COST)


def eligible_from(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """The eligible block of the snapshot's members, as opening a motion commits it."""
    weights = snapshot["weights"]
    regions: dict[str, dict[str, int]] = {}
    for member in snapshot["members"]:
        bucket = regions.setdefault(member["region"], {"members": 0, "weight": 0})
        bucket["members"] += 1
        bucket["weight"] += weights[member["id"]]
    return {"members": sum(b["members"] for b in regions.values()), "weight": sum(b["weight"] for b in regions.values()),
            "regions": dict(sorted(regions.items()))}


def _pct(value: Fraction) -> str:
    return percent(value, places=2)


def rule_words(game: Game) -> str:
    """The winning condition of ``game``, in a sentence."""
    total = sum(game.weights)
    conditions = [_("at least %(quota)s of the %(total)s units", quota=number(game.quota), total=number(total))]
    if game.member_quota:
        conditions.append(_("at least %(quota)s of the %(n)s members", quota=number(game.member_quota),
                            n=number(game.n)))
    if game.regions_needed == game.region_count and game.regions_needed:
        conditions.append(_("more than half of the units of every region"))
    elif game.regions_needed:
        conditions.append(ngettext("more than half of the units of at least %(num)d region of %(regions)d",
                                   "more than half of the units of at least %(num)d regions of %(regions)d",
                                   game.regions_needed, regions=game.region_count))
    return _("Power is computed for this motion’s own rule, with every member voting yes or no: the members "
             "voting yes carry the motion when they hold %(conditions)s.",
             conditions=format_list(conditions, locale=str(get_locale() or "en")))


def report(motion: Motion, snapshot: Mapping[str, Any], rules: Mapping[str, Any] | None) -> PowerReport:
    """The power report of ``snapshot``'s weights under the motion's rule."""
    snap = dict(snapshot)
    if motion.method != "yes_no":
        return PowerReport(NOT_YES_NO, snap)
    ids = [row["id"] for row in snap["derivation"]["rows"]]
    region_of = {m["id"]: m["region"] for m in snap["members"]}
    weights = [int(snap["weights"][i]) for i in ids]
    regions = [region_of[i] for i in ids]
    try:
        game = motion_game({**(rules or {}), "eligible": eligible_from(snap)}, weights, regions)
    except voting.InvalidMotion:  # a draft's rule that opening would refuse
        return PowerReport(INVALID_RULE, snap)
    except InvalidGame:
        return PowerReport(CANNOT_CARRY, snap)
    try:
        rows, by_region = _figures(game, tuple(regions), str(get_locale() or "en"))
    except TooLarge:
        return PowerReport(TOO_LARGE, snap, rule_words(game))
    return PowerReport(SHOWN, snap, rule_words(game), rows, by_region)


@lru_cache(maxsize=128)
def _figures(game: Game, regions: tuple[str, ...], lang: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Each member's and each region's figures as the page prints them, once per game and
    language: the delegate's motion page is read by every delegate during a meeting."""
    indices = _power(game)
    total = sum(game.weights)
    shares = [Fraction(w, total) for w in game.weights]
    rows = [{"share_pct": _pct(s), "banzhaf_pct": _pct(b), "shapley_pct": _pct(ss)}
            for s, b, ss in zip(shares, indices["banzhaf"], indices["shapley_shubik"])]
    members = region_sums([Fraction(1)] * len(regions), regions)
    weight_by_region = region_sums(shares, regions)
    banzhaf = region_sums(indices["banzhaf"], regions)
    shapley = region_sums(indices["shapley_shubik"], regions)
    by_region = [{"region": str(REGIONS.get(r, r)), "members": number(int(members[r])),
                  "weight_pct": _pct(weight_by_region[r]), "banzhaf_pct": _pct(banzhaf[r]),
                  "shapley_pct": _pct(shapley[r])} for r in members]
    return rows, by_region


def opened_report(motion: Motion) -> PowerReport | None:
    """The report of the weights and rules leaf 0 committed; None before the motion opens."""
    opening = motion.opening
    if opening is None:
        return None
    found = report(motion, opening.snapshot, opening.rules)
    found.members = members_of(found.snapshot)
    return found


def members_of(snapshot: Mapping[str, Any]) -> dict[str, Member]:
    """The registry's members named in ``snapshot`` (one that has left it shows by its id)."""
    ids = [m["id"] for m in snapshot["members"]]
    return {m.slug: m for m in db.session.scalars(select(Member).where(Member.slug.in_(ids)))}
