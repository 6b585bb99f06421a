"""State-changing requests check Origin, else Referer, against the site, beside the CSRF token."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.request_origin import parse_origin
from tests.conftest import PASSWORD, Person, csrf_token, make_app

SITE = "http://localhost"


def sign_in_with(client: FlaskClient, headers: dict[str, str]) -> Any:
    token = csrf_token(client, "/login")
    return client.post("/login", data={"csrf_token": token, "email": "admin@example.org", "password": PASSWORD},
                       headers=headers)


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://localhost.evil.example"},
    {"Origin": "http://evil.example", "Referer": f"{SITE}/login"},  # Origin decides when present
    {"Origin": "https://localhost"},  # another scheme is another origin
    {"Origin": "http://localhost:8080"},
    {"Origin": "not a url"},
    {"Referer": "https://evil.example/page"},
    {"Referer": "http://localhost@evil.example/login"},
    {"Referer": "//localhost/login"},
])
def test_cross_site_posts_are_refused_with_a_clear_page(client: FlaskClient, people: dict[str, Person],
                                                        headers: dict[str, str]) -> None:
    response = sign_in_with(client, headers)
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "nothing was done" in page and "Open lipvote at its own address" in page
    assert client.get("/home").status_code == 302  # not signed in


@pytest.mark.parametrize("headers", [
    {"Origin": SITE},
    {"Origin": "HTTP://LOCALHOST:80"},
    {"Referer": f"{SITE}/login?next=/members/"},
    {"Origin": SITE, "Referer": "https://evil.example/"},  # a stale or stripped Referer does not override Origin
    {},  # neither header: the CSRF token alone decides, as before
])
def test_same_site_posts_are_accepted(client: FlaskClient, people: dict[str, Person], headers: dict[str, str]) -> None:
    assert sign_in_with(client, headers).status_code == 302
    assert client.get("/home").status_code == 200


def test_the_csrf_token_is_still_required_from_the_site_itself(client: FlaskClient, people: dict[str, Person]) -> None:
    response = client.post("/login", data={"email": "admin@example.org", "password": PASSWORD}, headers={"Origin": SITE})
    assert response.status_code == 400


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_state_changing_method_is_checked(client: FlaskClient, method: str) -> None:
    assert client.open("/language", method=method, headers={"Origin": "https://evil.example"}).status_code == 403
    # safe methods are not: a cross-site link is how people arrive
    assert client.get("/login", headers={"Origin": "https://evil.example", "Referer": "https://evil.example/"}).status_code == 200


def test_a_cross_site_post_changes_nothing_on_a_real_form(app: Flask, client: FlaskClient, login,
                                                          people: dict[str, Person]) -> None:
    login("admin")
    token = csrf_token(client, f"/accounts/{people['observer'].id}/edit")
    response = client.post(f"/accounts/{people['observer'].id}/active", data={"csrf_token": token, "active": "0"},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(User.active).where(User.id == people["observer"].id)) is True


def test_json_clients_get_json(client: FlaskClient) -> None:
    response = client.post("/language", headers={"Origin": "https://evil.example", "Accept": "application/json"})
    assert response.status_code == 403 and "nothing was done" in response.json["message"]


def test_with_a_base_url_only_that_origin_is_accepted(tmp_path, migrated_database) -> None:
    import shutil

    database = tmp_path / "db.sqlite3"
    shutil.copyfile(migrated_database, database)
    app = make_app(tmp_path, database, LIPVOTE_BASE_URL="https://vote.example.ca")
    client = app.test_client()
    token = csrf_token(client, "/login")

    def change_language(origin: str) -> int:
        return client.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/login"},
                           headers={"Origin": origin}).status_code

    assert change_language("https://vote.example.ca") == 302
    assert change_language("https://vote.example.ca:443") == 302
    assert change_language(SITE) == 403  # the address the request reached is not the public one
    assert change_language("http://vote.example.ca") == 403
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(("url", "origin"), [
    ("https://Vote.Example.ca/path?q=1", ("https", "vote.example.ca", 443)),
    ("http://127.0.0.1:8000", ("http", "127.0.0.1", 8000)),
    ("ftp://example.org", None), ("null", None), ("", None), ("http://", None), ("http://h:99999", None),
])
def test_parse_origin(url: str, origin: tuple[str, str, int] | None) -> None:
    assert parse_origin(url) == origin
