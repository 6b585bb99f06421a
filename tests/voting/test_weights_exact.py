"""Weight rules "exact" and "fixed_total" (format lipvote-weights/2): equal inputs, equal weights."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting import InvalidPolicy
from voting import weights as W
from tests.conftest import examples

REGIONS = ["atlantic", "quebec", "ontario", "prairies_nt", "bc_yukon"]
SIZES = ["small", "medium", "large"]


def member(mid: str, **kw: Any) -> dict[str, Any]:
    base = {
        "id": mid, "region": "ontario", "province": "ON", "setting": "urban", "size_class": "medium",
        "population": 1000, "holder_type": "spo", "clusters": [],
    }
    base.update(kw)
    return base


def exact(kind: str, **kw: Any) -> dict[str, Any]:
    return {"kind": kind, "rule": "exact", "total": None, "cap": None, "floor": None, **kw}


def fixed(kind: str, total: int, **kw: Any) -> dict[str, Any]:
    return {"kind": kind, "rule": "fixed_total", "total": total, "cap": None, "floor": None, **kw}


# --- worked examples (docs/weights.md §4 and §5) ------------------------------------------------


def test_equal_41_members_one_unit_each() -> None:
    ms = [member(f"lip-{i:02d}") for i in range(41)]
    snap = W.compute_weights(W.PRESETS["equal"], ms)
    assert set(snap.weights.values()) == {1}
    assert snap.total == 41
    d = snap.as_dict()
    assert d["format"] == W.FORMAT
    assert d["derivation"]["rule"] == "exact"
    assert d["derivation"]["common_denominator"] == 41


def test_equal_41_members_fixed_total_leaves_units_unassigned() -> None:
    # 10000 / 41 = 243 37/41 each: 41 x 243 = 9963, 37 units left, fewer than the 41 equal
    # remainders, so none is handed out; format 1 gave 37 members 244 and four 243.
    ms = [member(f"lip-{i:02d}") for i in range(41)]
    snap = W.compute_weights(fixed("equal", 10000), ms)
    assert set(snap.weights.values()) == {243}
    d = snap.as_dict()
    assert (snap.total, d["derivation"]["leftover_units"], d["derivation"]["unassigned_units"]) == (9963, 37, 37)
    assert d["derivation"]["requested_total"] == 10000
    old = W.compute_weights({"kind": "equal", "total": 10000, "cap": None, "floor": None}, ms)
    assert sorted(set(old.weights.values())) == [243, 244]


def test_tiered_exact_example() -> None:
    # factors 3, 1, 2, 1, 1 (lip-a large, lip-b/d/e small, lip-c medium): sum 8, shares
    # 3/8, 1/8, 1/4, 1/8, 1/8; common denominator 8: units 3, 1, 2, 1, 1.
    ms = [member("lip-a", size_class="large"), member("lip-b", size_class="small"), member("lip-c", size_class="medium"),
          member("lip-d", size_class="small"), member("lip-e", size_class="small")]
    snap = W.compute_weights(W.PRESETS["tiered_1_2_3"], ms)
    assert snap.weights == {"lip-a": 3, "lip-b": 1, "lip-c": 2, "lip-d": 1, "lip-e": 1}
    assert snap.total == 8


def test_regional_parity_exact_example() -> None:
    # 2 regions: quebec's single member 1/2, ontario's three 1/6 each -> 3, 1, 1, 1 of 6.
    ms = [member("q1", region="quebec"), member("o1"), member("o2"), member("o3")]
    snap = W.compute_weights(W.PRESETS["regional_parity"], ms)
    assert snap.weights == {"q1": 3, "o1": 1, "o2": 1, "o3": 1}


def test_blended_cap_fixed_total_docs_example() -> None:
    # docs/weights.md §5: the five members of §7, blended 1/2 with cap 1/4, 100 units.
    ms = [member("lip-a", population=900_000), member("lip-b", population=40_000),
          member("lip-c", population=250_000), member("lip-d", population=60_000),
          member("lip-e", population=50_000)]
    snap = W.compute_weights(fixed("blended", 100, equal_part="1/2", cap="1/4"), ms)
    assert snap.weights == {"lip-a": 25, "lip-b": 16, "lip-c": 25, "lip-d": 17, "lip-e": 17}
    exact_snap = W.compute_weights(exact("blended", equal_part="1/2", cap="1/4"), ms)
    assert exact_snap.weights == {"lip-a": 93, "lip-b": 60, "lip-c": 93, "lip-d": 64, "lip-e": 62}
    assert exact_snap.total == 372


def test_fixed_total_gives_whole_groups_and_stops_at_the_first_that_does_not_fit() -> None:
    # tiered 1/2/3 on lip-a large, lip-b/d/e small, lip-c medium, 100 units: quotas 37 1/2,
    # 12 1/2, 25, 12 1/2, 12 1/2; base 98, two units left; the four remainders of 1/2 form one
    # group of four, which two units cannot cover: both stay unassigned (format 1 gave them
    # to lip-a and lip-b by id).
    ms = [member("lip-a", size_class="large"), member("lip-b", size_class="small"), member("lip-c", size_class="medium"),
          member("lip-d", size_class="small"), member("lip-e", size_class="small")]
    snap = W.compute_weights(fixed("tiered", 100, tiers={"small": 1, "medium": 2, "large": 3}), ms)
    assert snap.weights == {"lip-a": 37, "lip-b": 12, "lip-c": 25, "lip-d": 12, "lip-e": 12}
    assert snap.as_dict()["derivation"]["unassigned_units"] == 2


def test_exact_rule_refuses_a_huge_common_denominator() -> None:
    ms = [member("a", population=999_983), member("b", population=1_000_003)]
    with pytest.raises(InvalidPolicy, match="ask for a fixed total"):
        W.compute_weights(exact("blended", equal_part="0/1"), ms)


@pytest.mark.parametrize(("policy", "fragment"), [
    ({"kind": "equal", "rule": "exact", "total": 100}, "want null"),
    ({"kind": "equal", "rule": "fixed_total", "total": None}, "fixed total"),
    ({"kind": "equal", "rule": "rounded", "total": None}, "policy.rule"),
])
def test_bad_rule(policy: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InvalidPolicy, match=fragment):
        W.compute_weights(policy, [member("a")])


# --- formats: the verifier dispatches on the policy's rule ----------------------------------------


def test_format_1_snapshots_still_recompute() -> None:
    ms = [member("c"), member("a"), member("b")]
    old = W.compute_weights({"kind": "equal", "total": 10000}, ms).as_dict()
    assert old["format"] == W.FORMAT_V1
    assert "rule" not in old["policy"]
    assert W.recompute(old).as_dict() == old
    assert old["weights"] == {"a": 3334, "b": 3333, "c": 3333}


def test_a_rule_cannot_be_added_or_stripped() -> None:
    ms = [member("a", size_class="large"), member("b", size_class="small")]
    new = W.compute_weights(W.PRESETS["tiered_1_2_3"], ms).as_dict()
    assert W.recompute(new).as_dict() == new
    stripped = {**new, "policy": {k: v for k, v in new["policy"].items() if k != "rule"}}
    with pytest.raises(InvalidPolicy, match="without a rule"):
        W.recompute(stripped)
    with pytest.raises(InvalidPolicy, match="with a rule"):
        W.recompute({**new, "format": W.FORMAT_V1})
    tampered = {**new, "weights": {"a": 4, "b": 1}}
    assert W.recompute(tampered).as_dict() != tampered


def test_basis_facts() -> None:
    ms = [member("q1", region="quebec", size_class="small"), member("o1", size_class="large")]
    tiered = W.compute_weights(W.PRESETS["tiered_1_2_3"], ms).as_dict()
    assert W.basis_facts(tiered)["q1"] == {"kind": "tiered", "size_class": "small", "factor": 1, "factor_sum": 4}
    parity = W.compute_weights(W.PRESETS["regional_parity"], ms).as_dict()
    assert W.basis_facts(parity)["o1"] == {"kind": "regional_parity", "region": "ontario", "regions": 2,
                                           "region_members": 1}
    blended = W.compute_weights(W.PRESETS["blended_half_population"], ms).as_dict()
    assert W.basis_facts(blended)["o1"] == {"kind": "blended", "equal_part": "1/2", "members": 2,
                                            "population": 1000, "population_sum": 2000}
    assert W.basis_facts(W.compute_weights(W.PRESETS["equal"], ms).as_dict())["o1"] == {"kind": "equal", "members": 2}


# --- the property: equal policy inputs, equal weights ---------------------------------------------

# What each kind reads from a member: members agreeing on it must get the same weight.
INPUTS: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {
    "equal": lambda m: (),
    "tiered": lambda m: (m["size_class"],),
    "regional_parity": lambda m: (m["region"],),
    "blended": lambda m: (m["population"],),
}
assert set(INPUTS) == set(W.POLICY_KINDS), "a new policy kind needs its inputs here"

members_st = st.lists(
    st.tuples(st.integers(0, 10**6), st.sampled_from(REGIONS), st.sampled_from(SIZES),
              st.sampled_from([0, 500, 1200, 40_000, 250_000, 900_000, 1_200_000])),
    min_size=1, max_size=40, unique_by=lambda t: t[0],
)
kinds_st = st.one_of(
    st.just({"kind": "equal"}),
    st.builds(lambda a, b, c: {"kind": "tiered", "tiers": {"small": a, "medium": b, "large": c}},
              st.integers(1, 9), st.integers(1, 9), st.integers(1, 9)),
    st.just({"kind": "regional_parity"}),
    st.builds(lambda p: {"kind": "blended", "equal_part": p}, st.sampled_from(["0/1", "1/3", "1/2", "9/10", "1/1"])),
)
limits_st = st.tuples(st.sampled_from([None, "1/4", "1/10", "1/2"]), st.sampled_from([None, "1/100", "1/50"]))
rules_st = st.one_of(st.just(("exact", None)), st.tuples(st.just("fixed_total"), st.integers(0, 20000)))


@settings(max_examples=examples(150), deadline=None)
@given(members_st, kinds_st, limits_st, rules_st)
def test_equal_inputs_get_equal_weights(rows: Any, kind: dict[str, Any], limits: tuple[str | None, str | None],
                                        rule: tuple[str, int | None]) -> None:
    ms = [member(f"m{i}", region=r, size_class=s, population=p) for i, r, s, p in rows]
    n = len(ms)
    cap, floor = limits
    if kind["kind"] == "blended" and sum(m["population"] for m in ms) == 0:
        return
    if (cap and Fraction(cap) * n < 1) or (floor and Fraction(floor) * n > 1):
        return
    name, extra = rule
    policy = {**kind, "rule": name, "total": None if extra is None else n + extra, "cap": cap, "floor": floor}
    try:
        snap = W.compute_weights(policy, ms)
    except InvalidPolicy as e:
        assert "ask for a fixed total" in str(e) or "cannot make up the whole" in str(e)
        return
    d = snap.as_dict()
    assert d["format"] == W.FORMAT
    assert sum(snap.weights.values()) == snap.total

    groups: dict[tuple[Any, ...], set[int]] = defaultdict(set)
    for m in ms:
        groups[INPUTS[kind["kind"]](m)].add(snap.weights[m["id"]])
    assert all(len(weights) == 1 for weights in groups.values()), groups

    shares = {r["id"]: Fraction(r["share"]) for r in d["derivation"]["rows"]}
    assert sum(shares.values()) == 1
    if name == "exact":  # the weights realise the shares exactly, with no common factor
        assert all(Fraction(snap.weights[i], snap.total) == s for i, s in shares.items())
        assert snap.total == d["derivation"]["common_denominator"]
    else:  # within one unit below the quota, never above it by a unit, never above the total
        total = policy["total"]
        assert snap.total <= total
        assert total - snap.total == d["derivation"]["unassigned_units"]
        for i, s in shares.items():
            assert 0 <= total * s - snap.weights[i] + 1 and snap.weights[i] - total * s < 1
        by_remainder = sorted(d["derivation"]["rows"], key=lambda r: Fraction(r["remainder"]), reverse=True)
        bonuses = [r["bonus"] for r in by_remainder if Fraction(r["remainder"]) > 0]
        assert bonuses == sorted(bonuses, reverse=True)  # a larger remainder never gets less
    assert W.recompute(d).as_dict() == d


def test_preset_names_cover_both_formats() -> None:
    for name, preset in W.PRESETS.items():
        assert W.preset_name(preset) == name
        assert W.preset_name(W.FORMAT_1_PRESETS[name]) == name
        assert "rule" not in W.FORMAT_1_PRESETS[name]
    assert W.preset_name({**W.PRESETS["equal"], "cap": "1/2"}) is None


def test_a_cap_the_nonzero_members_cannot_reach_is_refused() -> None:
    ms = [member("a", population=10), member("b", population=0), member("c", population=0), member("d", population=0)]
    with pytest.raises(InvalidPolicy, match="cannot make up the whole"):
        W.compute_weights(exact("blended", equal_part="0/1", cap="1/4"), ms)
