"""Breakdown of recorded ballots by a member attribute."""

from __future__ import annotations

import pytest

import voting


def test_breakdown_by_region_sums_to_the_whole() -> None:
    ballots = [
        (100, "yes", {"region": "quebec", "setting": "urban"}),
        (40, "no", {"region": "quebec", "setting": "rural"}),
        (70, "no", {"region": "atlantic", "setting": "rural"}),
        (30, None, {"region": "atlantic", "setting": "urban"}),
    ]
    out = voting.breakdown("yes_no", ballots, "region", options=["yes", "no", "abstain"])
    assert list(out["groups"]) == ["atlantic", "quebec"]
    assert out["groups"]["quebec"]["totals"]["yes"] == {"ballots": 1, "weight": 100}
    assert out["groups"]["atlantic"]["blank_weight"] == 30
    whole = voting.tally("yes_no", [(w, s) for w, s, _ in ballots], options=["yes", "no", "abstain"]).as_dict()["totals"]
    for option in ("yes", "no", "abstain"):
        assert sum(g["totals"][option]["weight"] for g in out["groups"].values()) == whole[option]["weight"]


def test_breakdown_ranked_uses_first_preferences() -> None:
    ballots = [(3, ["b", "a"], {"size_class": "large"}), (2, ["a"], {"size_class": "small"})]
    out = voting.breakdown("irv", ballots, "size_class", options=["a", "b"])
    assert out["groups"]["large"]["totals"] == {"a": {"ballots": 0, "weight": 0}, "b": {"ballots": 1, "weight": 3}}


def test_breakdown_errors() -> None:
    with pytest.raises(voting.InvalidBallot, match="ballot 0: attributes: missing 'region'"):
        voting.breakdown("plurality", [(1, "a", {})], "region", options=["a"])
    with pytest.raises(voting.InvalidBallot, match="ballot 2: selection: got unknown option 'z'"):
        voting.breakdown("plurality", [(1, "a", {"region": "x"}), (1, "a", {"region": "y"}), (1, "z", {"region": "y"})],
                         "region", options=["a"])
    with pytest.raises(voting.InvalidMotion):
        voting.breakdown("borda", [], "region", options=["a"])
