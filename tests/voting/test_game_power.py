"""Composite games and frameworks: published values, brute force on small games, the
powerindex package on single quotas, and invariants."""

from __future__ import annotations

import random
from fractions import Fraction
from itertools import combinations

import powerindex  # a dev extra (pyproject.toml): missing, the run fails rather than skips
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from voting import frameworks, game_power
from voting.framework_report import gini, power_of, report, smallest_blocking, smallest_winning
from voting.game_power import power, swings_by_size
from voting.games import Game, InvalidGame, indices_from_swings, reference_swings_by_size


def test_eec_council_1958_through_both_engines() -> None:
    # Felsenthal & Machover, "The Measurement of Voting Power" (1998): Banzhaf 5/21 and 1/7,
    # Shapley-Shubik 7/30 and 3/20, Luxembourg a dummy (tests/voting/test_power.py has the same).
    game = Game(weights=(4, 4, 4, 2, 2, 1), quota=12)
    for result in (power(game), power_of(game)):
        assert result["banzhaf"] == [Fraction(5, 21)] * 3 + [Fraction(1, 7)] * 2 + [Fraction(0)]
        assert result["shapley_shubik"] == [Fraction(7, 30)] * 3 + [Fraction(3, 20)] * 2 + [Fraction(0)]
        assert result["absolute_banzhaf"] == [Fraction(10, 32)] * 3 + [Fraction(6, 32)] * 2 + [Fraction(0)]


def test_un_security_council() -> None:
    # Five permanent members of weight 7 and ten others of weight 1, quota 39 (all five
    # permanent members and at least four others). Shapley-Shubik 0.1963 per permanent member,
    # 0.00186 per other: Shapley & Shubik, "A Method for Evaluating the Distribution of Power in
    # a Committee System", American Political Science Review 48 (1954); exactly 421/2145 and
    # 4/2145. Banzhaf 0.1669 and 0.0165 (Felsenthal & Machover 1998, table 3.3.2).
    game = Game(weights=(7,) * 5 + (1,) * 10, quota=39)
    for result in (power(game), power_of(game)):
        assert result["shapley_shubik"][0] == Fraction(421, 2145)
        assert round(float(result["shapley_shubik"][0]), 4) == 0.1963
        assert result["shapley_shubik"][5] == Fraction(4, 2145)
        assert round(float(result["banzhaf"][0]), 4) == 0.1669
        assert round(float(result["banzhaf"][5]), 4) == 0.0165
    # the same game as a composite: the five permanent members in every winning coalition is
    # "carry region 0 entirely", and nine members in all
    composite = Game(weights=(1,) * 15, regions=(0,) * 5 + (1,) * 10, member_quota=9,
                     region_quotas=(5, 0), regions_needed=2)
    assert power(composite) == power(game)


@st.composite
def small_games(draw: st.DrawFn, max_members: int = 8, region_weights: bool = True) -> Game:
    n = draw(st.integers(1, max_members))
    region_count = draw(st.integers(1, min(3, n)))
    regions = list(range(region_count)) + draw(st.lists(st.integers(0, region_count - 1),
                                                        min_size=n - region_count, max_size=n - region_count))
    regions = draw(st.permutations(regions))
    weights = draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))
    by_weight = region_weights and draw(st.booleans())
    if by_weight:  # a region's measure is its weight; one above it: never carried
        sizes = [sum(w for w, r in zip(weights, regions) if r == region) + 1 for region in range(region_count)]
    else:
        sizes = [regions.count(r) for r in range(region_count)]
    game_args = {
        "weights": tuple(weights), "regions": tuple(regions), "region_by_weight": by_weight,
        "quota": draw(st.integers(0, sum(weights))), "member_quota": draw(st.integers(0, n)),
        "region_quotas": tuple(draw(st.integers(0, s)) for s in sizes),
        "regions_needed": draw(st.integers(0, region_count)),
        "block_minimum": draw(st.one_of(st.just(0), st.integers(0, n))),
    }
    try:
        return Game(**game_args)
    except InvalidGame:
        from hypothesis import reject
        reject()


@settings(max_examples=examples(150), deadline=None)
@given(small_games())
def test_composite_engine_equals_enumeration(game: Game) -> None:
    assert swings_by_size(game) == reference_swings_by_size(game)


@settings(max_examples=examples(60), deadline=None)
@given(small_games())
def test_indices_sum_to_one_and_match_symmetry(game: Game) -> None:
    swings = reference_swings_by_size(game)
    if not any(map(any, swings)):
        return
    result = indices_from_swings(swings)
    assert sum(result["banzhaf"]) == 1 == sum(result["shapley_shubik"])
    for i, j in combinations(range(game.n), 2):
        if game.weights[i] == game.weights[j] and game.regions[i] == game.regions[j]:
            assert result["banzhaf"][i] == result["banzhaf"][j]
            assert result["shapley_shubik"][i] == result["shapley_shubik"][j]


@settings(max_examples=examples(60), deadline=None)
@given(small_games(max_members=7, region_weights=False))
def test_smallest_coalitions_are_smallest(game: Game) -> None:
    n = game.n
    everyone = set(range(n))
    fewest_winning = min(len(c) for size in range(n + 1) for c in combinations(range(n), size) if game.wins(c))
    winning = smallest_winning(game)
    assert game.wins(winning) and len(winning) == fewest_winning
    blocking_sizes = [len(c) for size in range(n + 1) for c in combinations(range(n), size)
                      if not game.wins(everyone - set(c))]
    blocking = smallest_blocking(game)
    if blocking is None:
        assert blocking_sizes == [] or min(blocking_sizes) == n
    else:
        assert not game.wins(everyone - set(blocking)) and len(blocking) == min(blocking_sizes)


def test_dummy_and_symmetric_members() -> None:
    # weights 6, 6, 1 with quota 12 and two members: the third is never needed (a dummy)
    result = power(Game(weights=(6, 6, 1), regions=(0, 1, 1), quota=12, member_quota=2))
    assert result["banzhaf"] == [Fraction(1, 2), Fraction(1, 2), Fraction(0)]
    assert result["shapley_shubik"][2] == 0


def test_powerindex_agrees_on_random_single_quotas() -> None:
    rng = random.Random(16)
    for n in (5, 20, 50, 80):
        weights = [rng.randint(1, 30) for _ in range(n)]
        quota = sum(weights) // 2 + 1
        theirs = powerindex.Game(quota, weights=weights)
        theirs.calc()
        ours = power_of(Game(weights=tuple(weights), quota=quota))
        for mine, other in ((ours["banzhaf"], theirs.banzhaf), (ours["shapley_shubik"], theirs.shapley_shubik)):
            assert all(abs(float(a) - b) < 1e-9 for a, b in zip(mine, other, strict=True))


def test_gini() -> None:
    assert gini([Fraction(1, 4)] * 4) == 0
    assert gini([Fraction(0), Fraction(0), Fraction(1)]) == Fraction(2, 3)


# --- frameworks ------------------------------------------------------------------------------

MEMBERS = [  # docs/weights.md §7
    {"id": "lip-a", "region": "quebec", "province": "QC", "setting": "urban", "size_class": "large",
     "population": 900_000, "holder_type": "municipal", "clusters": []},
    {"id": "lip-b", "region": "quebec", "province": "QC", "setting": "rural", "size_class": "small",
     "population": 40_000, "holder_type": "spo", "clusters": []},
    {"id": "lip-c", "region": "ontario", "province": "ON", "setting": "urban", "size_class": "medium",
     "population": 250_000, "holder_type": "spo", "clusters": []},
    {"id": "lip-d", "region": "ontario", "province": "ON", "setting": "rural", "size_class": "small",
     "population": 60_000, "holder_type": "municipal", "clusters": []},
    {"id": "lip-e", "region": "atlantic", "province": "NS", "setting": "rural", "size_class": "small",
     "population": 50_000, "holder_type": "spo", "clusters": []},
]


def test_jagiellonian_quota_is_exact() -> None:
    # q = (T + sqrt(sum w^2)) / 2: weights 3, 4 give (7 + 5) / 2 = 6 exactly; 1, 1 give
    # (2 + 1.414...) / 2 = 1.707..., rounded up to 2
    assert frameworks.jagiellonian_quota([3, 4]) == 6
    assert frameworks.jagiellonian_quota([1, 1]) == 2
    assert frameworks.jagiellonian_quota([1] * 100) == 55  # (100 + 10) / 2


@pytest.mark.parametrize("name", sorted(frameworks.PRESETS))
def test_every_preset_reports_on_the_example(name: str, json_safe) -> None:  # type: ignore[no-untyped-def]
    members = MEMBERS
    if name == "population_capped":  # needs at least 10 members (cap 1/10)
        members = [{**m, "id": f"{m['id']}-{k}"} for k in range(2) for m in MEMBERS]
    result = report(frameworks.PRESETS[name], members)
    json_safe(result)
    assert sum(Fraction(r["banzhaf"]) for r in result["members"]) == 1
    assert sum(Fraction(r["shapley_shubik"]) for r in result["members"]) == 1
    regions = result["groups"]["region"]
    assert sum(Fraction(g["banzhaf"]) for g in regions.values()) == 1


def test_majority_and_regions_on_the_example() -> None:
    fw = {"weights": frameworks.PRESETS["one_lip_one_vote"]["weights"],
          "rule": {"members": {"more_than": "1/2"}, "regions": {"needed": "all", "within": {"more_than": "1/2"}}}}
    result = report(fw, MEMBERS)
    # every region carried needs both Quebec members, both Ontario members and lip-e: unanimity
    assert result["smallest_winning"] == ["lip-a", "lip-b", "lip-c", "lip-d", "lip-e"]
    assert {r["shapley_shubik"] for r in result["members"]} == {"1/5"}
    assert result["groups"]["region"]["atlantic"]["blocks_alone"] is True
    assert result["groups"]["region"]["quebec"]["passes_alone"] is False


@pytest.mark.parametrize(("framework", "message"), [
    ({"weights": {"kind": "equal", "rule": "exact", "total": None, "cap": None, "floor": None}, "rule": {}},
     "at least one condition"),
    ({"weights": {"kind": "sqrt_population", "total": 0}, "rule": {"weight": {"more_than": "1/2"}}},
     "weights.total"),
    ({"weights": {"kind": "equal"}, "rule": {"weight": {"more_than": "1/2"}}}, "weights:"),
    ({"weights": {"kind": "sqrt_population", "total": 100}, "rule": {"weight": {"most": "1/2"}}}, "rule.weight"),
    ({"weights": {"kind": "sqrt_population", "total": 100},
      "rule": {"regions": {"needed": 0, "within": {"more_than": "1/2"}}}}, "rule.regions.needed"),
    ({"weights": {"kind": "sqrt_population", "total": 100}, "rule": {"members": {"more_than": "1/1"}}},
     "rule.members"),
])
def test_invalid_frameworks_are_named(framework: dict, message: str) -> None:
    with pytest.raises(frameworks.InvalidFramework, match=message):
        frameworks.validate_framework(framework)


def test_too_many_regions_needed() -> None:
    fw = {"weights": {"kind": "sqrt_population", "total": 100},
          "rule": {"regions": {"needed": 4, "within": {"more_than": "1/2"}}}}
    with pytest.raises(frameworks.InvalidFramework, match="the membership has 3"):
        frameworks.build(fw, MEMBERS)


@pytest.mark.parametrize("members", [70, 130])
def test_engine_matches_generating_functions_where_counts_need_several_moduli(members: int) -> None:
    # swing counts reach 2^(n-2): past 64 members they need a prime beside 2^64, past 100
    # two, so the Chinese remainder step is exercised with the wrap-around modulus first;
    # the engine (power) is compared with voting.power on a plain quota.
    assert len(game_power.moduli(members)) == (2 if members == 70 else 3)
    rng = random.Random(members)
    weights = [rng.randint(1, 12) for _ in range(members)]
    quota = sum(weights) * 2 // 3
    from voting import power as single

    ours = power(Game(weights=tuple(weights), quota=quota))
    assert ours["banzhaf"] == single.banzhaf(weights, quota)
    assert ours["shapley_shubik"] == single.shapley_shubik(weights, quota)


@pytest.mark.parametrize("members", [1, 2, 64, 65, 100, 101, 200])
def test_moduli_cover_every_count(members: int) -> None:
    found = game_power.moduli(members)
    assert found[0] == 1 << 64
    product = 1
    for modulus in found:
        product *= modulus
    assert product > 1 << (members - 1)  # coalitions of the n - 1 others
    assert product // found[-1] <= 1 << (members - 1) or len(found) == 1  # and no more than needed


def test_symmetric_regions_give_equal_power() -> None:
    # 3 regions of 20 equal members, a majority of members and of 2 of the 3 regions:
    # every member is interchangeable with every other, so each index is 1/60
    game = Game(weights=(1,) * 60, regions=tuple(i % 3 for i in range(60)), member_quota=31,
                region_quotas=(11, 11, 11), regions_needed=2)
    result = power(game)
    assert result["banzhaf"] == [Fraction(1, 60)] * 60
    assert result["shapley_shubik"] == [Fraction(1, 60)] * 60


def test_regional_counts_past_64_members_match_a_closed_form() -> None:
    # 90 equal members in two regions of 45, a majority of each region needed: member i of a
    # region swings exactly when 22 others of its region and at least 23 of the other region
    # vote yes, so swings_i(c) = C(44, 22) x C(45, c - 22).  Counts reach 2^84: 2^64 and a
    # prime, with the regions folded and the target region unfolded.
    from math import comb

    game = Game(weights=(1,) * 90, regions=(0,) * 45 + (1,) * 45, region_quotas=(23, 23), regions_needed=2)
    expected = [comb(44, 22) * comb(45, c - 22) if c - 22 >= 23 else 0 for c in range(90)]
    assert swings_by_size(game) == [expected] * 90
