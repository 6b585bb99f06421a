"""Published worked examples (one JSON file each in vectors/elections, source cited inside)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import voting

VECTORS = sorted((Path(__file__).parent / "vectors" / "elections").glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_published_example(path: Path) -> None:
    case = _load(path)
    assert case["source"], "every vector names its source"
    result = voting.tally(
        case["method"],
        [tuple(b) for b in case["ballots"]],
        options=case["options"],
        seats=case["seats"],
        tie_break_seed=b"published-example",
    )
    out = result.as_dict()
    expect = case["expect"]
    assert list(result.winners) == expect["winners"]
    assert result.status == expect["status"]
    for key, want in expect.items():
        if key.startswith("detail."):
            got = out["detail"][key.removeprefix("detail.")]
            if key == "detail.pairs":
                # equal-strength pairs may come in either order (see the vector's note)
                got = sorted(got, key=json.dumps)
                want = sorted(want, key=json.dumps)
            assert got == want, key
    if "round_tallies" in expect:
        assert [r["tallies"] for r in out["detail"]["rounds"]] == expect["round_tallies"]
    if "eliminated" in expect:
        assert [r["eliminated"] for r in out["detail"]["rounds"] if r["eliminated"]] == expect["eliminated"]


def test_vectors_present() -> None:
    assert len(VECTORS) >= 6


def test_stv_fractional_transfer_is_exact() -> None:
    # Worked by hand with the rule in docs/methods.md: 15 weight units, 2 seats.
    # Droop quota floor(15/3)+1 = 6.  A has 9: elected, surplus factor (9-6)/9 = 1/3.
    # B: 3 + 7*(1/3) = 16/3; C: 3 + 2*(1/3) = 11/3; nobody reaches 6, C is eliminated and
    # B, the only continuing candidate, fills the second seat.
    ballots = [(7, ["A", "B"]), (2, ["A", "C"]), (3, ["B"]), (3, ["C"])]
    result = voting.tally("stv", ballots, options=["A", "B", "C"], seats=2)
    detail = result.as_dict()["detail"]
    assert result.winners == ("A", "B")
    assert detail["quota"] == 6
    assert detail["rounds"][0]["surplus_factors"] == {"A": "1/3"}
    assert detail["rounds"][1]["tallies"] == {"B": "16/3", "C": "11/3"}
    assert detail["rounds"][1]["transfers"] == {"B": "7/3", "C": "2/3"}
    assert detail["rounds"][1]["eliminated"] == "C"
    assert detail["elected_without_quota"] == ["B"]


def test_stv_exact_where_floats_would_drift() -> None:
    # Three separate ballots of 1/3-surplus shares against one ballot worth the same in
    # total: exactly equal tallies must be a tie (broken by the seed order), not decided
    # by float rounding noise.  Quota floor(12/3)+1 = 5; A has 6, factor 1/6.
    # B gets 1/6 * (1+1+1) + 2 = 5/2 ... C gets 3 * 1/6 + 2 = 5/2: tie for last place.
    ballots = [(1, ["A", "B"]), (1, ["A", "B", "C"]), (1, ["A", "B", "D"]), (3, ["A", "C"]), (2, ["B"]), (2, ["C"]),
               (2, ["D"])]
    result = voting.tally("stv", ballots, options=["A", "B", "C", "D"], seats=2, tie_break_seed=b"s")
    rounds = result.as_dict()["detail"]["rounds"]
    assert rounds[1]["tallies"] == {"B": "5/2", "C": "5/2", "D": "2/1"}
    assert rounds[1]["eliminated"] == "D"
