"""Voting power beside the weights on the public motion pages (results, audit, the delegate's
motion page) and the chair's preview: the motion's own rule, double majorities included.

Expected power is recomputed here from the tally itself (which coalitions carry the motion),
not from the page's game, so a page that modelled the rule wrongly would fail.
"""

from __future__ import annotations

import re
from fractions import Fraction
from itertools import combinations
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

import voting

from app.extensions import db
from app.motions import power_view
from app.motions.models import Motion
from tests.app.motion_helpers import options
from tests.app.test_results import POPULATION, _run, voters  # noqa: F401 (a fixture)
from tests.conftest import post_form

REGIONS_2_OF_3 = {"threshold": "majority_cast", "double_majority": {"members": False, "regions": 2}}


def banzhaf_by_tally(app: Flask, motion_id: int) -> dict[str, Fraction]:
    """Each member's normalised Banzhaf index, the winning coalitions found by the tally."""
    with app.app_context():
        opening = db.session.get(Motion, motion_id).opening
        weights, members, rules = opening.weights, opening.members, opening.rules
    ids = sorted(weights)

    def carries(yes: set[str]) -> bool:
        ballots = [(weights[i], "yes" if i in yes else "no", members[i]["region"]) for i in ids]
        return bool(voting.tally("yes_no", ballots, options=[], rules=rules).carried)

    swings = {i: 0 for i in ids}
    for i in ids:
        others = [j for j in ids if j != i]
        for size in range(len(others) + 1):
            for group in combinations(others, size):
                swings[i] += not carries(set(group)) and carries({*group, i})
    total = sum(swings.values())
    return {i: Fraction(s, total) for i, s in swings.items()}


def pct(share: Fraction, lang: str = "en") -> str:
    hundredths = round(share * 10000)
    text = f"{hundredths // 100}.{hundredths % 100:02d}%"
    return text.replace(".", ",").replace("%", "\u00a0%") if lang == "fr" else text


def power_section(html: str) -> str:
    found = re.search(r'<section class="power-report".*?</section>', html, re.S)
    assert found, "no power section"
    return found.group(0)


def member_cells(section: str, name: str) -> list[str]:
    row = re.search(rf'<th scope="row">{re.escape(str(escape(name)))}.*?</tr>', section, re.S)
    assert row, (name, re.findall(r"<th scope=\"row\">[^<]*", section))
    return re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row.group(0))


PAGES = ("/results/motions/{id}", "/audit/motions/{id}", "/motions/{id}/vote")


@pytest.fixture
def regional(voters: Flask) -> tuple[int, dict[str, Fraction]]:  # noqa: F811
    """A closed motion by population that needs a majority of the weight and 2 of the 3 regions."""
    motion_id, _weights = _run(voters, {"halifax": "yes", "bow-valley": "no", "ottawa": "yes"},
                               rules=REGIONS_2_OF_3, policy=POPULATION)
    return motion_id, banzhaf_by_tally(voters, motion_id)


def test_every_public_page_shows_power_under_the_regional_double_majority(
        voters: Flask, regional: tuple[int, dict[str, Fraction]], client: FlaskClient, login: Any) -> None:  # noqa: F811
    motion_id, banzhaf = regional
    # by weight alone Ottawa (a million people) would decide everything; the regions rule gives
    # each other member a say
    assert banzhaf["ottawa"] < 1 and banzhaf["halifax"] > 0
    login("delegate")
    for page in PAGES:
        response = client.get(page.format(id=motion_id))
        assert response.status_code == 200, page
        section = power_section(response.get_data(as_text=True))
        assert "Weight is not power." in section
        assert "more than half of the units of at least 2 regions of 3" in section
        assert "Weight and voting power by region" in section
        assert member_cells(section, "Ottawa LIP")[-2] == pct(banzhaf["ottawa"]), page
        assert member_cells(section, "Halifax LIP")[-2] == pct(banzhaf["halifax"]), page
        region = re.search(r'<th scope="row">Atlantic</th>(.*?)</tr>', section, re.S).group(1)
        assert pct(banzhaf["halifax"]) in region
        assert "<details" in section  # the long table is folded


def test_power_in_french(voters: Flask, regional: tuple[int, dict[str, Fraction]], client: FlaskClient,  # noqa: F811
                         login: Any) -> None:
    motion_id, banzhaf = regional
    login("delegate")
    assert post_form(client, "/language", {"lang": "fr", "next": "/"}, token_from="/audit/").status_code == 302
    for page in PAGES:
        section = power_section(client.get(page.format(id=motion_id)).get_data(as_text=True))
        assert "Poids et pouvoir de vote" in section
        assert "plus de la moitié des unités d’au moins 2 régions sur 3" in section
        assert member_cells(section, "PLI d'Ottawa")[-2] == pct(banzhaf["ottawa"], "fr")
        assert "Poids et pouvoir de vote par région" in section


def test_weight_alone_makes_the_largest_member_decide(voters: Flask, client: FlaskClient) -> None:  # noqa: F811
    motion_id, weights = _run(voters, {"halifax": "yes", "ottawa": "no"}, policy=POPULATION)
    assert weights["ottawa"] * 2 > sum(weights.values())
    section = power_section(client.get(f"/results/motions/{motion_id}").get_data(as_text=True))
    assert member_cells(section, "Ottawa LIP")[-2:] == ["100.00%", "100.00%"]
    assert member_cells(section, "Halifax LIP")[-2:] == ["0.00%", "0.00%"]
    assert "of every region" not in section and "at least 2 regions" not in section


def test_ranked_and_multi_winner_motions_say_why_there_is_no_power(voters: Flask, client: FlaskClient) -> None:  # noqa: F811
    ranked, _ = _run(voters, {"halifax": ["a", "b"], "ottawa": ["b", "a"]}, method="irv",
                     option_list=options("a", "b"))
    section = power_section(client.get(f"/results/motions/{ranked}").get_data(as_text=True))
    assert "Voting power is shown for yes-or-no motions only" in section
    assert "Banzhaf power</th>" not in section and "by region" not in section
    assert "Weight of each of the 3 members" in section  # the weights are still there


def test_power_is_computed_once_per_rule_and_bounded(voters: Flask, regional: tuple[int, dict[str, Fraction]],  # noqa: F811
                                                     client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    motion_id, _banzhaf = regional
    client.get(f"/results/motions/{motion_id}")
    before, figures = power_view._power.cache_info(), power_view._figures.cache_info()
    client.get(f"/audit/motions/{motion_id}")
    assert power_view._power.cache_info().misses == before.misses  # not computed again
    assert power_view._figures.cache_info().hits == figures.hits + 1  # nor even formatted again
    monkeypatch.setattr(power_view, "MAX_COST", 0)
    power_view._power.cache_clear()
    power_view._figures.cache_clear()
    response = client.get(f"/results/motions/{motion_id}")
    assert response.status_code == 200
    section = power_section(response.get_data(as_text=True))
    assert "would take too long for a page" in section and "Banzhaf power</th>" not in section
