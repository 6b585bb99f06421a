"""The game of a yes/no motion is the motion's own rule: every coalition is checked against
the tally itself, and the power of that game against enumeration, on small federations."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import voting
from tests.conftest import examples
from voting.framework_report import power_of
from voting.game_power import swings_by_size
from voting.games import InvalidGame, indices_from_swings, reference_swings_by_size
from voting.motion_power import motion_game, region_sums

REGION_IDS = ("atlantic", "ontario", "quebec")


def eligible(weights: list[int], regions: list[str]) -> dict[str, Any]:
    block: dict[str, dict[str, int]] = {}
    for w, r in zip(weights, regions):
        bucket = block.setdefault(r, {"members": 0, "weight": 0})
        bucket["members"] += 1
        bucket["weight"] += w
    return {"members": len(weights), "weight": sum(weights), "regions": dict(sorted(block.items()))}


def carried_by_tally(rules: dict[str, Any], weights: list[int], regions: list[str], yes: set[int]) -> bool:
    """Every member votes: those in ``yes`` yes, the others no."""
    ballots = [(w, "yes" if i in yes else "no", r) for i, (w, r) in enumerate(zip(weights, regions))]
    return bool(voting.tally("yes_no", ballots, options=[], rules=rules).carried)


@st.composite
def federations(draw: st.DrawFn) -> tuple[dict[str, Any], list[int], list[str]]:
    n = draw(st.integers(1, 7))
    weights = draw(st.lists(st.integers(1, 9), min_size=n, max_size=n))
    regions = draw(st.lists(st.sampled_from(REGION_IDS), min_size=n, max_size=n))
    counted = len(set(regions))
    rules = {
        "threshold": draw(st.sampled_from(voting.RULE_THRESHOLDS)),
        "quorum": {"members": draw(st.sampled_from([None, "1/2", "2/3"])), "weight": None},
        "double_majority": {"members": draw(st.booleans()),
                            "regions": draw(st.sampled_from([None, "all", *range(1, counted + 1)]))},
        "eligible": eligible(weights, regions),
    }
    return rules, weights, regions


@settings(max_examples=examples(80), deadline=None)
@given(federations())
def test_the_game_carries_exactly_what_the_tally_carries(federation: tuple[dict[str, Any], list[int], list[str]]) -> None:
    rules, weights, regions = federation
    n = len(weights)
    outcomes = {frozenset(c): carried_by_tally(rules, weights, regions, set(c))
                for size in range(n + 1) for c in combinations(range(n), size)}
    if not outcomes[frozenset(range(n))]:
        with pytest.raises(InvalidGame):
            motion_game(rules, weights, regions)
        return
    game = motion_game(rules, weights, regions)
    for coalition, carried in outcomes.items():
        assert game.wins(coalition) == carried, sorted(coalition)
    if any(outcomes.values()) and game.n > 0:
        assert swings_by_size(game) == reference_swings_by_size(game)


def test_double_majority_by_region_weight_by_enumeration() -> None:
    # Ontario: weights 3, 1, 1 (5 units, concurs from 3); Quebec 2, 2 (4 units, from 3);
    # Atlantic 1 (from 1). A weight majority (more than half of 10) and every region.
    weights = [3, 1, 1, 2, 2, 1]
    regions = ["ontario", "ontario", "ontario", "quebec", "quebec", "atlantic"]
    rules = {"threshold": "majority_cast", "double_majority": {"members": False, "regions": "all"},
             "eligible": eligible(weights, regions)}
    game = motion_game(rules, weights, regions)
    assert game.quota == 6 and game.region_by_weight
    assert dict(zip(("atlantic", "ontario", "quebec"), game.region_quotas)) == {"atlantic": 1, "ontario": 3, "quebec": 3}
    expected = indices_from_swings(reference_swings_by_size(game))
    assert power_of(game) == expected
    # both Quebec members are needed (neither alone holds 3 of 4 units), as is Atlantic's
    assert expected["banzhaf"][3] == expected["banzhaf"][4] == expected["banzhaf"][5]
    assert sum(expected["shapley_shubik"]) == 1
    by_region = region_sums(expected["shapley_shubik"], regions)
    assert list(by_region) == ["atlantic", "ontario", "quebec"] and sum(by_region.values()) == 1


def test_a_region_by_weight_differs_from_a_region_by_members() -> None:
    # Ontario's heavy member alone concurs by weight (3 of 5 units), not by members (1 of 3)
    weights, regions = [3, 1, 1, 1], ["ontario", "ontario", "ontario", "quebec"]
    rules = {"threshold": "majority_cast", "double_majority": {"members": False, "regions": "all"},
             "eligible": eligible(weights, regions)}
    game = motion_game(rules, weights, regions)
    assert game.wins({0, 3})
    assert carried_by_tally(rules, weights, regions, {0, 3})


def test_a_motion_nobody_can_carry_has_no_game() -> None:
    weights, regions = [1, 1], ["ontario", "ontario"]
    rules = {"threshold": "majority_cast", "double_majority": {"members": False, "regions": 1},
             "eligible": eligible(weights, regions)}
    assert motion_game(rules, weights, regions).regions_needed == 1
    with pytest.raises(voting.InvalidMotion):
        motion_game({**rules, "double_majority": {"members": False, "regions": 2}}, weights, regions)


def test_unanimity_needs_everyone() -> None:
    weights, regions = [2, 1, 1], ["ontario"] * 3
    game = motion_game({"threshold": "unanimity"}, weights, regions)
    assert game.quota == 4
    assert power_of(game)["banzhaf"] == [Fraction(1, 3)] * 3
