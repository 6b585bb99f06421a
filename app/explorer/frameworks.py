"""The explorer's presets in the reader's language, and their reports on the registry.

Reports are exact and can be slow for large registries, so each one is bounded
(`MAX_COST` table cells, about a second) and kept per registry: the same active members give
the same report, computed once per process.
"""

from __future__ import annotations

import json
from fractions import Fraction
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Member
from voting import VotingError, frameworks
from voting.framework_report import TooLarge
from voting.framework_report import report

MAX_COST = 300_000_000
MIN_CHOSEN, MAX_CHOSEN = 2, 4
DEFAULT_CHOICE = ("one_lip_one_vote", "size_tiers", "majority_and_regions")

PRESETS: dict[str, tuple[object, object]] = {
    "one_lip_one_vote": (_l("One LIP, one vote"), _l("Every LIP has one vote; a motion needs more than half of them.")),
    "size_tiers": (_l("Weights by size"), _l("Small centres 1, medium 2, large 3; a motion needs more than half of the weight.")),
    "population_capped": (_l("Population, with a cap and a floor"),
                          _l("Weight follows the population served, at most 10 per cent and at least 0.25 per cent each; more than half of the weight.")),
    "penrose_jagiellonian": (_l("Square root of population"),
                             _l("Weight follows the square root of the population served (Penrose); the quota is the Jagiellonian optimal quota.")),
    "regional_blocks": (_l("Equal regional blocks"),
                        _l("Each region has the same weight, shared equally by its LIPs; more than half of the weight.")),
    "base_plus_proportional": (_l("Base plus proportional"),
                               _l("Half of the weight is shared equally, half by population served; more than half of the weight.")),
    "two_thirds_members_half_population": (_l("Two thirds of LIPs and half the population"),
                                           _l("At least two thirds of the LIPs, serving at least half of the population.")),
    "majority_and_regions": (_l("Majority of LIPs and of three regions"),
                             _l("More than half of the LIPs, and more than half of the LIPs in at least three of the regions that have LIPs.")),
    "majority_in_every_region": (_l("Majority in every region"),
                                 _l("More than half of the LIPs in each region.")),
    "eu_double_majority": (_l("Double majority, European Union style"),
                           _l("At least 55 per cent of the LIPs serving at least 65 per cent of the population; a blocking minority needs at least four LIPs.")),
}


def active_members() -> list[dict[str, Any]]:
    return [m.as_weight_input() for m in db.session.scalars(select(Member).where(Member.active).order_by(Member.slug))]


@lru_cache(maxsize=64)
def _cached(framework_json: str, members_json: str) -> dict[str, Any]:
    return report(json.loads(framework_json), json.loads(members_json), max_cost=MAX_COST)


def framework_report(framework: dict[str, Any], members: list[dict[str, Any]]) -> dict[str, Any]:
    """The framework's report on ``members``; raises VotingError (TooLarge above MAX_COST)."""
    return _cached(json.dumps(framework, sort_keys=True), json.dumps(members, sort_keys=True))


TOO_LARGE = _l("This framework is too large to compute exactly in the time a page allows. "
               "Try a smaller total of units of weight, or fewer conditions.")
NOT_EXACT = _l("These weights cannot be shared exactly among the LIPs of the registry. "
               "Enter a total of units of weight to share.")


def preset_report(name: str, members: list[dict[str, Any]]) -> dict[str, Any] | str:
    """The preset's report on ``members``, or why it cannot be computed, in the reader's language."""
    try:
        return framework_report(frameworks.PRESETS[name], members)
    except TooLarge:
        return str(TOO_LARGE)
    except VotingError:
        return str(NOT_EXACT)


def fraction(text: str | None) -> Fraction | None:
    return Fraction(text) if text is not None else None
