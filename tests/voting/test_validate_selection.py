"""voting.validate_selection refuses exactly what tally refuses, for one selection."""

from __future__ import annotations

import pytest

import voting

OPTIONS = ["a", "b", "c"]


@pytest.mark.parametrize("method,selection", [
    ("yes_no", "yes"), ("yes_no", "abstain"), ("yes_no", None), ("plurality", "b"), ("plurality", ""),
    ("approval", ["a", "c"]), ("approval", []), ("irv", ["c", "a"]), ("stv", ["b"]), ("schulze", []),
])
def test_valid_selections_pass_and_also_count(method: str, selection: object) -> None:
    options = [] if method == "yes_no" else OPTIONS
    voting.validate_selection(method, selection, options=options)
    voting.tally(method, [(1, selection)], options=options)


@pytest.mark.parametrize("method,selection,message", [
    ("yes_no", "maybe", "unknown option"),
    ("plurality", ["a"], "want one option id"),
    ("approval", ["a", "a"], "more than once"),
    ("irv", ["a", "z"], "unknown option"),
    ("ranked_pairs", ["b", "b"], "more than once"),
    ("schulze", "a", "want a list"),
])
def test_invalid_selections_are_refused_like_tally_refuses_them(method: str, selection: object, message: str) -> None:
    options = [] if method == "yes_no" else OPTIONS
    with pytest.raises(voting.InvalidBallot, match=message) as by_validator:
        voting.validate_selection(method, selection, options=options)
    with pytest.raises(voting.InvalidBallot) as by_tally:
        voting.tally(method, [(1, selection)], options=options)
    assert str(by_validator.value) == str(by_tally.value)


def test_unknown_method() -> None:
    with pytest.raises(voting.InvalidMotion, match="method"):
        voting.validate_selection("borda", ["a"], options=OPTIONS)
