"""Whole numbers from request data: ASCII digits only, and no id larger than the database holds
(2**31 - 1: the id columns are INTEGER, 32-bit on PostgreSQL; test_postgres.py checks it there).

Every route with an `<int:...>` part is tried with a 24-digit id and with Arabic-Indic digits:
both are 404 (they were a 500 from the SQLite driver, and another record, respectively).
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from app.extensions import db
from app.models import Member
from app.whole_numbers import MAX_ID, StoredIdConverter, parse_whole_number
from tests.app.motion_helpers import draft_motion, open_now
from tests.conftest import Person, post_form

HUGE = "99999999999999999999999"
ARABIC_INDIC_ONE = "\u0661"


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("42", 42), (" 7 ", 7), ("007", 7),
                                             ("999999999999999999", 999_999_999_999_999_999)])
def test_ascii_digits_are_read(text: str, value: int) -> None:
    assert parse_whole_number(text) == value


@pytest.mark.parametrize("text", ["", " ", "-1", "+1", "1.0", "1e3", "1_000", "\u0661\u0662", "\u00b2", "\uff11",
                                  "\u0967", "1\u00a0000", "12\u200b", "\u20071", HUGE, "0x10"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_whole_number(text)


@pytest.mark.parametrize(("text", "value"), [("12,500", 12_500), ("12 500", 12_500), ("12\u202f500", 12_500),
                                             ("12\u00a0500", 12_500)])
def test_grouping_separators_where_allowed(text: str, value: int) -> None:
    assert parse_whole_number(text, grouping=True) == value
    with pytest.raises(ValueError):
        parse_whole_number(text)


def int_routes(app: Flask) -> list[tuple[str, str, list[str]]]:
    """(rule, method, int argument names) for every rule with an int converter."""
    found = []
    for rule in app.url_map.iter_rules():
        names = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
        if names:
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((rule.rule, method, names))
    return found


def fill(rule: str, value: str) -> str:
    return re.sub(r"<int:[a-z_]+>", value, re.sub(r"<(?:string:)?[a-z_]+>", "x", rule))


def test_every_int_route_uses_the_bounded_converter(app: Flask) -> None:
    converters = [c for r in app.url_map.iter_rules() for c in r._converters.values() if isinstance(c, IntegerConverter)]
    assert converters and all(isinstance(c, StoredIdConverter) for c in converters)
    assert len(int_routes(app)) > 20


@pytest.mark.parametrize("value", [HUGE, str(2**63), str(MAX_ID + 1), ARABIC_INDIC_ONE, "\uff11", "-1"])
def test_out_of_range_or_foreign_ids_are_404_on_every_route(app: Flask, client: FlaskClient, login,
                                                            value: str) -> None:
    with app.app_context():
        open_now(draft_motion())  # motion 1 exists: a foreign "1" must not reach it
    login("admin")
    for rule, method, _names in int_routes(app):
        response = client.open(fill(rule, value), method=method)
        assert response.status_code == 404, (rule, method, response.status_code)


def test_the_largest_stored_id_is_an_ordinary_404(client: FlaskClient) -> None:
    assert client.get(f"/audit/motions/{MAX_ID}").status_code == 404
    assert client.get(f"/results/motions/{MAX_ID}").status_code == 404


def test_query_string_integers_take_ascii_digits_only(app: Flask, client: FlaskClient,
                                                      people: dict[str, Person]) -> None:
    with app.app_context():
        motion_id = draft_motion()
        open_now(motion_id)
    assert client.get(f"/audit/motions/{motion_id}?page={HUGE}").status_code == 200
    assert client.get(f"/audit/motions/{motion_id}?page=%D9%A1").status_code == 200  # read as absent: page 1
    good = client.get(f"/audit/motions/{motion_id}/consistency?old=1")
    assert good.status_code == 200 and good.json["old_size"] == 1
    for bad in ("%D9%A1", HUGE, "1_0", "%EF%BC%91"):
        response = client.get(f"/audit/motions/{motion_id}/consistency?old={bad}")
        assert response.status_code == 422 and "want a whole number" in response.json["message"], bad


@pytest.mark.parametrize(("population", "stored"), [("12500", 12_500), ("12,500", 12_500), ("12 500", 12_500)])
def test_member_form_population_accepts_ascii_digits(app: Flask, client: FlaskClient, login, population: str,
                                                      stored: int) -> None:
    login("admin")
    response = post_form(client, "/members/new", member_fields(population=population))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Member.population).where(Member.slug == "sudbury")) == stored


@pytest.mark.parametrize("population", ["\u0661\u0662\u0665\u0660\u0660", "12_500", "\u00b2", "-5", HUGE, "1.5"])
def test_member_form_population_refuses_other_digits(app: Flask, client: FlaskClient, login, population: str) -> None:
    login("admin")
    response = post_form(client, "/members/new", member_fields(population=population))
    assert response.status_code == 422
    assert "whole number" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Member).where(Member.slug == "sudbury")) is None


def member_fields(**change: str) -> dict[str, str]:
    fields = {"slug": "sudbury", "name_en": "Sudbury LIP", "name_fr": "PLI de Sudbury", "province": "ON",
              "setting": "urban", "size_class": "medium", "population": "", "holder_type": "municipal",
              "clusters": "", "active": "y"}
    fields.update(change)
    return fields


def test_csv_population_refuses_other_scripts_digits(app: Flask, people: dict[str, Person]) -> None:
    from app.members.csv_io import check_import

    header = "slug,name_en,name_fr,province,setting,size_class,population,holder_type\r\n"
    with app.test_request_context():
        check = check_import((header + "sudbury,Sudbury,PLI Sudbury,ON,urban,medium,\u0661\u0662,spo\r\n"
                              "timmins,Timmins,PLI Timmins,ON,rural,small,\u00b2,spo\r\n").encode(), set())
    assert [(p.line, p.field) for p in check.problems] == [(2, "population"), (3, "population")]
    assert "digits 0 to 9" in check.problems[0].message
    assert check.rows == []
