"""Yes/no thresholds, quorum and double majorities: exact boundaries, worked by hand."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import rfc8785

import voting
from tests.conftest import examples

OPTS = ["yes", "no", "abstain"]


def yn(ballots: list[Any], **rules: Any) -> voting.Result:
    return voting.tally("yes_no", ballots, options=OPTS, rules=rules or None)


@pytest.mark.parametrize(
    ("threshold", "yes", "no", "carried"),
    [
        ("majority_cast", 51, 49, True),
        ("majority_cast", 50, 50, False),  # equality defeats a motion
        ("two_thirds", 200, 100, True),  # exactly two-thirds carries
        ("two_thirds", 199, 100, False),  # 199/299 < 2/3
        ("two_thirds", 2_000_000_000_000, 1_000_000_000_001, False),  # a hair under 2/3
        ("three_quarters", 300, 100, True),  # exactly three-quarters
        ("three_quarters", 299, 100, False),
        ("unanimity", 7, 0, True),
        ("unanimity", 7, 1, False),
    ],
)
def test_threshold_boundaries(threshold: str, yes: int, no: int, carried: bool, json_safe: Any) -> None:
    ballots = [(w, choice) for w, choice in ((yes, "yes"), (no, "no"), (1000, "abstain")) if w > 0]
    r = yn(ballots, threshold=threshold)
    assert r.carried is carried
    assert r.status == ("carried" if carried else "defeated")
    test = r.as_dict()["detail"]["weight_test"]
    assert test["base"] == yes + no  # abstentions excluded
    json_safe(r.as_dict())


def test_unanimity_ignores_abstentions_but_needs_a_vote() -> None:
    assert yn([(5, "abstain")], threshold="unanimity").carried is False
    assert yn([(5, "abstain"), (1, "yes")], threshold="unanimity").carried is True


def test_absolute_majority_counts_against_eligible_weight() -> None:
    eligible = {"members": 10, "weight": 1000}
    # 501 of 1000 eligible units: carried even though most members stayed home.
    assert yn([(501, "yes")], threshold="absolute_majority", eligible=eligible).carried is True
    # exactly half of the eligible weight is not a majority
    r = yn([(500, "yes"), (10, "no")], threshold="absolute_majority", eligible=eligible)
    assert r.carried is False
    assert r.as_dict()["detail"]["weight_test"]["yes_share"] == "1/2"


def test_quorum_share_met_at_exact_boundary() -> None:
    rules = {"quorum": {"members": "1/2", "weight": "1/3"}, "eligible": {"members": 4, "weight": 300}}
    # 2 of 4 members (exactly 1/2) holding 100 of 300 units (exactly 1/3): quorum met.
    r = voting.tally("yes_no", [(60, "yes"), (40, "abstain")], options=OPTS, rules=rules)
    assert r.status == "carried"
    q = r.as_dict()["quorum"]
    assert q["members"]["share"] == "1/2" and q["weight"]["share"] == "1/3" and q["met"] is True
    # 99 units is below a third of 300.
    r = voting.tally("yes_no", [(59, "yes"), (40, "abstain")], options=OPTS, rules=rules)
    assert r.status == "no_quorum" and r.carried is False and r.winners == ()


def test_blank_ballots_count_toward_quorum_only() -> None:
    rules = {"quorum": {"members": "3/4"}, "eligible": {"members": 4, "weight": 40}}
    ballots = [(10, ["a"]), (10, None), (10, [])]
    r = voting.tally("irv", ballots, options=["a", "b"], rules=rules)
    assert r.status == "elected" and r.winners == ("a",)
    assert r.as_dict()["turnout"]["blank_ballots"] == 2
    assert voting.tally("irv", ballots[:2], options=["a", "b"], rules=rules).status == "no_quorum"


def test_members_double_majority_applies_the_same_threshold_to_headcount() -> None:
    # Two large members outweigh three small ones: weighted yes, headcount no.
    ballots = [(40, "yes"), (40, "yes"), (10, "no"), (10, "no"), (10, "no")]
    assert yn(ballots).carried is True
    r = yn(ballots, double_majority={"members": True})
    assert r.carried is False
    assert r.as_dict()["detail"]["members_test"]["yes_share"] == "2/5"


REGIONS = {
    "members": 6,
    "weight": 600,
    "regions": {
        "atlantic": {"members": 2, "weight": 200},
        "quebec": {"members": 2, "weight": 200},
        "ontario": {"members": 2, "weight": 200},
    },
}


def test_regional_majority_k_of_regions() -> None:
    ballots = [
        (100, "yes", "atlantic"),
        (100, "no", "atlantic"),  # atlantic: a tie, does not concur
        (100, "yes", "quebec"),
        (100, "yes", "ontario"),
        (50, "no", "ontario"),
    ]
    r = voting.tally("yes_no", ballots, options=OPTS, rules={"double_majority": {"regions": 2}, "eligible": REGIONS})
    test = r.as_dict()["detail"]["regions_test"]
    assert [rid for rid, v in test["regions"].items() if v["concurs"]] == ["ontario", "quebec"]
    assert r.carried is True
    r = voting.tally("yes_no", ballots, options=OPTS, rules={"double_majority": {"regions": "all"}, "eligible": REGIONS})
    assert r.carried is False


def test_region_without_ballots_does_not_concur_but_empty_region_is_not_counted() -> None:
    eligible = {"members": 2, "weight": 200, "regions": {"quebec": {"members": 2, "weight": 200}, "bc_yukon": {"members": 0, "weight": 0}}}
    r = voting.tally("yes_no", [(100, "yes", "quebec")], options=OPTS,
                     rules={"double_majority": {"regions": "all"}, "eligible": eligible})
    assert r.carried is True
    assert r.as_dict()["detail"]["regions_test"]["counted_regions"] == 1
    eligible2 = {"members": 3, "weight": 300, "regions": {"quebec": {"members": 2, "weight": 200}, "bc_yukon": {"members": 1, "weight": 100}}}
    r = voting.tally("yes_no", [(100, "yes", "quebec")], options=OPTS,
                     rules={"double_majority": {"regions": "all"}, "eligible": eligible2})
    assert r.carried is False


def test_default_rules_are_recorded_in_full() -> None:
    out = yn([(1, "yes")]).as_dict()
    assert out["rules"] == {
        "threshold": "majority_cast",
        "quorum": {"members": None, "weight": None},
        "double_majority": {"members": False, "regions": None},
        "eligible": None,
    }
    rfc8785.dumps(out)


@pytest.mark.parametrize(
    ("rules", "fragment"),
    [
        ({"threshold": "supermajority"}, "rules.threshold"),
        ({"quorum": {"members": "0.5"}, "eligible": {"members": 1, "weight": 1}}, "rules.quorum.members"),
        ({"quorum": {"members": "3/2"}, "eligible": {"members": 1, "weight": 1}}, "(0, 1]"),
        ({"quorum": {"weight": "1/3"}}, "rules.eligible: missing"),
        ({"threshold": "absolute_majority"}, "rules.eligible: missing"),
        ({"double_majority": {"regions": 2}, "eligible": {"members": 2, "weight": 2}}, "rules.eligible.regions"),
        ({"double_majority": {"regions": 4}, "eligible": REGIONS}, "only 3 region"),
        ({"double_majority": {"members": "yes"}}, "double_majority.members"),
        ({"eligible": {"members": 6, "weight": 601, "regions": REGIONS["regions"]}}, "weight sum to 600"),
        ({"colour": "red"}, "unknown key"),
        ("majority", "rules: got str"),
    ],
)
def test_validate_rules_rejects(rules: Any, fragment: str) -> None:
    with pytest.raises(voting.InvalidMotion, match=None) as info:
        voting.validate_rules(rules)
    assert fragment in str(info.value)


def test_rule_thresholds_constant() -> None:
    assert set(voting.RULE_THRESHOLDS) == {"majority_cast", "absolute_majority", "two_thirds", "three_quarters", "unanimity"}
    for name in voting.RULE_THRESHOLDS:
        voting.validate_rules({"threshold": name, "eligible": {"members": 1, "weight": 1}})


def test_threshold_only_for_yes_no() -> None:
    with pytest.raises(voting.InvalidMotion, match="only to yes_no"):
        voting.tally("plurality", [(1, "a")], options=["a"], rules={"threshold": "two_thirds"})


def test_turnout_above_eligible_is_refused() -> None:
    with pytest.raises(voting.InvalidMotion, match="more than the 1 eligible"):
        voting.tally("yes_no", [(1, "yes"), (1, "no")], options=OPTS, rules={"eligible": {"members": 1, "weight": 5}})


@settings(max_examples=examples(300), deadline=None)
@given(st.integers(0, 12), st.integers(1, 12), st.integers(0, 500), st.booleans())
def test_needed_is_the_smallest_amount_that_passes(p: int, q: int, base: int, strict: bool) -> None:
    share = Fraction(min(p, q), q)
    passes = (lambda a: Fraction(a, base) > share) if strict else (lambda a: Fraction(a, base) >= share)
    smallest = next((a for a in range(base + 2) if base and passes(a)), None)
    if base and smallest is not None:
        assert voting.needed(share, base, strict) == smallest


def test_named_thresholds() -> None:
    two_thirds = voting.threshold("two_thirds")
    assert (two_thirds.share, two_thirds.strict, two_thirds.basis) == (Fraction(2, 3), False, "votes_cast")
    assert voting.needed(two_thirds.share, 10_000, two_thirds.strict) == 6_667
    majority = voting.threshold("absolute_majority")
    assert voting.needed(majority.share, 80, majority.strict) == 41 and majority.basis == "eligible"
    assert voting.RANKED_METHODS == {"irv", "stv", "schulze", "ranked_pairs", "schulze_stv"}
