"""Every proposal route x every role, on a proposal that exists: allowed, 403 or 404, never 500.

Written out by hand (like tests/app/test_authorization.py) so that a change of who may do what
fails here until it is made on purpose.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.database import write_transaction
from app.deliberation import service
from app.deliberation.text import ClauseText
from tests.conftest import Person, csrf_token, sign_in

ROLES = ("anonymous", "admin", "chair", "delegate", "auditor", "observer")
LOGIN = 302
SLUG = "workplan"
# (method, url) -> status per role in ROLES order. POSTs send only a CSRF token: the chair's
# empty form is refused with 422 and nothing changes.
EXPECTED: dict[tuple[str, str], tuple[int, ...]] = {
    ("GET", "/proposals/"): (LOGIN, 200, 200, 200, 200, 200),
    ("GET", "/proposals/new"): (LOGIN, 403, 200, 403, 403, 403),
    ("POST", "/proposals/new"): (LOGIN, 403, 422, 403, 403, 403),
    ("GET", f"/proposals/{SLUG}"): (LOGIN, 200, 200, 200, 200, 200),
    ("GET", f"/proposals/{SLUG}?show=fr"): (LOGIN, 200, 200, 200, 200, 200),
    ("GET", f"/proposals/{SLUG}/versions/1"): (LOGIN, 200, 200, 200, 200, 200),
    ("GET", f"/proposals/{SLUG}/versions/3"): (LOGIN, 404, 404, 404, 404, 404),
    ("GET", f"/proposals/{SLUG}/versions/new"): (LOGIN, 403, 200, 403, 403, 403),
    ("POST", f"/proposals/{SLUG}/versions/new"): (LOGIN, 403, 422, 403, 403, 403),
    ("GET", f"/proposals/{SLUG}/history"): (LOGIN, 200, 200, 200, 200, 200),
    ("GET", f"/proposals/{SLUG}/compare"): (LOGIN, 200, 200, 200, 200, 200),
    ("GET", f"/proposals/{SLUG}/compare?from=2&to=1"): (LOGIN, 200, 200, 200, 200, 200),
    ("GET", f"/proposals/{SLUG}/compare?from=0&to=1"): (LOGIN, 404, 404, 404, 404, 404),
    ("GET", f"/proposals/{SLUG}/state"): (LOGIN, 403, 200, 403, 403, 403),
    ("POST", f"/proposals/{SLUG}/state"): (LOGIN, 403, 422, 403, 403, 403),
}


@pytest.fixture
def proposal(app: Flask, people: dict[str, Person]) -> None:
    with app.test_request_context(), write_transaction():
        created = service.create_proposal(title_en="Workplan", title_fr="Plan de travail",
                                          clauses=[ClauseText("1", "Goals", "Objectifs", "Meet.", "Se réunir.")])
        service.add_version(created, base_number=1,
                            clauses=[ClauseText("1", "Goals", "Objectifs", "Meet often.", "Se réunir souvent.")])


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_every_proposal_route_for_every_role(client: FlaskClient, people: dict[str, Person], proposal: None,
                                             role_index: int, role: str) -> None:
    if role != "anonymous":
        assert sign_in(client, people[role].email).status_code == 302
    failures = []
    for (method, url), statuses in EXPECTED.items():
        if method == "GET":
            response = client.get(url)
        else:
            token = csrf_token(client, "/login" if role == "anonymous" else "/home")
            response = client.post(url, data={"csrf_token": token})
        if response.status_code != statuses[role_index]:
            failures.append(f"{method} {url}: got {response.status_code}, want {statuses[role_index]}")
    assert not failures, "\n".join(failures)


def test_only_chairs_see_the_writing_links(client: FlaskClient, people: dict[str, Person], proposal: None) -> None:
    for role in ("admin", "chair", "delegate", "auditor", "observer"):
        sign_in(client, people[role].email)
        page = client.get(f"/proposals/{SLUG}").get_data(as_text=True)
        assert (f"/proposals/{SLUG}/versions/new" in page) == (role == "chair"), role
        assert (f"/proposals/{SLUG}/state" in page) == (role == "chair"), role
        client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
