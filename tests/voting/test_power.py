"""Voting power: a published example, brute force on small games, invariants."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.power import InvalidGame, banzhaf, banzhaf_swings, shapley_shubik
from tests.conftest import examples


def test_eec_council_1958() -> None:
    # Council of Ministers of the EEC, 1958: France, Germany, Italy 4; Belgium, Netherlands 2;
    # Luxembourg 1; qualified majority 12 of 17.  Published values (Felsenthal & Machover,
    # "The Measurement of Voting Power", 1998, and the Wikipedia article "Banzhaf power index"):
    # Banzhaf swings 10, 10, 10, 6, 6, 0 (normalised 5/21 and 1/7); Shapley-Shubik 7/30 and
    # 3/20; Luxembourg is a dummy with no power at all.
    w = [4, 4, 4, 2, 2, 1]
    assert banzhaf_swings(w, 12) == [10, 10, 10, 6, 6, 0]
    assert banzhaf(w, 12) == [Fraction(5, 21)] * 3 + [Fraction(1, 7)] * 2 + [Fraction(0)]
    assert shapley_shubik(w, 12) == [Fraction(7, 30)] * 3 + [Fraction(3, 20)] * 2 + [Fraction(0)]


def brute_banzhaf_swings(w: list[int], q: int) -> list[int]:
    n = len(w)
    swings = [0] * n
    for mask in range(1 << n):
        total = sum(w[i] for i in range(n) if mask >> i & 1)
        if total >= q:
            for i in range(n):
                if mask >> i & 1 and total - w[i] < q:
                    swings[i] += 1
    return swings


def brute_shapley(w: list[int], q: int) -> list[Fraction]:
    n = len(w)
    pivots = [0] * n
    for order in itertools.permutations(range(n)):
        running = 0
        for i in order:
            if running < q <= running + w[i]:
                pivots[i] += 1
                break
            running += w[i]
    return [Fraction(p, math.factorial(n)) for p in pivots]


game = st.lists(st.integers(0, 12), min_size=1, max_size=7).filter(lambda w: sum(w) > 0).flatmap(
    lambda w: st.tuples(st.just(w), st.integers(1, sum(w)))
)


@settings(max_examples=examples(150), deadline=None)
@given(game)
def test_against_brute_force(g: tuple[list[int], int]) -> None:
    w, q = g
    assert banzhaf_swings(w, q) == brute_banzhaf_swings(w, q)
    assert shapley_shubik(w, q) == brute_shapley(w, q)
    assert sum(banzhaf(w, q)) == 1 == sum(shapley_shubik(w, q))


def test_dictator_and_unanimity() -> None:
    assert banzhaf([6, 1, 1], 6) == [1, 0, 0]
    assert shapley_shubik([3, 2, 1], 6) == [Fraction(1, 3)] * 3  # unanimity: everyone pivotal equally


@pytest.mark.parametrize(("weights", "quota"), [([], 1), ([1, 2], 0), ([1, 2], 4), ([1, -1], 1), ([1.5], 1), ([True], 1)])
def test_invalid_game(weights: list[int], quota: int) -> None:
    with pytest.raises(InvalidGame):
        banzhaf(weights, quota)
    with pytest.raises(InvalidGame):
        shapley_shubik(weights, quota)
