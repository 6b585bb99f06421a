"""Consultations on the web: every route x every role on a real consultation, and every refusal
the issue names (twice, after the close, for another member, an oversized comment, an unknown
answer), each a clear 4xx with nothing stored. The arithmetic itself is checked by hand in
tests/deliberation/test_consultation_results.py.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.database import write_transaction
from app.deliberation import consultations, service
from app.deliberation.consultation_models import Consultation, ConsultationResponse, ConsultationState
from app.deliberation.models import Proposal, ProposalState
from app.deliberation.text import ClauseText
from app.extensions import db
from app.models import AuditEvent, DelegateRank, Member, Role, utcnow
from tests.conftest import Person, add_member, add_user, csrf_token, post_form, sign_in
from voting import weights as weight_policies

ROLES = ("anonymous", "admin", "chair", "delegate", "auditor", "observer")
LOGIN = 302
SLUG = "workplan"
BASE = f"/proposals/{SLUG}/consultations"


def make_proposal(title: str) -> Proposal:
    return service.create_proposal(title_en=title, title_fr=f"{title} (fr)",
                                   clauses=[ClauseText("1", "Goals", "Objectifs", "Meet.", "Se réunir.")])


@pytest.fixture
def consultation_id(app: Flask, people: dict[str, Person]) -> int:
    """An open, not confidential consultation on the workplan's version 1, equal weights."""
    with app.test_request_context(), write_transaction():
        halifax = db.session.scalar(select(Member).where(Member.slug == "halifax"))
        bow = db.session.scalar(select(Member).where(Member.slug == "bow-valley"))
        add_user("alternate@example.org", Role.DELEGATE, halifax, DelegateRank.ALTERNATE)
        add_user("bow@example.org", Role.DELEGATE, bow, DelegateRank.PRIMARY)
        created = consultations.create(make_proposal("Workplan"), closes_at=utcnow() + timedelta(days=7),
                                       confidential=False, weight_policy=dict(weight_policies.PRESETS["equal"]))
        return created.id


def answer_url(cid: int) -> str:
    return f"{BASE}/{cid}/answer"


def answer(client: FlaskClient, cid: int, **fields: str) -> int:
    data = {"member": "halifax", "revision": "0", "choice": "support", "comment": "", **fields}
    return post_form(client, answer_url(cid), data, token_from="/home").status_code


def stored(app: Flask) -> list[tuple[str, str, str, int]]:
    with app.app_context():
        rows = db.session.scalars(select(ConsultationResponse).order_by(ConsultationResponse.id))
        return [(r.member.slug, r.choice.value, r.comment, r.revision) for r in rows]


def audit_actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("consultation.%"))
                                       .order_by(AuditEvent.id)))


# --- route x role ------------------------------------------------------------------------------

# POSTs send only a CSRF token (and nothing else): an empty form is refused with 422.
# The chair's close comes last: it changes the consultation for the rows after it.
EXPECTED: dict[tuple[str, str], tuple[int, ...]] = {
    ("GET", f"{BASE}/new"): (LOGIN, 403, 200, 403, 403, 403),
    ("POST", f"{BASE}/new"): (LOGIN, 403, 422, 403, 403, 403),
    ("GET", f"{BASE}/{{cid}}"): (LOGIN, 200, 200, 200, 200, 200),
    ("GET", f"{BASE}/{{cid}}/results.csv"): (LOGIN, 200, 200, 200, 200, 200),
    ("GET", f"{BASE}/{{cid}}/answer"): (LOGIN, 403, 403, 200, 403, 403),
    ("POST", f"{BASE}/{{cid}}/answer"): (LOGIN, 403, 403, 422, 403, 403),
    ("GET", f"{BASE}/999999"): (LOGIN, 404, 404, 404, 404, 404),
    ("GET", f"{BASE}/999999/answer"): (LOGIN, 403, 403, 404, 403, 403),
    ("GET", f"/proposals/no-such/consultations/{{cid}}"): (LOGIN, 404, 404, 404, 404, 404),
    ("POST", f"{BASE}/{{cid}}/open"): (LOGIN, 403, 409, 403, 403, 403),  # it is open already
    ("POST", f"{BASE}/{{cid}}/close"): (LOGIN, 403, 302, 403, 403, 403),
}


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_every_consultation_route_for_every_role(client: FlaskClient, people: dict[str, Person], consultation_id: int,
                                                 role_index: int, role: str) -> None:
    if role != "anonymous":
        assert sign_in(client, people[role].email).status_code == 302
    failures = []
    for (method, template), statuses in EXPECTED.items():
        url = template.replace("{cid}", str(consultation_id))
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": csrf_token(client, "/login" if role == "anonymous"
                                                                        else "/home")})
        if response.status_code != statuses[role_index]:
            failures.append(f"{method} {url}: got {response.status_code}, want {statuses[role_index]}")
    assert not failures, "\n".join(failures)


def test_only_the_chair_sees_the_chair_buttons_and_only_a_delegate_the_answer_link(
        client: FlaskClient, people: dict[str, Person], consultation_id: int) -> None:
    for role in ("admin", "chair", "delegate", "auditor", "observer"):
        sign_in(client, people[role].email)
        page = client.get(f"{BASE}/{consultation_id}").get_data(as_text=True)
        assert (f"{BASE}/{consultation_id}/close" in page) == (role == "chair"), role
        assert (answer_url(consultation_id) in page) == (role == "delegate"), role
        proposal_page = client.get(f"/proposals/{SLUG}").get_data(as_text=True)
        assert "No member has answered yet." in proposal_page, role
        client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})


# --- answering ---------------------------------------------------------------------------------


def test_a_delegate_answers_then_changes_the_answer(app: Flask, client: FlaskClient, people: dict[str, Person],
                                                    consultation_id: int) -> None:
    sign_in(client, people["delegate"].email)
    form = client.get(answer_url(consultation_id)).get_data(as_text=True)
    assert "Halifax LIP" in form and 'name="revision" type="hidden" value="0"' in form
    assert answer(client, consultation_id, choice="support_changes", comment="Name the regions.") == 302
    assert stored(app) == [("halifax", "support_changes", "Name the regions.", 1)]
    assert answer(client, consultation_id, choice="support", revision="1") == 302
    assert stored(app) == [("halifax", "support", "", 2)]
    page = client.get(f"{BASE}/{consultation_id}").get_data(as_text=True)
    assert "1 of 1 members in support" in page
    assert "1 of 1 members in support" in client.get(f"/proposals/{SLUG}").get_data(as_text=True)
    assert audit_actions(app) == ["consultation.create", "consultation.open", "consultation.respond",
                                  "consultation.change_response"]
    with app.app_context():
        after = json.loads(db.session.scalars(select(AuditEvent.after_json).order_by(AuditEvent.id.desc())).first())
    assert after == {"member": "halifax", "revision": 2, "has_comment": False, "choice": "support"}


def test_answering_twice_is_refused_and_keeps_the_first_answer(app: Flask, client: FlaskClient,
                                                               people: dict[str, Person], consultation_id: int) -> None:
    sign_in(client, people["delegate"].email)
    assert answer(client, consultation_id, choice="oppose") == 302
    # a second first answer (another tab, or the member's alternate on an old page)
    response = post_form(client, answer_url(consultation_id), {"member": "halifax", "revision": "0", "choice": "support"},
                         token_from="/home")
    assert response.status_code == 409
    assert "already answered" in response.get_data(as_text=True)
    assert stored(app) == [("halifax", "oppose", "", 1)]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    sign_in(client, "alternate@example.org")  # the member's other delegate can change it from a fresh page
    assert 'value="1"' in client.get(answer_url(consultation_id)).get_data(as_text=True)
    assert answer(client, consultation_id, choice="abstain", revision="1") == 302
    assert stored(app) == [("halifax", "abstain", "", 2)]


def test_an_answer_for_another_member_is_refused(app: Flask, client: FlaskClient, people: dict[str, Person],
                                                 consultation_id: int) -> None:
    sign_in(client, people["delegate"].email)
    assert answer(client, consultation_id, member="bow-valley") == 403
    assert answer(client, consultation_id, member="no-such-member") == 403
    assert stored(app) == []
    assert audit_actions(app) == ["consultation.create", "consultation.open"]


@pytest.mark.parametrize("fields,message", [
    ({"choice": "maybe"}, "Choose an answer."),
    ({"choice": ""}, "Choose an answer."),
    ({"comment": "x" * 2001}, "The comment is too long: at most 2000 characters."),
    ({"comment": "hidden\u202etext"}, ""),
    ({"revision": "-1"}, ""),
])
def test_bad_answers_are_refused_with_nothing_stored(app: Flask, client: FlaskClient, people: dict[str, Person],
                                                     consultation_id: int, fields: dict[str, str], message: str) -> None:
    sign_in(client, people["delegate"].email)
    response = post_form(client, answer_url(consultation_id),
                         {"member": "halifax", "revision": "0", "choice": "support", "comment": "", **fields},
                         token_from="/home")
    assert 400 <= response.status_code < 500
    page = response.get_data(as_text=True)
    assert message in page and 'class="error-summary"' in page
    assert stored(app) == []


def test_after_the_close_answers_are_refused(app: Flask, client: FlaskClient, people: dict[str, Person],
                                             consultation_id: int) -> None:
    sign_in(client, people["chair"].email)
    assert post_form(client, f"{BASE}/{consultation_id}/close", {}, token_from=f"{BASE}/{consultation_id}"
                     ).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    sign_in(client, people["delegate"].email)
    assert client.get(answer_url(consultation_id)).status_code == 409
    response = post_form(client, answer_url(consultation_id), {"member": "halifax", "revision": "0",
                                                               "choice": "support"}, token_from="/home")
    assert response.status_code == 409 and "closed" in response.get_data(as_text=True)
    assert stored(app) == []


def test_the_closing_time_closes_it_by_itself(app: Flask, client: FlaskClient, people: dict[str, Person],
                                              consultation_id: int) -> None:
    app.config["LIPVOTE_SCHEDULE_EVERY_SECONDS"] = 0  # no pause between two looks at the schedule
    sign_in(client, people["delegate"].email)
    assert answer(client, consultation_id) == 302
    with app.app_context(), write_transaction():
        found = db.session.get(Consultation, consultation_id)
        found.opens_at = utcnow() - timedelta(days=2)
        found.closes_at = utcnow() - timedelta(seconds=1)
    # a late answer is refused even before anything has written the close
    assert answer(client, consultation_id, choice="oppose", revision="1") == 409
    assert client.get(f"{BASE}/{consultation_id}").status_code == 200  # any page applies the schedule
    with app.app_context():
        found = db.session.get(Consultation, consultation_id)
        assert found.state is ConsultationState.CLOSED and found.closed_at == found.closes_at
        closed_by = db.session.scalar(select(AuditEvent.actor_label).where(AuditEvent.action == "consultation.close"))
    assert closed_by == "system"
    assert stored(app) == [("halifax", "support", "", 1)]


def test_lipvote_tick_closes_a_consultation_whose_time_has_passed(app: Flask, runner: Any, consultation_id: int) -> None:
    with app.app_context(), write_transaction():
        found = db.session.get(Consultation, consultation_id)
        found.opens_at = utcnow() - timedelta(days=2)
        found.closes_at = utcnow() - timedelta(seconds=1)
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0 and f"consultation(s) {consultation_id}." in result.output
    with app.app_context():
        assert db.session.get(Consultation, consultation_id).state is ConsultationState.CLOSED
    assert "Nothing was due." in runner.invoke(args=["tick"]).output


def test_a_scheduled_consultation_opens_at_its_time_or_when_the_chair_opens_it(
        app: Flask, client: FlaskClient, people: dict[str, Person]) -> None:
    with app.test_request_context(), write_transaction():
        proposal = make_proposal("Vision")
        later = consultations.create(proposal, opens_at=utcnow() + timedelta(days=1),
                                     closes_at=utcnow() + timedelta(days=8), confidential=True,
                                     weight_policy=dict(weight_policies.PRESETS["equal"]))
        cid, slug = later.id, proposal.slug
        assert later.state is ConsultationState.SCHEDULED and proposal.state is ProposalState.DRAFT
    sign_in(client, people["delegate"].email)
    response = post_form(client, f"/proposals/{slug}/consultations/{cid}/answer",
                         {"member": "halifax", "revision": "0", "choice": "support"}, token_from="/home")
    assert response.status_code == 409 and "not open yet" in response.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    sign_in(client, people["chair"].email)
    assert post_form(client, f"/proposals/{slug}/consultations/{cid}/open", {},
                     token_from=f"/proposals/{slug}/consultations/{cid}").status_code == 302
    with app.app_context():
        assert db.session.get(Consultation, cid).state is ConsultationState.OPEN
        assert db.session.scalar(select(Proposal.state).where(Proposal.slug == slug)) is ProposalState.CONSULTATION


def test_the_chair_starts_a_consultation_from_the_form(app: Flask, client: FlaskClient, people: dict[str, Person]) -> None:
    with app.test_request_context(), write_transaction():
        slug = make_proposal("Framework").slug
    sign_in(client, people["chair"].email)
    assert "Start a consultation on version 1" in client.get(f"/proposals/{slug}").get_data(as_text=True)
    url = f"/proposals/{slug}/consultations/new"
    past = post_form(client, url, {"closes_at": "2020-01-01T10:00", "weight_policy": "equal"})
    assert past.status_code == 422 and "The closing time must be in the future." in past.get_data(as_text=True)
    unknown = post_form(client, url, {"closes_at": "2099-01-01T10:00", "weight_policy": "made-up"})
    assert unknown.status_code == 422
    response = post_form(client, url, {"closes_at": "2099-01-01T10:00", "weight_policy": "tiered_1_2_3",
                                       "confidential": "y"})
    assert response.status_code == 302
    again = post_form(client, url, {"closes_at": "2099-01-01T10:00", "weight_policy": "equal"})
    assert again.status_code == 409 and "already has a consultation" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 1
        found = db.session.scalars(select(Consultation)).one()
        assert found.confidential and found.weight_policy == weight_policies.PRESETS["tiered_1_2_3"]


def test_confidential_results_hide_small_groups_names_and_the_choice_in_the_audit_trail(
        app: Flask, client: FlaskClient, people: dict[str, Person]) -> None:
    with app.test_request_context(), write_transaction():
        proposal = make_proposal("Values")
        secret = consultations.create(proposal, closes_at=utcnow() + timedelta(days=3), confidential=True,
                                      weight_policy=dict(weight_policies.PRESETS["equal"]))
        cid, slug = secret.id, proposal.slug
    sign_in(client, people["delegate"].email)
    url = f"/proposals/{slug}/consultations/{cid}"
    assert post_form(client, f"{url}/answer", {"member": "halifax", "revision": "0", "choice": "oppose",
                                               "comment": "Too vague."}, token_from="/home").status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Fewer than 3 members have answered" in page and "Too vague." not in page
    assert len(client.get(f"{url}/results.csv").get_data(as_text=True).splitlines()) == 1  # the header alone
    with app.app_context():
        after = json.loads(db.session.scalars(select(AuditEvent.after_json)
                                              .where(AuditEvent.action == "consultation.respond")).one())
    assert after == {"member": "halifax", "revision": 1, "has_comment": True}


def test_the_csv_defuses_formulas_and_counts_by_weight(app: Flask, client: FlaskClient, people: dict[str, Person],
                                                       consultation_id: int) -> None:
    with app.app_context(), write_transaction():
        db.session.scalar(select(Member).where(Member.slug == "halifax")).clusters = "=HYPERLINK(\"http://x\")"
    sign_in(client, people["delegate"].email)
    assert answer(client, consultation_id, choice="support") == 302
    response = client.get(f"{BASE}/{consultation_id}/results.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    clusters = [r for r in rows if r["grouping"] == "cluster"]
    assert [r["group"] for r in clusters] == ["'=HYPERLINK(\"http://x\")"]
    total = rows[0]
    assert (total["grouping"], total["responses"], total["members_in_support"], total["weight_in_support"]) == (
        "all", "1", "1", "1")
    region = next(r for r in rows if r["grouping"] == "region")
    assert (region["group"], region["group_factor"], region["grouping_agreement"]) == ("atlantic", "0.666667", "0.666667")


def test_the_results_page_in_french(app: Flask, client: FlaskClient, people: dict[str, Person],
                                    consultation_id: int) -> None:
    with app.app_context(), write_transaction():
        bow = db.session.scalar(select(Member).where(Member.slug == "bow-valley"))
        for n in range(3):
            member = add_member(f"extra-{n}", province="AB", region="prairies_nt")
            add_user(f"extra{n}@example.org", Role.DELEGATE, member, DelegateRank.PRIMARY)
        assert bow is not None
    for n, choice in enumerate(("support", "support_changes", "oppose")):
        sign_in(client, f"extra{n}@example.org")
        assert post_form(client, answer_url(consultation_id), {"member": f"extra-{n}", "revision": "0",
                                                               "choice": choice}, token_from="/home").status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    sign_in(client, people["observer"].email)
    client.post("/language", data={"csrf_token": csrf_token(client, "/home"), "lang": "fr", "next": "/home"})
    page = client.get(f"{BASE}/{consultation_id}").get_data(as_text=True)
    assert "2 membres sur 3 en faveur" in page
    assert "Appui avec modifications" in page and "Prairies et Territoires du Nord" in page
    assert "L’appui est large" in page or "Toutes les réponses viennent d’un seul groupe" in page
