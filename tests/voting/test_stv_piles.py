"""The piled STV adapter against py-vote-core's own per-ballot STV loop, run exactly.

``voting._pycore.PiledSTV`` runs py-vote-core's ``STV.calculate_results`` over one pseudo-ballot
per option pile.  The oracle below is the previous adapter: one py-vote-core ballot dict per
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
from py3votecore.stv import STV

import voting
from voting._ingest import rankings_repeat
from voting._pycore import PiledSTV, PileList
from voting._ranks import preference_order

class ExactBallot(dict[str, Any]):
    """A py-vote-core ballot dict whose "count" stays an exact int or Fraction."""

    def __setitem__(self, key: Any, value: Any) -> None:
        if key == "count":
            current = self.get("count")
            if isinstance(value, float):
                # py-vote-core's cast float(count): keep the exact value it was made from.
                if isinstance(current, (int, Fraction)) and float(current) == value:
                    value = current
                else:
                    value = Fraction(value)
            if isinstance(value, Fraction) and value.denominator == 1:
                value = value.numerator
        super().__setitem__(key, value)

    def __deepcopy__(self, memo: dict[int, Any]) -> ExactBallot:
        copy = ExactBallot()
        dict.__setitem__(copy, "count", self["count"])
        dict.__setitem__(copy, "ballot", list(self["ballot"]))
        return copy


def exact_ballot(count: int, ranking: tuple[str, ...]) -> ExactBallot:
    b = ExactBallot()
    dict.__setitem__(b, "count", count)
    dict.__setitem__(b, "ballot", list(ranking))
    return b


class ExactSTV(STV):  # type: ignore[misc]  # py-vote-core ships no types: STV is Any
    """py-vote-core's STV, with tallies summed exactly (see module docstring)."""

    _keyed_ballots: list[dict[str, Any]] | None = None
    _live: dict[Any, None]

    def _continuing(self, ballots: list[dict[str, Any]]) -> dict[Any, None]:
        """The candidates still on some ballot (STV.tallies' keys), kept incrementally.

        py-vote-core removes an elected or eliminated candidate from every ballot at once and
        only replaces the ballot list at the start and at a reset, so between replacements
        the continuing set is the previous one minus the last round's winners and loser.
        """
        if ballots is not self._keyed_ballots:
            self._keyed_ballots = ballots
            self._live = {c: None for ballot in ballots for c in ballot["ballot"]}
        elif self.rounds:
            last = self.rounds[-1]
            for c in list(last.get("winners", ())) + ([last["loser"]] if "loser" in last else []):
                self._live.pop(c, None)
        return self._live

    def tallies(self, ballots: list[dict[str, Any]]) -> dict[Any, Fraction]:
        # Same rule as STV.tallies, summed exactly.  Returning Fractions (never ints) keeps
        # py-vote-core's surplus factor (tally - quota) / tally a Fraction, not a float.
        whole: dict[Any, int] = dict.fromkeys(self._continuing(ballots), 0)
        parts: dict[Any, Fraction] = {}
        for ballot in ballots:
            ranking = ballot["ballot"]
            if ranking:
                count = ballot["count"]
                if type(count) is int:
                    whole[ranking[0]] += count
                else:
                    top = ranking[0]
                    parts[top] = parts.get(top, Fraction(0)) + count
        return {c: Fraction(n) + parts.get(c, 0) for c, n in whole.items()}



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


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
