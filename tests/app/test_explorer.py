"""The framework explorer: frameworks compared on the registry, refusals, exports."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.explorer.frameworks import PRESETS
from app.extensions import db
from tests.conftest import add_member, post_form

REGIONS = [("NS", "atlantic"), ("QC", "quebec"), ("ON", "ontario"), ("MB", "prairies_nt"), ("BC", "bc_yukon")]


@pytest.fixture
def registry(app: Flask, people) -> None:  # type: ignore[no-untyped-def]
    """Twelve more members across the five regions (the people fixture adds two)."""
    with app.app_context():
        for k in range(12):
            province, region = REGIONS[k % 5]
            add_member(f"lip-{k}", province=province, region=region, population=20_000 * (k + 1),
                       size_class=("small", "medium", "large")[k % 3], setting=("urban", "rural")[k % 2])
        db.session.commit()


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    assert client.get("/explorer/").status_code == 302


def test_observer_compares_the_default_frameworks(client: FlaskClient, login, registry) -> None:  # type: ignore[no-untyped-def]
    login("observer")
    page = client.get("/explorer/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for name in ("One LIP, one vote", "Weights by size", "Majority of LIPs and of three regions"):
        assert name in text
    assert "can block a motion alone" in text
    assert "Banzhaf power" in text


def test_every_preset_renders(client: FlaskClient, login, registry) -> None:  # type: ignore[no-untyped-def]
    login("delegate")
    names = sorted(PRESETS)
    for start in range(0, len(names), 4):
        chosen = names[start:start + 4] if len(names[start:start + 4]) >= 2 else names[-2:]
        page = client.get("/explorer/", query_string=[("framework", n) for n in chosen])
        assert page.status_code == 200, chosen
        assert "cannot be computed" not in page.get_data(as_text=True), chosen


@pytest.mark.parametrize("query", [[("framework", "nonsense"), ("framework", "size_tiers")],
                                   [("framework", "size_tiers")],
                                   [("framework", n) for n in sorted(PRESETS)[:5]]])
def test_bad_choices_are_refused_with_a_message(client: FlaskClient, login, registry, query) -> None:  # type: ignore[no-untyped-def]
    login("observer")
    page = client.get("/explorer/", query_string=query)
    assert page.status_code == 400
    assert "There is a problem" in page.get_data(as_text=True)


def test_french_page(client: FlaskClient, login, registry) -> None:  # type: ignore[no-untyped-def]
    login("observer")
    assert post_form(client, "/language", {"lang": "fr", "next": "/explorer/"}, token_from="/explorer/").status_code == 302
    text = client.get("/explorer/").get_data(as_text=True)
    assert "Comparer les cadres de représentation" in text
    assert "Banzhaf power" not in text


def test_exports(client: FlaskClient, login, registry) -> None:  # type: ignore[no-untyped-def]
    login("observer")
    report = json.loads(client.get("/explorer/majority_and_regions.json").get_data(as_text=True))
    assert sum(Fraction(m["shapley_shubik"]) for m in report["members"]) == 1
    assert report["framework"]["rule"]["regions"]["needed"] == 3
    assert "derivation" in report
    rows = list(csv.reader(io.StringIO(client.get("/explorer/size_tiers.csv").get_data(as_text=True))))
    assert rows[0] == ["id", "weight", "weight_share", "banzhaf", "absolute_banzhaf", "shapley_shubik"]
    assert len(rows) == 15
    assert client.get("/explorer/nonsense.json").status_code == 404


def test_a_framework_over_the_bound_is_shown_with_the_reason(client: FlaskClient, login, registry,  # type: ignore[no-untyped-def]
                                                             monkeypatch) -> None:
    from app.explorer import frameworks as explorer_frameworks

    explorer_frameworks._cached.cache_clear()
    monkeypatch.setattr(explorer_frameworks, "MAX_COST", 1)
    login("observer")
    page = client.get("/explorer/", query_string=[("framework", "population_capped"), ("framework", "size_tiers")])
    assert page.status_code == 200
    assert "cannot be computed on the registry" in page.get_data(as_text=True)
    assert client.get("/explorer/population_capped.json").status_code == 409
    explorer_frameworks._cached.cache_clear()
