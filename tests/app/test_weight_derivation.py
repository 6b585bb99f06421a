"""The weight derivation on the chair's preview: the rule said in words, in the reader's language."""

from __future__ import annotations

import re
from typing import Any, Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from voting import weights as weight_policies

from app.extensions import db
from app.models import User
from tests.app.motion_helpers import draft_motion, open_now
from tests.conftest import Person, add_member

ChairClient = Callable[[str], FlaskClient]
FORMAT_1_EQUAL = {"kind": "equal", "total": 10000, "cap": None, "floor": None}


def _draft(app: Flask, policy: dict[str, Any], *, opened: bool = False) -> int:
    with app.app_context():
        add_member("ottawa")
        add_member("pei", province="PE", region="atlantic", size_class="small")
        db.session.commit()
        motion_id = draft_motion(policy=policy)
        if opened:
            open_now(motion_id)
        return motion_id


def _preview(client: FlaskClient, motion_id: int) -> str:
    response = client.get(f"/motions/{motion_id}/preview")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _in_french(app: Flask, person: Person) -> None:
    with app.app_context():
        db.session.scalar(select(User).where(User.email == person.email)).locale = "fr"
        db.session.commit()


def _cells(page: str, member: str) -> list[str]:
    row = re.search(rf'<th scope="row">{member}.*?</tr>', page, re.S)
    assert row is not None, member
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]


def test_exact_tiered_weights_in_english(app: Flask, people: dict[str, Person], login: ChairClient) -> None:
    # halifax and ottawa medium (2), bow-valley and pei small (1): 2 + 2 + 1 + 1 = 6 units
    motion_id = _draft(app, weight_policies.PRESETS["tiered_1_2_3"])
    page = _preview(login("chair"), motion_id)
    assert "Weight derivation (exact weights)" in page
    assert "each member’s share multiplied by 6" in page
    assert _cells(page, "Halifax LIP")[:5] == ["Atlantic", "Medium centre: factor 2 of 6", "1/3", "", "1/3"]
    assert _cells(page, "Halifax LIP")[5] == "2"
    assert "size_class" not in page and "Base units" not in page


def test_exact_tiered_weights_in_french(app: Flask, people: dict[str, Person], login: ChairClient) -> None:
    motion_id = _draft(app, weight_policies.PRESETS["tiered_1_2_3"])
    _in_french(app, people["chair"])
    page = _preview(login("chair"), motion_id)
    assert '<html lang="fr">' in page
    assert "Calcul des poids (poids exacts)" in page
    assert "Centre moyen\u00a0: facteur 2 sur 6" in page or "facteur 2 sur 6" in page
    for english in ("size_class", "factor", "Weight derivation", "Exact weights", "of the total"):
        assert english not in page, english


def test_regional_parity_in_french(app: Flask, people: dict[str, Person], login: ChairClient) -> None:
    motion_id = _draft(app, weight_policies.PRESETS["regional_parity"])
    _in_french(app, people["chair"])
    page = _preview(login("chair"), motion_id)
    assert "1/3 du total, à parts égales entre ses 2 membres" in page
    assert "region=" not in page


def test_fixed_total_says_what_stays_unassigned(app: Flask, people: dict[str, Person], login: ChairClient) -> None:
    # four members, 10,001 units asked for: 2,500 each and one unit unassigned
    policy = {"kind": "equal", "rule": "fixed_total", "total": 10001, "cap": None, "floor": None}
    motion_id = _draft(app, policy)
    page = _preview(login("chair"), motion_id)
    assert "Weight derivation (fixed total of 10,001 units)" in page
    assert "1 unit stays unassigned" in page and "10,000 units are in force" in page
    assert _cells(page, "Halifax LIP")[5:8] == ["2,500", "0", "2,500"]


def test_a_motion_opened_under_the_earlier_rule_says_so(app: Flask, people: dict[str, Person],
                                                         login: ChairClient) -> None:
    motion_id = _draft(app, FORMAT_1_EQUAL, opened=True)
    page = _preview(login("chair"), motion_id)
    assert "Weight derivation (earlier rule: largest remainder)" in page
    assert "Equal: one share of 4" in page
