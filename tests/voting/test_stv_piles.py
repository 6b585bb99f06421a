"""The piled STV adapter against py-vote-core's own per-ballot STV loop, run exactly.

``voting.fast.piles.PiledSTV`` runs py-vote-core's ``STV.calculate_results`` over one pseudo-ballot
per option pile.  The oracle is the reference, ``voting._pycore.ExactSTV``: one py-vote-core ballot dict per
distinct ranking, with the count kept exact (the float cast undone) and the tallies summed
exactly.  Both run py-vote-core's rule; the piles must give the same rounds, tallies, quota,
tied losers and winners on every profile, including resets (all ballots exhausted before
the seats are filled), surplus factors of zero (a tally exactly at the quota) and weights
beyond 2**53 (summed as Python ints instead of float64).
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import voting
from voting._pycore import ExactSTV, exact_ballot
from voting.fast.piles import PiledSTV, PileList
from voting.fast.rankings import rankings_repeat
from voting.fast.ranks import preference_order
from tests.conftest import examples

def _arrays(options: list[str], ballots: list[tuple[int, list[str]]]) -> tuple[Any, Any]:
    code = {o: i for i, o in enumerate(options)}
    n = len(options)
    order = np.full((len(ballots), n + 1), -1, dtype=np.int8)
    for k, (_, ranking) in enumerate(ballots):
        order[k, : len(ranking)] = [code[o] for o in ranking]
    weights = [w for w, _ in ballots]
    dtype: Any = np.int64 if sum(weights) < 2**53 else object
    return order, np.array(weights, dtype=dtype)


def _run_both(options: list[str], ballots: list[tuple[int, list[str]]], seats: int) -> tuple[Any, Any]:
    order, weights = _arrays(options, ballots)
    tie = list(reversed(options))
    piled = PiledSTV(PileList(order, weights, options), tie_breaker=list(tie), required_winners=seats)
    oracle = ExactSTV([exact_ballot(w, tuple(r)) for w, r in ballots], tie_breaker=list(tie), required_winners=seats)
    return piled, oracle


def _rounds(core: Any) -> list[dict[str, Any]]:
    out = []
    for r in core.rounds:
        row = dict(r)
        row["tallies"] = {c: Fraction(v) for c, v in r.get("tallies", {}).items()}
        out.append(row)
    return out


@st.composite
def stv_profiles(draw: Any) -> tuple[list[str], list[tuple[int, list[str]]], int]:
    n = draw(st.integers(2, 6))
    options = [f"o{i}" for i in range(n)]
    big = draw(st.sampled_from([1, 1, 2**60]))
    ballots = []
    for _ in range(draw(st.integers(1, 14))):
        perm = draw(st.permutations(options))
        ranking = list(perm[: draw(st.integers(1, n))])  # truncated ballots exhaust, forcing resets
        ballots.append((draw(st.integers(1, 12)) * big, ranking))
    ranked = {o for _, r in ballots for o in r}
    seats = draw(st.integers(1, len(ranked)))
    return options, ballots, seats


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stv_profiles())
def test_piles_follow_py_vote_core_per_ballot_loop(profile: Any) -> None:
    options, ballots, seats = profile
    piled, oracle = _run_both(options, ballots, seats)
    assert piled.quota == oracle.quota
    assert _rounds(piled) == _rounds(oracle)
    assert piled.winners == oracle.winners


def test_reset_after_zero_factors_restores_the_original_ballots() -> None:
    # 3 seats, V = 4, quota 2: a and b reach it exactly (surplus factor 0), so every ballot
    # is worth 0 and py-vote-core resets to the original ballots without a and b, where c
    # and d are back at their full weight of 2.
    options = ["a", "b", "c", "d"]
    ballots = [(2, ["a", "c"]), (2, ["b", "d"])]
    piled, oracle = _run_both(options, ballots, 3)
    assert [r.get("note") for r in piled.rounds] == [None, "reset"]
    assert piled.rounds[1]["tallies"] == {"c": 2, "d": 2}
    assert _rounds(piled) == _rounds(oracle) and piled.winners == oracle.winners


def test_preference_order_lists_each_ballot_most_preferred_first() -> None:
    codes = np.array([2, 0, 1, 1], dtype=np.int8)
    uneven = preference_order(codes, np.array([3, 0, 1], dtype=np.int64), 4)
    assert uneven.tolist() == [[2, 0, 1, -1, -1], [-1] * 5, [1, -1, -1, -1, -1]]
    even = preference_order(codes, np.array([2, 2], dtype=np.int64), 4)
    assert even.tolist() == [[2, 0, -1, -1, -1], [1, 1, -1, -1, -1]]


def _profile(size: int, distinct: int | None, seed: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    rnd = random.Random(seed)
    options = [f"o{i}" for i in range(8)]

    def ranking() -> list[str]:
        return rnd.sample(options, rnd.randint(1, 8))

    pool = [ranking() for _ in range(distinct)] if distinct else None
    return options, [(rnd.randint(1, 50), list(rnd.choice(pool)) if pool else ranking()) for _ in range(size)]


@pytest.mark.parametrize("method, seats", [("irv", 1), ("stv", 3), ("schulze", 1), ("ranked_pairs", 1)])
@pytest.mark.parametrize("distinct", [7, None])
def test_both_ingest_routes_count_the_same(method: str, seats: int, distinct: int | None) -> None:
    # A plain (weight, ranking) list of many distinct rankings takes the array path; one
    # whose sampled rankings repeat is grouped first.  A third item (region None) always
    # sends every ballot through ingest's grouping: all must give the same explanation.
    options, ballots = _profile(3000, distinct, seed=11)
    assert rankings_repeat(ballots) == bool(distinct)
    fast = voting.tally(method, ballots, options=options, seats=seats, tie_break_seed=b"m")
    grouped = voting.tally(method, [(w, r, None) for w, r in ballots], options=options, seats=seats, tie_break_seed=b"m")
    assert fast.as_dict() == grouped.as_dict()


def test_small_or_malformed_profiles_take_the_array_path() -> None:
    assert not rankings_repeat([(1, ["a"])] * 512)  # small: cheap either way
    assert rankings_repeat([(1, ["a"])] * 513)
    assert not rankings_repeat([7] + [(1, ["a"])] * 600)  # a malformed sample: no guess
    assert not rankings_repeat([(1, [["a"]])] * 600)  # an unhashable option id
    assert not rankings_repeat([(1, iter(["a"]))] * 600)  # never consume an iterator
    for bad, index in (([7] + [(1, ["a"])] * 600, 0), ([(1, ["a"])] * 600 + [7], 600)):
        with pytest.raises(voting.InvalidBallot) as caught:
            voting.tally("irv", bad, options=["a"])
        assert caught.value.index == index


def test_more_options_than_an_int8_code_holds() -> None:
    # 130 options: codes no longer fit int8, so the arrays widen to int16.
    options = [f"o{i:03d}" for i in range(130)]
    rnd = random.Random(5)
    ballots = [(rnd.randint(1, 9), rnd.sample(options, rnd.randint(1, 130))) for _ in range(300)]
    for method, seats in (("irv", 1), ("stv", 4)):
        fast = voting.tally(method, ballots, options=options, seats=seats, tie_break_seed=b"w")
        grouped = voting.tally(method, [(w, r, None) for w, r in ballots], options=options, seats=seats, tie_break_seed=b"w")
        assert fast.as_dict() == grouped.as_dict()
        assert len(fast.winners) == seats
