"""Every deliberate error is typed, and its message names the problem and the ballot."""

from __future__ import annotations

from typing import Any

import pytest

import voting


@pytest.mark.parametrize(
    ("method", "ballots", "index", "fragment"),
    [
        ("plurality", [(1, "a"), (1, "z")], 1, "unknown option 'z'"),
        ("irv", [(1, ["a", "b"]), (2, ["a", "c", "a"])], 1, "'a' appears more than once"),
        ("approval", [(1, ["a", "a"])], 0, "more than once"),
        ("schulze", [(1, ["a"]), (0, ["b"])], 1, "weight: got 0"),
        ("schulze", [(-3, ["a"])], 0, "weight: got -3"),
        # Schulze and Ranked Pairs first try a whole-input array path; a bad ballot anywhere
        # must still be reported by index, exactly as for the other methods.
        ("schulze", [(1, ["a", "b"]), (2, ["b", "c", "b"])], 1, "'b' appears more than once"),
        ("ranked_pairs", [(1, ["a"]), (1, ["z"])], 1, "unknown option 'z'"),
        ("ranked_pairs", [(1, ["a"]), (1, [["a"]])], 1, "unhashable"),
        ("schulze", [(1, ["a"]), (False, ["b"])], 1, "weight: got False"),
        ("ranked_pairs", [(1, ["a"]), (1, "a")], 1, "want a list of option ids"),
        ("schulze", [(1, ["a"]), (1, ["b"], 5)], 1, "region: got int"),
        ("stv", [(1.5, ["a"])], 0, "weight: got 1.5"),
        ("stv", [(True, ["a"])], 0, "weight: got True"),
        ("stv", [("2", ["a"])], 0, "weight: got '2'"),
        ("irv", [(1, "a")], 0, "want a list of option ids"),
        ("approval", [(1, "a")], 0, "want a collection"),
        ("plurality", [(1, ["a"])], 0, "want one option id"),
        ("yes_no", [(1, "maybe")], 0, "unknown option 'maybe'"),
        ("plurality", [(1, "a"), "a"], 1, "want a (weight, selection[, region]) tuple"),
        ("plurality", [(1, "a", "x", "y")], 0, "tuple of 4 items"),
        ("plurality", [(1, "a", 7)], 0, "region: got int"),
        ("irv", [(1, ["a"]), (1, [{"a": 1}])], 1, "got unhashable tuple"),
        ("approval", [(1, ["a"]), (1, {"a": 1})], 1, "got unhashable dict"),
    ],
)
def test_invalid_ballot(method: str, ballots: list[Any], index: int, fragment: str) -> None:
    options = [] if method == "yes_no" else ["a", "b", "c"]
    with pytest.raises(voting.InvalidBallot) as info:
        voting.tally(method, ballots, options=options)
    assert info.value.index == index
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"ballot {index}:")
    assert isinstance(info.value, voting.VotingError)


def test_missing_region_when_regions_are_required() -> None:
    rules = {"double_majority": {"regions": 1}, "eligible": {"members": 2, "weight": 2, "regions": {"quebec": {"members": 2, "weight": 2}}}}
    with pytest.raises(voting.InvalidBallot, match="ballot 1: region: missing"):
        voting.tally("yes_no", [(1, "yes", "quebec"), (1, "no")], options=[], rules=rules)
    with pytest.raises(voting.InvalidBallot, match="ballot 0: region: got 'ontario'"):
        voting.tally("yes_no", [(1, "yes", "ontario")], options=[], rules=rules)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"method": "borda", "options": ["a"]}, "method: got 'borda'"),
        ({"method": "plurality", "options": []}, "options: empty"),
        ({"method": "plurality", "options": ["a", "a"]}, "'a' appears more than once"),
        ({"method": "plurality", "options": ["a", ""]}, "non-empty string"),
        ({"method": "plurality", "options": "abc"}, "want a list"),
        ({"method": "stv", "options": ["a", "b"], "seats": 3}, "seats: got 3, more than the 2"),
        ({"method": "stv", "options": ["a", "b"], "seats": 0}, "seats: got 0"),
        ({"method": "irv", "options": ["a", "b"], "seats": 2}, "irv elects exactly 1"),
        ({"method": "yes_no", "options": ["yes", "maybe"]}, "options: got"),
        ({"method": "plurality", "options": ["a"], "tie_break_seed": "abc"}, "tie_break_seed"),
        ({"method": "plurality", "options": ["a"], "tie_break_seed": b""}, "tie_break_seed"),
        ({"method": "schulze_stv", "options": [f"o{i}" for i in range(13)], "seats": 2}, "at most 12"),
        ({"method": "schulze_stv", "options": [f"o{i}" for i in range(10)], "seats": 3}, "840 set comparisons"),
    ],
)
def test_invalid_motion(kwargs: dict[str, Any], fragment: str) -> None:
    method = kwargs.pop("method")
    with pytest.raises(voting.InvalidMotion) as info:
        voting.tally(method, [], **kwargs)
    assert fragment in str(info.value)


def test_check_feasible_accepts_the_documented_bounds() -> None:
    voting.check_feasible("schulze_stv", 12, 2)  # 660 comparisons
    voting.check_feasible("schulze_stv", 9, 3)
    voting.check_feasible("schulze_stv", 40, 40)  # every option elected: nothing to compare
    voting.check_feasible("stv", 40, 5)
    with pytest.raises(voting.InvalidMotion, match="840"):
        voting.check_feasible("schulze_stv", 10, 3)


def test_ballots_not_iterable() -> None:
    with pytest.raises(voting.InvalidBallot, match="want an iterable"):
        voting.tally("plurality", 5, options=["a"])  # type: ignore[arg-type]


def test_a_bad_ballot_names_its_field_and_reason_apart() -> None:
    """The app reads `field` and `reason` instead of taking the message apart."""
    with pytest.raises(voting.InvalidBallot) as bad:
        voting.validate_selection("irv", ["a", "a"], options=["a", "b"])
    assert (bad.value.index, bad.value.field) == (0, "selection")
    assert bad.value.reason == "option 'a' appears more than once"
    assert bad.value.message == "selection: option 'a' appears more than once"
    assert str(bad.value) == "ballot 0: selection: option 'a' appears more than once"


@pytest.mark.parametrize(("rules", "field"), [
    ({"threshold": "most"}, "rules.threshold"),
    ({"threshold": "majority_cast", "quorum": {"members": "3/2"}}, "rules.quorum.members"),
    ({"threshold": "majority_cast", "quorum": {"weight": "half"}}, "rules.quorum.weight"),
    ({"threshold": "majority_cast", "double_majority": {"regions": 0}}, "rules.double_majority.regions"),
])
def test_bad_rules_name_the_setting_at_fault(rules: dict[str, Any], field: str) -> None:
    with pytest.raises(voting.InvalidMotion) as bad:
        voting.validate_rules(rules)
    assert bad.value.field == field and str(bad.value) == f"{field}: {bad.value.reason}"


def test_infeasible_seats_name_the_seats() -> None:
    with pytest.raises(voting.InvalidMotion) as bad:
        voting.check_feasible("stv", 2, 3)
    assert bad.value.field == "seats" and bad.value.reason == "got 3, more than the 2 option(s)"
