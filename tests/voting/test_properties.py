"""Hypothesis properties of voting.tally (invariants, not examples)."""

from __future__ import annotations

import random
from typing import Any

import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import voting
from tests.conftest import examples

SEED = b"property-seed"
RANKED = ["irv", "stv", "schulze", "ranked_pairs", "schulze_stv"]
ALL = ["plurality", "approval", *RANKED]
SETTINGS = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def profiles(
    draw: Any,
    min_options: int = 2,
    max_options: int = 5,
    complete: bool = False,
    max_ballots: int = 12,
    max_weight: Any = st.just(40),
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    n = draw(st.integers(min_options, max_options))
    options = [f"o{i}" for i in range(n)]
    size = draw(st.integers(1, max_ballots))
    top = draw(max_weight)
    ballots = []
    for _ in range(size):
        weight = draw(st.integers(1, top))
        perm = draw(st.permutations(options))
        length = n if complete else draw(st.integers(0, n))
        ballots.append((weight, list(perm[:length])))
    return options, ballots


def as_method(method: str, ballots: list[tuple[int, list[str]]]) -> list[tuple[int, Any]]:
    if method == "plurality":
        return [(w, r[0] if r else None) for w, r in ballots]
    return list(ballots)


def seats_for(method: str, n: int) -> int:
    return min(2, n) if method in ("stv", "approval", "schulze_stv") else 1


def run(method: str, options: list[str], ballots: list[Any], seed: bytes | None = SEED) -> voting.Result:
    return voting.tally(method, ballots, options=options, seats=seats_for(method, len(options)), tie_break_seed=seed)


@SETTINGS
@given(profiles(), st.sampled_from(ALL), st.randoms(use_true_random=False))
def test_ballot_order_is_irrelevant(profile: Any, method: str, rnd: random.Random) -> None:
    options, ballots = profile
    ballots = as_method(method, ballots)
    shuffled = ballots[:]
    rnd.shuffle(shuffled)
    a, b = run(method, options, ballots).as_dict(), run(method, options, shuffled).as_dict()
    assert a == b
    assert rfc8785.dumps(a) == rfc8785.dumps(b)


@SETTINGS
@given(profiles(), st.sampled_from(ALL))
def test_relabelling_options_relabels_winners(profile: Any, method: str) -> None:
    options, ballots = profile
    ballots = as_method(method, ballots)
    rename = {o: f"cand-{o[::-1]}-é" for o in options}

    def relabel(sel: Any) -> Any:
        if sel is None:
            return None
        return rename[sel] if isinstance(sel, str) else [rename[o] for o in sel]

    before = run(method, options, ballots, seed=None)
    after = run(method, [rename[o] for o in options], [(w, relabel(s)) for w, s in ballots], seed=None)
    assert before.status == after.status
    if before.status == "elected":
        assert after.winners == tuple(rename[o] for o in before.winners)


@SETTINGS
@given(profiles(), st.sampled_from([m for m in ALL if m != "stv"]), st.integers(2, 1000))
def test_scaling_all_weights_changes_nothing(profile: Any, method: str, k: int) -> None:
    # Not STV: py-vote-core's whole-number Droop quota floor(V/(seats+1))+1 is compared with
    # fractional tallies after a surplus transfer, so scaling V can move a decision (see
    # docs/methods.md, "Deliberate differences"); test_stv_quota_is_not_scale_invariant
    # pins one such case.
    options, ballots = profile
    ballots = as_method(method, ballots)
    base = run(method, options, ballots)
    scaled = run(method, options, [(w * k, s) for w, s in ballots])
    assert (scaled.winners, scaled.status) == (base.winners, base.status)
    if method == "irv" and base.as_dict()["detail"]:
        for r0, r1 in zip(base.as_dict()["detail"]["rounds"], scaled.as_dict()["detail"]["rounds"], strict=True):
            assert r0["eliminated"] == r1["eliminated"] and r0["elected"] == r1["elected"]


@SETTINGS
@given(profiles(max_options=4), st.sampled_from(ALL))
def test_k_ballots_of_weight_one_equal_one_ballot_of_weight_k(profile: Any, method: str) -> None:
    options, ballots = profile
    ballots = as_method(method, ballots)
    split = [(1, s) for w, s in ballots for _ in range(w)]
    a, b = run(method, options, ballots).as_dict(), run(method, options, split).as_dict()
    for key in ("winners", "status", "detail", "ties", "quorum"):
        assert a[key] == b[key], key
    assert a["turnout"]["weight"] == b["turnout"]["weight"] == b["turnout"]["ballots"]
    assert {o: t["weight"] for o, t in a["totals"].items()} == {o: t["weight"] for o, t in b["totals"].items()}


def condorcet_winner(options: list[str], ballots: list[tuple[int, list[str]]]) -> str | None:
    def beats(x: str, y: str) -> int:
        total = 0
        for w, r in ballots:
            px = r.index(x) if x in r else len(r)
            py = r.index(y) if y in r else len(r)
            total += w if px < py else 0
        return total

    for x in options:
        if all(beats(x, y) > beats(y, x) for y in options if y != x):
            return x
    return None


@SETTINGS
@given(profiles(min_options=3))
def test_condorcet_winner_wins_schulze_and_ranked_pairs(profile: Any) -> None:
    options, ballots = profile
    cw = condorcet_winner(options, ballots)
    for method in ("schulze", "ranked_pairs"):
        r = run(method, options, ballots, seed=None)
        if cw is not None:
            assert r.winners == (cw,) and r.status == "elected"


@SETTINGS
@given(
    profiles(max_options=5, max_ballots=100, max_weight=st.sampled_from([40, 2**20, 2**45, 2**60])),
    st.sampled_from(["schulze", "ranked_pairs", "irv", "stv"]),
)
def test_region_none_changes_nothing(profile: Any, method: str) -> None:
    # A plain (weight, ranking) list is counted ungrouped from arrays; with a third item
    # (region None) every ballot goes through the grouping path.  Large weights cross the
    # float32 and float64 exactness bounds of the array path and the 2**53 fallback.
    options, ballots = profile
    tagged = [(w, r, None) for w, r in ballots]
    a, b = run(method, options, ballots).as_dict(), run(method, options, tagged).as_dict()
    assert a == b  # (rfc8785 refuses integers from 2**53 up, so compare the dicts)


@SETTINGS
@given(profiles(min_options=3))
def test_schulze_paths_agree_with_py_vote_core(profile: Any) -> None:
    options, ballots = profile
    r = run("schulze", options, ballots)
    if r.status == "no_votes":
        return
    out = r.as_dict()
    potential = out["detail"]["potential_winners"]
    if r.status == "elected":
        assert potential == list(r.winners)
    else:
        assert sorted(out["ties"][-1]["tied"]) == sorted(potential)
        assert r.winners[0] in potential


def _reaches(edges: set[tuple[str, str]], a: str, b: str) -> bool:
    frontier, seen = [a], {a}
    while frontier:
        x = frontier.pop()
        if x == b:
            return True
        for u, v in edges:
            if u == x and v not in seen:
                seen.add(v)
                frontier.append(v)
    return False


@SETTINGS
@given(profiles(min_options=3))
def test_ranked_pairs_locks_acyclically_and_skips_only_cycles(profile: Any) -> None:
    options, ballots = profile
    r = run("ranked_pairs", options, ballots)
    if r.status == "no_votes":
        return
    locked: set[tuple[str, str]] = set()
    strengths = []
    for p in r.as_dict()["detail"]["pairs"]:
        a, b = p["pair"]
        strengths.append(p["strength"])
        assert p["strength"] > p["opposition"]
        closes_cycle = _reaches(locked, b, a)
        assert (p["action"] == "skipped") == closes_cycle
        if not closes_cycle:
            locked.add((a, b))
    assert strengths == sorted(strengths, reverse=True)
    winner = r.winners[0]
    assert not any(v == winner for _, v in locked)


@SETTINGS
@given(profiles(min_options=3, max_options=6), st.integers(1, 3))
def test_stv_rounds_conserve_weight_and_fill_seats(profile: Any, seats: int) -> None:
    options, ballots = profile
    from fractions import Fraction

    r = voting.tally("stv", ballots, options=options, seats=min(seats, len(options)), tie_break_seed=SEED)
    if r.status == "no_votes":
        return
    detail = r.as_dict()["detail"]
    assert len(r.winners) == len(set(r.winners)) == min(seats, len(options))
    for row in detail["rounds"]:
        total = sum(Fraction(v) for v in row["tallies"].values())
        assert total <= detail["valid_weight"]
        for o in row["elected"]:
            assert Fraction(row["tallies"][o]) >= row["quota"]


@SETTINGS
@given(profiles(), st.sampled_from(ALL), st.booleans())
def test_explanation_is_json_safe(json_safe: Any, profile: Any, method: str, seeded: bool) -> None:
    options, ballots = profile
    out = run(method, options, as_method(method, ballots), seed=SEED if seeded else None).as_dict()
    json_safe(out)
    rfc8785.dumps(out)
    assert out["status"] in voting.STATUSES


@SETTINGS
@given(st.integers(1, 10**6), st.integers(0, 10**6), st.integers(0, 10**6))
def test_two_thirds_is_exact(yes: int, no: int, abstain: int) -> None:
    ballots = [(w, c) for w, c in ((yes, "yes"), (no, "no"), (abstain, "abstain")) if w]
    r = voting.tally("yes_no", ballots, options=[], rules={"threshold": "two_thirds"})
    assert r.carried is (3 * yes >= 2 * (yes + no))


def test_stv_quota_is_not_scale_invariant() -> None:
    # Worked by hand with py-vote-core's rule (docs/methods.md), 2 seats:
    # as cast, V = 10, quota floor(10/3)+1 = 4.  B has 5: elected, factor (5-4)/5 = 1/5, so A
    # gets 4 * 1/5: A = 2 + 4/5 = 14/5 < C = 3; A is eliminated and C takes the second seat.
    # Doubled, V = 20, quota floor(20/3)+1 = 7 (a smaller share: 7/20 < 4/10).  B has 10,
    # factor 3/10, A = 4 + 8 * 3/10 = 32/5 > C = 6; C is eliminated and A is elected.
    ballots = [(4, ["B", "A"]), (3, ["C", "A"]), (1, ["B"]), (2, ["A", "B"])]
    r1 = voting.tally("stv", ballots, options=["A", "B", "C"], seats=2)
    r2 = voting.tally("stv", [(w * 2, s) for w, s in ballots], options=["A", "B", "C"], seats=2)
    d1, d2 = r1.as_dict()["detail"], r2.as_dict()["detail"]
    assert (d1["quota"], d2["quota"]) == (4, 7)
    assert d1["rounds"][1]["tallies"] == {"A": "14/5", "C": "3/1"}
    assert d2["rounds"][1]["tallies"] == {"A": "32/5", "C": "6/1"}
    assert (r1.winners, r2.winners) == (("B", "C"), ("B", "A"))
