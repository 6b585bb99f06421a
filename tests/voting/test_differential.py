"""Differential tests against pref_voting (an independent implementation) on random
weighted profiles.

Deliberate differences (also in docs/methods.md):
* pref_voting returns every tied winner; we break ties by the seed.  We compare the tie-free
  cases exactly and, with ties, check our winner is among pref_voting's.
* Profiles here are complete rankings: with truncated ballots py-vote-core measures a
  majority by winning votes, pref_voting by margins, and they may legitimately differ.
* IRV is compared with pref_voting's instant_runoff_tb given our seed order: its plain
  instant_runoff eliminates every candidate tied for last at once, py-vote-core one.
* STV is not compared: pref_voting's STV variants use other quotas and transfer rules.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pref_voting.profiles import Profile
from pref_voting.iterative_methods import instant_runoff_tb
from pref_voting.voting_methods import beat_path, plurality, ranked_pairs

import voting
from tests.conftest import examples

SETTINGS = settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def complete_profiles(draw: Any) -> tuple[int, list[tuple[int, list[int]]]]:
    n = draw(st.integers(3, 5))
    size = draw(st.integers(1, 9))
    rows = [(draw(st.integers(1, 30)), list(draw(st.permutations(range(n))))) for _ in range(size)]
    return n, rows


def ours(method: str, n: int, rows: list[tuple[int, list[int]]]) -> voting.Result:
    options = [f"c{i}" for i in range(n)]
    if method == "plurality":
        ballots: list[Any] = [(w, f"c{r[0]}") for w, r in rows]
    else:
        ballots = [(w, [f"c{i}" for i in r]) for w, r in rows]
    return voting.tally(method, ballots, options=options, tie_break_seed=b"differential")


def theirs(fn: Any, rows: list[tuple[int, list[int]]]) -> set[str]:
    profile = Profile([r for _, r in rows], rcounts=[w for w, _ in rows])
    return {f"c{c}" for c in fn(profile)}


@SETTINGS
@given(complete_profiles(), st.sampled_from(["plurality", "schulze", "ranked_pairs"]))
def test_single_winner_methods_agree_with_pref_voting(profile: Any, method: str) -> None:
    n, rows = profile
    fn = {"plurality": plurality, "schulze": beat_path, "ranked_pairs": ranked_pairs}[method]
    result = ours(method, n, rows)
    reference = theirs(fn, rows)
    assert result.winners[0] in reference
    if result.status == "elected":
        assert reference == set(result.winners)
    if method == "schulze":
        assert set(result.as_dict()["detail"]["potential_winners"]) == reference


@SETTINGS
@given(complete_profiles())
def test_irv_agrees_with_pref_voting_given_the_same_tie_break(profile: Any) -> None:
    # pref_voting's plain instant_runoff drops every candidate tied for last at once;
    # instant_runoff_tb drops the one earliest in a given list; py-vote-core drops the last
    # in our seed order, so it gets that order reversed and the winners must agree exactly.
    n, rows = profile
    result = ours("irv", n, rows)
    seed_order = voting.tie_order(b"differential", [f"c{i}" for i in range(n)])
    profile_ = Profile([r for _, r in rows], rcounts=[w for w, _ in rows])
    reference = instant_runoff_tb(profile_, tie_breaker=[int(o[1:]) for o in reversed(seed_order)])
    assert set(result.winners) == {f"c{c}" for c in reference}
