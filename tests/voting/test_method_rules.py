"""voting.method_rules states exactly what voting.tally accepts: the motion form offers only that."""

from __future__ import annotations

import pytest

import voting

ELIGIBLE = {"members": 4, "weight": 4, "regions": {"east": {"members": 2, "weight": 2}, "west": {"members": 2, "weight": 2}}}


def accepted(method: str, seats: int, rules: dict[str, object]) -> bool:
    allowed = voting.method_rules(method)
    options = list(allowed.fixed_options) or ["a", "b", "c"]
    try:
        voting.tally(method, [], options=options, seats=seats, rules=dict(rules, eligible=ELIGIBLE))
    except voting.InvalidMotion:
        return False
    return True


@pytest.mark.parametrize("method", voting.METHODS)
def test_every_threshold_is_accepted_exactly_when_offered(method: str) -> None:
    offered = voting.method_rules(method).thresholds
    assert "majority_cast" in offered
    for threshold in voting.RULE_THRESHOLDS:
        assert accepted(method, 1, {"threshold": threshold}) == (threshold in offered), threshold


@pytest.mark.parametrize("method", voting.METHODS)
def test_double_majorities_are_accepted_exactly_when_offered(method: str) -> None:
    offered = voting.method_rules(method).double_majority
    assert accepted(method, 1, {"double_majority": {"members": True, "regions": None}}) == offered
    assert accepted(method, 1, {"double_majority": {"members": False, "regions": "all"}}) == offered


@pytest.mark.parametrize("method", voting.METHODS)
def test_several_seats_are_accepted_exactly_when_offered(method: str) -> None:
    several = voting.method_rules(method).several_seats
    assert accepted(method, 2, {}) == several


def test_only_yes_no_has_fixed_options() -> None:
    assert voting.method_rules("yes_no").fixed_options == ("yes", "no", "abstain")
    assert all(not voting.method_rules(m).fixed_options for m in voting.METHODS if m != "yes_no")


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(voting.InvalidMotion):
        voting.method_rules("borda")
