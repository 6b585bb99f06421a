"""Weight policies: worked examples by hand, invariants, round trip, bad input."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting import InvalidPolicy
from voting import weights as W
from tests.conftest import examples

REGIONS = ["atlantic", "quebec", "ontario", "prairies_nt", "bc_yukon"]


def member(mid: str, **kw: Any) -> dict[str, Any]:
    base = {
        "id": mid, "region": "ontario", "province": "ON", "setting": "urban", "size_class": "medium",
        "population": 1000, "holder_type": "spo", "clusters": [],
    }
    base.update(kw)
    return base


def test_equal_remainders_go_to_smaller_ids() -> None:
    # 10000 / 3 = 3333 1/3 each; 1 unit left; equal remainders -> smallest id "a".
    snap = W.compute_weights({"kind": "equal", "total": 10000}, [member("c"), member("a"), member("b")])
    assert snap.weights == {"a": 3334, "b": 3333, "c": 3333}
    rows = snap.as_dict()["derivation"]["rows"]
    assert [r["remainder"] for r in rows] == ["1/3"] * 3
    assert [r["bonus"] for r in rows] == [1, 0, 0]


def test_tiered_worked_example() -> None:
    # factors 1, 2, 3 of 6; quotas 100/6 = 16 2/3, 33 1/3, 50; floors 16+33+50 = 99;
    # the leftover unit goes to the largest remainder (2/3, the small member).
    ms = [member("s", size_class="small"), member("m", size_class="medium"), member("l", size_class="large")]
    snap = W.compute_weights({"kind": "tiered", "total": 100, "tiers": {"small": 1, "medium": 2, "large": 3}}, ms)
    assert snap.weights == {"s": 17, "m": 33, "l": 50}


def test_regional_parity_worked_example() -> None:
    # 2 regions -> 1/2 each; quebec's single member 1/2, ontario's three 1/6 each.
    # total 10: 5, then 1 2/3 x 3 -> floors 5+1+1+1 = 8, 2 leftover to the two smallest
    # ids among the equal remainders 2/3.
    ms = [member("q1", region="quebec"), member("o1"), member("o2"), member("o3")]
    snap = W.compute_weights({"kind": "regional_parity", "total": 10}, ms)
    assert snap.weights == {"q1": 5, "o1": 2, "o2": 2, "o3": 1}


def test_blended_worked_example() -> None:
    # half equal, half by population 100:300 -> 1/4 + 1/8 = 3/8 and 1/4 + 3/8 = 5/8 of 8.
    ms = [member("a", population=100), member("b", population=300)]
    snap = W.compute_weights({"kind": "blended", "total": 8, "equal_part": "1/2"}, ms)
    assert snap.weights == {"a": 3, "b": 5}
    assert [r["share"] for r in snap.as_dict()["derivation"]["rows"]] == ["3/8", "5/8"]


def test_cap_redistributes_proportionally() -> None:
    # population only: 1, 1, 8 -> 1/10, 1/10, 4/5; cap 1/2 -> scale 5/2 for the others:
    # 1/4, 1/4, 1/2 -> 25, 25, 50 of 100.
    ms = [member("a", population=1), member("b", population=1), member("c", population=8)]
    snap = W.compute_weights({"kind": "blended", "total": 100, "equal_part": "0/1", "cap": "1/2"}, ms)
    assert snap.weights == {"a": 25, "b": 25, "c": 50}
    d = snap.as_dict()["derivation"]
    assert d["scale"] == "5/2"
    assert [r["limited"] for r in d["rows"]] == [None, None, "cap"]


def test_floor_raises_small_members() -> None:
    # population 1, 9, 90 with floor 1/10: the first two are raised to 1/10, the third gets
    # the rest 4/5 (scale 8/9: 90/100 * 8/9 = 4/5; 9/100 * 8/9 = 2/25 < 1/10 stays floored).
    ms = [member("a", population=1), member("b", population=9), member("c", population=90)]
    snap = W.compute_weights({"kind": "blended", "total": 100, "equal_part": "0/1", "floor": "1/10"}, ms)
    assert snap.weights == {"a": 10, "b": 10, "c": 80}
    assert snap.as_dict()["derivation"]["scale"] == "8/9"


def test_presets_are_valid_and_round_trip() -> None:
    ms = [member(f"lip-{i}", region=REGIONS[i % 5], size_class=["small", "medium", "large"][i % 3], population=1000 + 37 * i)
          for i in range(80)]
    for name, policy in W.PRESETS.items():
        W.validate_policy(policy)
        snap = W.compute_weights(policy, ms)
        assert sum(snap.weights.values()) == snap.total, name
        if policy["rule"] == "fixed_total":
            assert snap.total <= policy["total"], name
        assert W.recompute(snap.as_dict()).as_dict() == snap.as_dict()


members_st = st.lists(
    st.builds(
        lambda i, r, s, p: (i, r, s, p),
        st.integers(0, 10**6), st.sampled_from(REGIONS), st.sampled_from(["small", "medium", "large"]), st.integers(0, 10**7),
    ),
    min_size=1, max_size=30, unique_by=lambda t: t[0],
)
policies_st = st.one_of(
    st.just({"kind": "equal"}),
    st.builds(lambda a, b, c: {"kind": "tiered", "tiers": {"small": a, "medium": b, "large": c}},
              st.integers(1, 9), st.integers(1, 9), st.integers(1, 9)),
    st.just({"kind": "regional_parity"}),
    st.builds(lambda p: {"kind": "blended", "equal_part": p}, st.sampled_from(["0/1", "1/3", "1/2", "9/10", "1/1"])),
)


@settings(max_examples=examples(80), deadline=None)
@given(members_st, policies_st, st.integers(0, 5000), st.sampled_from([None, "1/4", "1/10", "1/2"]),
       st.sampled_from([None, "1/100", "1/50"]), st.randoms(use_true_random=False))
def test_policy_invariants(rows: Any, policy: dict[str, Any], extra: int, cap: str | None, floor: str | None, rnd: Any) -> None:
    ms = [member(f"m{i}", region=r, size_class=s, population=p) for i, r, s, p in rows]
    if policy["kind"] == "blended" and sum(m["population"] for m in ms) == 0:
        return
    n = len(ms)
    if (cap and Fraction(cap) * n < 1) or (floor and Fraction(floor) * n > 1):
        with pytest.raises(InvalidPolicy):
            W.compute_weights({**policy, "total": n + extra, "cap": cap, "floor": floor}, ms)
        return
    pol = {**policy, "total": n + extra, "cap": cap, "floor": floor}
    snap = W.compute_weights(pol, ms)
    d = snap.as_dict()
    assert sum(snap.weights.values()) == pol["total"]
    shares = [Fraction(r["share"]) for r in d["derivation"]["rows"]]
    assert sum(shares) == 1
    for r, s in zip(d["derivation"]["rows"], shares, strict=True):
        assert abs(r["units"] - pol["total"] * s) < 1  # Hamilton: within one unit of the quota
        if cap:
            assert s <= Fraction(cap)
        if floor:
            assert s >= Fraction(floor)
    shuffled = ms[:]
    rnd.shuffle(shuffled)
    assert W.compute_weights(pol, shuffled).as_dict() == d
    assert W.recompute(d).as_dict() == d


def test_recompute_detects_tampering() -> None:
    snap = W.compute_weights(W.PRESETS["tiered_1_2_3"], [member("a", size_class="large"), member("b", size_class="small")])
    stored = snap.as_dict()
    stored["weights"]["a"] += 1
    assert W.recompute(stored).as_dict() != stored
    with pytest.raises(InvalidPolicy, match="format"):
        W.recompute({**stored, "format": "other"})


def test_concentration_worked_example() -> None:
    # sorted 2, 3, 5: Gini = 2*(1*2 + 2*3 + 3*5)/(3*10) - 4/3 = 1/5; pairs |xi-xj| sum 12 / (2*9*10/3) = 1/5.
    c = W.concentration({"a": 5, "b": 3, "c": 2})
    assert c["gini"] == "1/5"
    assert c["largest"] == {"id": "a", "units": 5, "share": "1/2"}
    assert c["majority_coalition"] == {"size": 2, "units": 8, "members": ["a", "b"]}  # 5 is not > 10/2
    assert W.concentration({"x": 7, "y": 7})["gini"] == "0/1"


@pytest.mark.parametrize(
    ("policy", "members", "fragment"),
    [
        ({"kind": "lottery", "total": 10}, [member("a")], "policy.kind"),
        ({"kind": "equal", "total": 0}, [member("a")], "policy.total"),
        ({"kind": "equal", "total": 1}, [member("a"), member("b")], "at least one unit per member"),
        ({"kind": "equal", "total": 10, "tiers": {}}, [member("a")], "unknown key"),
        ({"kind": "tiered", "total": 10, "tiers": {"small": 1}}, [member("a")], "policy.tiers"),
        ({"kind": "tiered", "total": 10, "tiers": {"small": 1, "medium": 0, "large": 1}}, [member("a")], "policy.tiers.medium"),
        ({"kind": "blended", "total": 10, "equal_part": "0.5"}, [member("a")], "equal_part"),
        ({"kind": "blended", "total": 10, "equal_part": "1/2"}, [member("a", population=None)], "population missing"),
        ({"kind": "equal", "total": 10, "cap": "1/3"}, [member("a"), member("b")], "no share can satisfy"),
        ({"kind": "equal", "total": 10, "floor": "2/3"}, [member("a"), member("b")], "no share can satisfy"),
        ({"kind": "equal", "total": 10, "floor": "1/2", "cap": "1/3"}, [member("a")], "above cap"),
        ({"kind": "equal", "total": 10}, [member("a"), member("a")], "appears more than once"),
        ({"kind": "equal", "total": 10}, [member("a", setting="suburban")], "setting"),
        ({"kind": "equal", "total": 10}, [member("a", population=-1)], "population"),
        ({"kind": "equal", "total": 10}, [], "members: empty"),
        ({"kind": "equal", "total": 10}, [member("")], "members[0].id"),
    ],
)
def test_bad_policy_or_members(policy: dict[str, Any], members: list[dict[str, Any]], fragment: str) -> None:
    with pytest.raises(InvalidPolicy) as info:
        W.compute_weights(policy, members)
    assert fragment in str(info.value)


def test_policy_kinds_constant() -> None:
    assert W.POLICY_KINDS == ("equal", "tiered", "regional_parity", "blended")
