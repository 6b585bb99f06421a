"""Tie-breaking: the seed order, its byte layout, and the no-seed rule."""

from __future__ import annotations

import hashlib

import pytest

import voting

SEED = bytes.fromhex("9f" * 32)


def test_tie_order_is_sha256_of_seed_then_utf8_option() -> None:
    options = ["Montréal", "b", "c"]
    digests = {o: hashlib.sha256(SEED + o.encode("utf-8")).hexdigest() for o in options}
    expected = sorted(options, key=lambda o: digests[o])
    assert voting.tie_order(SEED, options) == expected
    out = voting.tally("plurality", [(1, "b")], options=options, tie_break_seed=SEED).as_dict()
    assert out["tie_break"]["order"] == expected
    assert out["tie_break"]["digests"] == digests
    assert out["tie_break"]["seed"] == SEED.hex()


@pytest.mark.parametrize("method", ["plurality", "approval", "irv", "stv", "schulze", "ranked_pairs"])
def test_perfect_tie_goes_to_the_first_in_seed_order(method: str) -> None:
    sel_a: object = "a" if method == "plurality" else ["a"]
    sel_b: object = "b" if method == "plurality" else ["b"]
    ballots = [(5, sel_a), (5, sel_b)]
    for seed in (b"one", b"two", b"three", b"four"):
        first = [o for o in voting.tie_order(seed, ["a", "b"])][0]
        r = voting.tally(method, ballots, options=["a", "b"], tie_break_seed=seed)
        assert r.winners == (first,)
        assert r.status == "tie_resolved"
        tie = r.as_dict()["ties"][-1]
        assert tie["material"] is True and tie["tied"] == ["a", "b"]


@pytest.mark.parametrize("method", ["plurality", "irv", "schulze", "ranked_pairs"])
def test_material_tie_without_seed_is_unresolved(method: str) -> None:
    sel = (lambda o: o) if method == "plurality" else (lambda o: [o])
    r = voting.tally(method, [(5, sel("a")), (5, sel("b"))], options=["a", "b"])
    assert r.status == "tie_unresolved"
    assert r.winners == ()
    out = r.as_dict()
    assert out["provisional"] is True
    assert out["tie_break"]["order"] is None
    assert all(t["chosen"] is None for t in out["ties"] if t["material"])


def test_stv_elimination_tie_keeps_earlier_option() -> None:
    # b and c tie for last place; the one later in the seed order is eliminated.
    ballots = [(4, ["a"]), (2, ["b"]), (2, ["c"])]
    for seed in (b"x", b"y", b"z", b"w"):
        order = voting.tie_order(seed, ["a", "b", "c"])
        later = max(("b", "c"), key=order.index)
        r = voting.tally("irv", ballots, options=["a", "b", "c"], tie_break_seed=seed)
        assert r.as_dict()["detail"]["rounds"][0]["eliminated"] == later


def test_immaterial_pair_tie_does_not_block_ranked_pairs() -> None:
    # Tennessee: several majorities of equal strength, none in a cycle: order cannot matter.
    ballots = [
        (42, ["M", "N", "C", "K"]),
        (26, ["N", "C", "K", "M"]),
        (15, ["C", "K", "N", "M"]),
        (17, ["K", "C", "N", "M"]),
    ]
    r = voting.tally("ranked_pairs", ballots, options=["M", "N", "C", "K"])
    assert r.status == "elected" and r.winners == ("N",)
    assert r.as_dict()["ties"] and not any(t["material"] for t in r.as_dict()["ties"])


def test_yes_no_never_ties() -> None:
    r = voting.tally("yes_no", [(5, "yes"), (5, "no")], options=["yes", "no", "abstain"])
    assert r.status == "defeated" and r.carried is False and r.as_dict()["ties"] == []


def test_no_votes_status() -> None:
    r = voting.tally("stv", [(5, []), (3, None)], options=["a", "b"], seats=1)
    assert r.status == "no_votes" and r.winners == ()
    assert voting.tally("plurality", [], options=["a"]).status == "no_votes"


def test_unranked_options_fill_remaining_stv_seats_in_seed_order() -> None:
    r = voting.tally("stv", [(5, ["a"])], options=["a", "b", "c", "d"], seats=2, tie_break_seed=SEED)
    first_unranked = [o for o in voting.tie_order(SEED, ["a", "b", "c", "d"]) if o != "a"][0]
    assert r.winners == ("a", first_unranked)
    assert r.status == "tie_resolved"
    assert r.as_dict()["detail"]["filled_from_unranked"] == [first_unranked]
