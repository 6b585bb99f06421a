"""The fast path (voting.fast) and the reference give the same explanation, field for field.

``voting.tally(..., fast=False)`` counts with the reference alone: ingestion one ballot at a
time (voting._ingest), py-vote-core's STV fed one exact ballot per distinct ranking
(voting._pycore.ExactSTV) and the pairwise matrix summed in Python.  The default takes the
fast path where it applies: ranked ballots as arrays, STV over candidate piles, the matrix
summed with numpy.  Small random profiles (hypothesis) and large ones (both of the fast
path's routes: every ballot a row, or grouped first when rankings repeat) must agree, and so
must the errors for bad ballots.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import voting
from voting.fast.rankings import rankings_repeat
from tests.conftest import examples

RANKED = ["irv", "stv", "schulze", "ranked_pairs"]
SEATS = {"stv": 2}


@st.composite
def ranked_profiles(draw: Any) -> tuple[str, list[str], list[tuple[int, list[str]]], int]:
    method = draw(st.sampled_from(RANKED))
    options = [f"o{i}" for i in range(draw(st.integers(2, 6)))]
    big = draw(st.sampled_from([1, 1, 1, 2**60]))  # beyond 2**53 the arrays hold Python ints
    ballots = []
    for _ in range(draw(st.integers(1, 30))):
        ranking = draw(st.permutations(options))[: draw(st.integers(0, len(options)))]  # blanks too
        ballots.append((draw(st.integers(1, 9)) * big, list(ranking)))
    seats = min(SEATS.get(method, 1), len(options))
    return method, options, ballots, seats


def both(method: str, ballots: Any, options: list[str], seats: int, seed: bytes | None) -> tuple[Any, Any]:
    fast = voting.tally(method, ballots, options=options, seats=seats, tie_break_seed=seed)
    reference = voting.tally(method, ballots, options=options, seats=seats, tie_break_seed=seed, fast=False)
    return fast.as_dict(), reference.as_dict()


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ranked_profiles(), st.sampled_from([None, b"seed"]))
def test_small_profiles_explain_the_same(profile: Any, seed: bytes | None) -> None:
    method, options, ballots, seats = profile
    fast, reference = both(method, ballots, options, seats, seed)
    assert fast == reference


def _large(size: int, distinct: int | None, seed: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    rnd = random.Random(seed)
    options = [f"o{i}" for i in range(8)]
    pool = [rnd.sample(options, rnd.randint(0, 8)) for _ in range(distinct or 0)]
    return options, [(rnd.randint(1, 90), list(rnd.choice(pool)) if pool else rnd.sample(options, rnd.randint(0, 8)))
                     for _ in range(size)]


@pytest.mark.parametrize("method", RANKED)
@pytest.mark.parametrize("distinct", [None, 9, 150])  # every ballot a row; grouped (few, many)
def test_large_profiles_explain_the_same(method: str, distinct: int | None) -> None:
    options, ballots = _large(2000, distinct, seed=17)
    assert rankings_repeat(ballots) == bool(distinct)
    fast, reference = both(method, ballots, options, 3 if method == "stv" else 1, b"large")
    assert fast == reference


@pytest.mark.parametrize("method", RANKED)
def test_bad_ballots_are_named_alike(method: str) -> None:
    options = ["a", "b", "c"]
    for bad, index in (([(2, ["a"])] * 700 + [(1, ["a", "a"])], 700), ([(1, ["b"]), (0, ["a"])], 1),
                       ([(1, ["a"]), (1, ["z"])], 1)):
        errors = []
        for fast in (True, False):
            with pytest.raises(voting.InvalidBallot) as caught:
                voting.tally(method, bad, options=options, fast=fast)
            errors.append((caught.value.index, str(caught.value)))
        assert errors[0] == errors[1] and errors[0][0] == index
