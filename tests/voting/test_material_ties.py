"""IRV and STV elimination ties are material only if breaking them differently could change
who is elected (docs/methods.md §4, "Material ties").

Brute force: on small weighted profiles where every ballot ranks every option, every tie the
tally reports is re-broken in every order of its tied options (each other option keeping its
place in the tie-break order) and the count re-run; the tie must be material exactly when
some order elects someone else.  IRV recounts use pref_voting (an independent program).
"""

from __future__ import annotations

import random
from itertools import permutations
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from pref_voting.iterative_methods import instant_runoff, instant_runoff_put, instant_runoff_tb
from pref_voting.profiles import Profile

import voting
from voting import _materiality
from voting._ingest import ingest
from voting._methods import RUNNERS, run_stv

SETTINGS = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEEDS = [None, b"one", b"two", b"three"]

Rows = list[tuple[int, list[int]]]


@st.composite
def complete_profiles(draw: Any) -> tuple[int, Rows]:
    """3 to 6 options, a few distinct complete rankings, small weights (so ties are common)."""
    n = draw(st.integers(3, 6))
    size = draw(st.integers(1, 7))
    top = draw(st.sampled_from([3, 12]))
    rows = [(draw(st.integers(1, top)), list(draw(st.permutations(range(n))))) for _ in range(size)]
    return n, rows


def _options(n: int) -> list[str]:
    return [f"c{i}" for i in range(n)]


def _ballots(rows: Rows) -> list[tuple[int, list[str]]]:
    return [(w, [f"c{i}" for i in r]) for w, r in rows]


def irv_winners(rows: Rows, order: list[str]) -> frozenset[str]:
    """pref_voting's IRV, dropping the tied option earliest in its list: our order reversed."""
    profile = Profile([r for _, r in rows], rcounts=[w for w, _ in rows])
    return frozenset(f"c{c}" for c in instant_runoff_tb(profile, tie_breaker=[int(o[1:]) for o in reversed(order)]))


def stv_winners(rows: Rows, n: int, seats: int, order: list[str]) -> frozenset[str]:
    groups = ingest("stv", _ballots(rows), tuple(_options(n)), None).counted()
    return frozenset(run_stv(groups, _options(n), seats, order).winners)


def reordered(order: list[str], tied: list[str], arrangement: tuple[str, ...]) -> list[str]:
    slots = sorted(order.index(o) for o in tied)
    out = list(order)
    for slot, option in zip(slots, arrangement):
        out[slot] = option
    return out


def check_every_tie(result: voting.Result, options: list[str], recount: Any, *, exact: bool = True) -> None:
    """Material iff some order of the tied options changes the winners (only "if" when not
    ``exact``); and the reported winners are the count's winners with the order used."""
    out = result.as_dict()
    order = out["tie_break"]["order"] or options
    winners = recount(order)
    if result.status != "tie_unresolved":
        assert set(result.winners) == winners
    for tie in out["ties"]:
        if tie["effect"] != "eliminated":
            continue
        outcomes = {recount(reordered(order, tie["tied"], a)) for a in permutations(tie["tied"])}
        changes = outcomes != {winners}
        if exact:
            assert tie["material"] == changes, tie
        elif not tie["material"]:
            assert not changes, tie
    material = any(t["material"] for t in out["ties"])
    if out["tie_break"]["seed"] is None:
        assert result.status == ("tie_unresolved" if material else "elected")
    else:
        assert result.status == ("tie_resolved" if material else "elected")


@SETTINGS
@given(complete_profiles(), st.sampled_from(SEEDS))
def test_irv_tie_is_material_iff_some_order_changes_the_winner(profile: tuple[int, Rows], seed: bytes | None) -> None:
    n, rows = profile
    result = voting.tally("irv", _ballots(rows), options=_options(n), tie_break_seed=seed)
    check_every_tie(result, _options(n), lambda order: irv_winners(rows, order))


@SETTINGS
@given(complete_profiles(), st.integers(1, 4), st.sampled_from(SEEDS))
def test_stv_tie_is_material_iff_some_order_changes_the_winners(
    profile: tuple[int, Rows], seats: int, seed: bytes | None
) -> None:
    n, rows = profile
    seats = min(seats, n - 1)
    result = voting.tally("stv", _ballots(rows), options=_options(n), seats=seats, tie_break_seed=seed)
    check_every_tie(result, _options(n), lambda order: stv_winners(rows, n, seats, order))


@SETTINGS
@given(complete_profiles(), st.integers(1, 3), st.sampled_from(["irv", "stv"]))
def test_batch_elimination_alone_never_hides_a_material_tie(profile: tuple[int, Rows], seats: int, method: str) -> None:
    # No recount budget: only the batch-elimination proof can call a tie immaterial.
    n, rows = profile
    seats = 1 if method == "irv" else min(seats, n - 1)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_materiality, "RECOUNT_BUDGET", 0)
        result = voting.tally(method, _ballots(rows), options=_options(n), seats=seats, tie_break_seed=b"batch")
    recount = (lambda order: irv_winners(rows, order)) if method == "irv" else \
        (lambda order: stv_winners(rows, n, seats, order))
    check_every_tie(result, _options(n), recount, exact=False)


@SETTINGS
@given(complete_profiles())
def test_irv_agrees_with_pref_voting_when_it_gives_one_winner(profile: tuple[int, Rows]) -> None:
    n, rows = profile
    prof = Profile([r for _, r in rows], rcounts=[w for w, _ in rows])
    result = voting.tally("irv", _ballots(rows), options=_options(n))
    # Parallel-universe tie-breaking: the winners under some order of breaking ties.  One
    # winner means no order matters, so no tie may be material, with or without a seed.
    every_order = {f"c{c}" for c in instant_runoff_put(prof)}
    if len(every_order) == 1:
        assert result.status == "elected" and set(result.winners) == every_order
    # Plain instant_runoff drops every option tied for last at once: the same count when
    # nothing ties.
    at_once = {f"c{c}" for c in instant_runoff(prof)}
    if len(at_once) == 1 and not result.as_dict()["ties"]:
        assert set(result.winners) == at_once


@SETTINGS
@given(complete_profiles(), st.integers(1, 3), st.sampled_from(["irv", "stv"]), st.sampled_from(SEEDS))
def test_fast_path_and_reference_judge_ties_alike(
    profile: tuple[int, Rows], seats: int, method: str, seed: bytes | None
) -> None:
    n, rows = profile
    seats = 1 if method == "irv" else min(seats, n - 1)
    kw: dict[str, Any] = {"options": _options(n), "seats": seats, "tie_break_seed": seed}
    fast = voting.tally(method, _ballots(rows), fast=True, **kw).as_dict()
    reference = voting.tally(method, _ballots(rows), fast=False, **kw).as_dict()
    assert fast == reference


# --- the case from the issue ------------------------------------------------------------------

# Options c and d have no first preference; a leads b and e, nobody has a majority.
ZERO_FIRSTS = [(4, ["a", "b", "c", "d", "e"]), (3, ["b", "a", "d", "c", "e"]), (2, ["e", "c", "d", "b", "a"])]
FIVE = ["a", "b", "c", "d", "e"]


def test_tie_between_options_with_no_first_preferences_is_not_material() -> None:
    for seed in SEEDS:
        result = voting.tally("irv", ZERO_FIRSTS, options=FIVE, tie_break_seed=seed)
        tie = result.as_dict()["ties"][0]
        assert tie["tied"] == ["c", "d"] and tie["material"] is False
        assert result.status == "elected" and result.winners == ("b",)


def test_without_a_seed_an_immaterial_tie_still_elects() -> None:
    result = voting.tally("irv", ZERO_FIRSTS, options=FIVE)
    out = result.as_dict()
    assert result.status == "elected" and result.winners == ("b",)
    assert "provisional" not in out and out["ties"][0]["chosen"] == ["d"]


def test_a_real_tie_for_last_is_still_material() -> None:
    # b and c tie on 2; whichever goes first hands its ballots to the other's rival.
    ballots = [(4, ["a", "b", "c"]), (2, ["b", "c", "a"]), (2, ["c", "b", "a"]), (1, ["d", "c", "b", "a"])]
    result = voting.tally("irv", ballots, options=["a", "b", "c", "d"])
    assert result.status == "elected"  # d (1) goes first; then c and b are no longer tied
    tied = [(4, ["a", "b", "c"]), (3, ["b", "c", "a"]), (3, ["c", "b", "a"])]
    result = voting.tally("irv", tied, options=["a", "b", "c"])
    assert result.status == "tie_unresolved" and result.as_dict()["ties"][0]["material"] is True


def test_stv_with_two_seats_ignores_a_zero_tie() -> None:
    ballots = [(5, ["a", "b", "x", "y", "c"]), (4, ["b", "a", "y", "x", "c"]), (3, ["c", "a", "x", "y", "b"])]
    result = voting.tally("stv", ballots, options=["a", "b", "c", "x", "y"], seats=2)
    ties = result.as_dict()["ties"]
    assert ties and not any(t["material"] for t in ties)
    assert result.status == "elected"


# --- the old rule, for results published before it changed ---------------------------------------


def test_format_1_calls_every_irv_tie_material() -> None:
    old = voting.tally("irv", ZERO_FIRSTS, options=FIVE, tie_break_seed=b"one", result_format="lipvote-tally/1")
    new = voting.tally("irv", ZERO_FIRSTS, options=FIVE, tie_break_seed=b"one")
    assert old.as_dict()["format"] == "lipvote-tally/1" and new.as_dict()["format"] == voting.TALLY_FORMAT
    assert old.status == "tie_resolved" and old.as_dict()["ties"][0]["material"] is True
    assert old.winners == new.winners  # the rule changes what is said about the tie, never who wins
    unseeded = voting.tally("irv", ZERO_FIRSTS, options=FIVE, result_format="lipvote-tally/1")
    assert unseeded.status == "tie_unresolved"


def test_unknown_result_format_is_refused() -> None:
    with pytest.raises(voting.InvalidMotion, match="result_format"):
        voting.tally("irv", ZERO_FIRSTS, options=FIVE, result_format="lipvote-tally/9")


# --- the batch-elimination rule on its own -----------------------------------------------------


@pytest.mark.parametrize(
    ("tallies", "tied", "quota", "seats_open", "expected"),
    [
        ({"a": 0, "b": 0, "c": 5, "d": 6}, ["a", "b"], 6, 1, True),  # 0 + 0 < 5
        ({"a": 2, "b": 2, "c": 3, "d": 9}, ["a", "b"], 9, 1, True),  # 2 + 2 > 3, but a+b+c = 7 < 9
        ({"a": 2, "b": 2, "c": 3, "d": 5}, ["a", "b"], 7, 1, False),  # 7 > 5: no batch
        ({"a": 0, "b": 0, "c": 5}, ["a", "b"], 4, 2, False),  # c alone cannot fill two seats
        ({"a": 0, "b": 0, "c": 5, "d": 5}, ["a", "b"], 6, 2, True),
        ({"a": 1, "b": 1, "c": 5, "d": 5}, ["a", "b"], 6, 2, False),  # c could reach the quota
    ],
)
def test_batch_elimination_rule(tallies: dict[str, int], tied: list[str], quota: int, seats_open: int,
                                expected: bool) -> None:
    from fractions import Fraction

    exact = {o: Fraction(t) for o, t in tallies.items()}
    assert _materiality.batch_eliminated(exact, tied, quota, seats_open) is expected


def test_recounts_stay_within_the_budget() -> None:
    # 80 single-unit ballots ranking 40 options at random: many ties for last, few of them
    # settled by batch elimination.  The recounts may not cost more than the budget.
    rng = random.Random(7)
    options = [f"o{i}" for i in range(40)]
    ballots = [(1, rng.sample(options, 40)) for _ in range(80)]
    recounts = 0
    original = _materiality.TieJudge.__init__

    def counting(judge: Any, recount: Any, *args: Any) -> None:
        def counted(order: list[str]) -> frozenset[str]:
            nonlocal recounts
            recounts += 1
            return frozenset(recount(order))

        original(judge, counted, *args)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(_materiality.TieJudge, "__init__", counting)
        result = voting.tally("irv", ballots, options=options)
    assert result.as_dict()["ties"]
    assert 0 < recounts * 80 * 40 <= _materiality.RECOUNT_BUDGET


# --- Ranked Pairs: groups of equally strong pairs --------------------------------------------


def rp_winner(sequence: list[tuple[str, str]], order: list[str]) -> str:
    """Lock pairs in ``sequence`` unless they close a cycle (networkx); the unbeaten option
    earliest in the tie-break order wins."""
    locked = nx.DiGraph()
    locked.add_nodes_from(order)
    for a, b in sequence:
        if not nx.has_path(locked, b, a):
            locked.add_edge(a, b)
    return next(o for o in order if locked.in_degree(o) == 0)


@SETTINGS
@given(complete_profiles(), st.sampled_from(SEEDS))
def test_ranked_pairs_group_is_material_iff_some_order_changes_the_winner(
    profile: tuple[int, Rows], seed: bytes | None
) -> None:
    n, rows = profile
    result = voting.tally("ranked_pairs", _ballots(rows), options=_options(n), tie_break_seed=seed)
    out = result.as_dict()
    order = out["tie_break"]["order"] or _options(n)
    pairs = out["detail"]["pairs"]
    sequence = [(p["pair"][0], p["pair"][1]) for p in pairs]
    winner = rp_winner(sequence, order)
    if result.status != "tie_unresolved":
        assert result.winners == (winner,)
    for tie in out["ties"]:
        if tie["effect"] != "processing order":
            continue
        strength = int(tie["stage"].rsplit(" ", 1)[1])
        at = [k for k, p in enumerate(pairs) if p["strength"] == strength]
        start, end = at[0], at[-1] + 1
        if end - start > 5:  # 6! orders and more: the budget may leave it material unchecked
            changes = None
        else:
            changes = any(rp_winner([*sequence[:start], *a, *sequence[end:]], order) != winner
                          for a in permutations(sequence[start:end]))
        if changes is not None:
            assert tie["material"] == changes, tie
        if not tie["material"]:
            assert changes is not True, tie


# --- plurality, approval, Schulze: ties over who is elected ----------------------------------


@st.composite
def selections(draw: Any) -> tuple[str, list[str], int, list[tuple[int, Any]]]:
    method = draw(st.sampled_from(["plurality", "approval", "schulze"]))
    n = draw(st.integers(3, 6))
    options = _options(n)
    size = draw(st.integers(1, 6))
    seats = 1 if method == "schulze" else draw(st.integers(1, n - 1))
    if method == "plurality":
        ballots: list[tuple[int, Any]] = [(draw(st.integers(1, 3)), draw(st.sampled_from(options))) for _ in range(size)]
    elif method == "approval":
        ballots = [(draw(st.integers(1, 3)), draw(st.sets(st.sampled_from(options), min_size=1))) for _ in range(size)]
    else:
        ballots = [(draw(st.integers(1, 3)), list(draw(st.permutations(options)))) for _ in range(size)]
    return method, options, seats, ballots


@SETTINGS
@given(selections(), st.sampled_from(SEEDS))
def test_ties_over_who_is_elected_are_material_and_some_order_decides_them(
    case: tuple[str, list[str], int, list[tuple[int, Any]]], seed: bytes | None
) -> None:
    method, options, seats, ballots = case
    result = voting.tally(method, ballots, options=options, seats=seats, tie_break_seed=seed)
    out = result.as_dict()
    order = out["tie_break"]["order"] or options
    groups = ingest(method, ballots, tuple(options), None).counted()
    runner = RUNNERS[method]
    winners = frozenset(runner(groups, options, seats, order).winners)
    for tie in out["ties"]:
        assert tie["material"] is True
        outcomes = {frozenset(runner(groups, options, seats, reordered(order, tie["tied"], a)).winners)
                    for a in permutations(tie["tied"])}
        assert outcomes != {winners}, tie
