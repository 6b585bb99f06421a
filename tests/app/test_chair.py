"""The chair's pages: drafting with refusals, preview, lifecycle, console, schedules, permissions."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from fractions import Fraction
from typing import Any, Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, DelegateRank, Role, utcnow
from app.motions import service
from app.motions.chair import majority_quota, power_indices, rare_weights
from app.motions.forms import parse_share, to_local
from app.motions.models import LogLeaf, Meeting, Motion, MotionState, Proxy
from tests.app.motion_helpers import cast_as, close_now, draft_motion, open_now, options
from tests.conftest import Person, add_member, add_user, csrf_token, post_form

ChairClient = Callable[[str], FlaskClient]

GOOD = {
    "title_en": "Adopt the 2025 budget", "title_fr": "Adopter le budget 2025", "text_en": "", "text_fr": "",
    "method": "yes_no", "options_text": "", "seats": "1", "threshold": "majority_cast",
    "quorum_members": "", "quorum_weight": "", "dm_regions": "", "weight_policy": "equal",
    "opens_at": "", "closes_at": "", "meeting_id": "", "new_meeting": "", "agenda_order": "0",
}


def motion_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Motion)))


def leaf_count(app: Flask, motion_id: int) -> int:
    with app.app_context():
        motion = db.session.get(Motion, motion_id)
        if motion.log_id is None:
            return 0
        return int(db.session.scalar(select(func.count()).select_from(LogLeaf).where(LogLeaf.log_id == motion.log_id)))


def state_of(app: Flask, motion_id: int) -> MotionState:
    with app.app_context():
        return db.session.get(Motion, motion_id).state


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def new_draft(app: Flask, **kwargs: Any) -> int:
    with app.app_context():
        return draft_motion(**kwargs)


# --- drafting --------------------------------------------------------------------------------


def test_chair_creates_a_yes_no_draft_and_it_is_audited(app: Flask, login: ChairClient) -> None:
    client = login("chair")
    data = dict(GOOD, quorum_members="50%", quorum_weight="1/3", dm_members="y", dm_regions="all", secret="y",
                revote="y", new_meeting="Annual general meeting", agenda_order="3")
    response = post_form(client, "/motions/new", data)
    assert response.status_code == 302, text(response)
    with app.app_context():
        motion = db.session.scalars(select(Motion)).one()
        assert motion.state is MotionState.DRAFT
        assert motion.option_ids == ["yes", "no", "abstain"]
        assert motion.rules == {"threshold": "majority_cast", "quorum": {"members": "1/2", "weight": "1/3"},
                                "double_majority": {"members": True, "regions": "all"}}
        assert motion.secret and motion.revote
        assert motion.meeting.title_en == "Annual general meeting" and motion.agenda_order == 3
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert "motion.create" in actions and "meeting.create" in actions
        assert response.headers["Location"].endswith(f"/motions/{motion.id}/preview")


def test_chair_creates_an_stv_election_with_options_and_schedule(app: Flask, login: ChairClient) -> None:
    client = login("chair")
    data = dict(GOOD, method="stv", seats="2", weight_policy="tiered_1_2_3",
                options_text="ana | Ana Silva | Ana Silva\n\nbo | Bo Chen\nchloe|Chloé Roy|Chloé Roy\n",
                opens_at="2099-03-01T09:30", closes_at="2099-03-01T17:00")
    response = post_form(client, "/motions/new", data)
    assert response.status_code == 302, text(response)
    with app.app_context():
        motion = db.session.scalars(select(Motion)).one()
        assert motion.options == [{"id": "ana", "en": "Ana Silva", "fr": "Ana Silva"},
                                  {"id": "bo", "en": "Bo Chen", "fr": "Bo Chen"},
                                  {"id": "chloe", "en": "Chloé Roy", "fr": "Chloé Roy"}]
        assert motion.seats == 2 and motion.weight_policy["kind"] == "tiered"
        # 09:30 in Toronto on 1 March (EST, UTC-5) is 14:30 UTC
        assert (motion.opens_at.hour, motion.opens_at.minute, motion.opens_at.utcoffset()) == (14, 30, timedelta(0))
        assert to_local(motion.opens_at).strftime("%Y-%m-%dT%H:%M") == "2099-03-01T09:30"


REFUSALS = [
    ({"title_en": ""}, "title_en"),
    ({"method": "borda"}, "method"),
    ({"method": "plurality", "options_text": "only-one | Only"}, "options_text"),
    ({"method": "plurality", "options_text": "a | A\na | Again"}, "options_text"),
    ({"method": "plurality", "options_text": "Bad Id | Label\nb | B"}, "options_text"),
    ({"method": "irv", "options_text": "a\nb\nc", "seats": "2"}, "seats"),
    ({"method": "stv", "options_text": "a\nb", "seats": "3"}, "seats"),
    ({"method": "schulze_stv", "options_text": "\n".join(f"c{i}" for i in range(12)), "seats": "5"}, "seats"),
    ({"seats": "0"}, "seats"),
    ({"threshold": "two_fifths"}, "threshold"),
    ({"method": "approval", "options_text": "a\nb", "threshold": "two_thirds"}, "threshold"),
    ({"method": "approval", "options_text": "a\nb", "dm_regions": "all"}, "dm_regions"),
    ({"quorum_members": "3/2"}, "quorum_members"),
    ({"quorum_weight": "half"}, "quorum_weight"),
    ({"dm_regions": "5"}, "dm_regions"),  # the test federation has members in two regions only
    ({"weight_policy": "dictator"}, "weight_policy"),
    ({"opens_at": "2001-01-01T10:00"}, "opens_at"),
    ({"opens_at": "2099-01-02T10:00", "closes_at": "2099-01-01T10:00"}, "closes_at"),
    ({"closes_at": "tomorrow"}, "closes_at"),
    ({"meeting_id": "999"}, "meeting_id"),
    ({"agenda_order": "-1"}, "agenda_order"),
]


@pytest.mark.parametrize("change,field", REFUSALS, ids=[f"{f}-{i}" for i, (_c, f) in enumerate(REFUSALS)])
def test_bad_draft_input_is_refused_on_its_field_and_nothing_is_stored(
        app: Flask, login: ChairClient, change: dict[str, str], field: str) -> None:
    client = login("chair")
    response = post_form(client, "/motions/new", dict(GOOD, **change))
    assert response.status_code == 422
    page = text(response)
    # the message sits in the help block of the refused field
    block = re.search(rf'<div id="{field}-help" class="help">(.*?)</div>', page, re.S)
    assert block is not None and 'class="error"' in block.group(1), f"no error shown for {field}"
    assert motion_count(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_schulze_stv_bound_is_explained_in_plain_words(app: Flask, login: ChairClient) -> None:
    client = login("chair")
    data = dict(GOOD, method="schulze_stv", seats="5", options_text="\n".join(f"c{i}" for i in range(12)))
    page = text(post_form(client, "/motions/new", data))
    assert "set comparisons" in page and "use fewer options or seats" in page


def test_a_draft_can_be_edited_but_an_open_motion_cannot(app: Flask, people: dict[str, Person],
                                                          login: ChairClient) -> None:
    motion_id = new_draft(app)
    client = login("chair")
    form = client.get(f"/motions/{motion_id}/edit")
    assert form.status_code == 200 and "Adopt the representative framework" in text(form)
    response = post_form(client, f"/motions/{motion_id}/edit", dict(GOOD, title_en="Amended title"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Motion, motion_id).title_en == "Amended title"
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "motion.update")).one()
        assert json.loads(event.before_json)["title_en"] == "Adopt the representative framework"
        open_now(motion_id)
    assert client.get(f"/motions/{motion_id}/edit").status_code == 409
    token = csrf_token(client, "/home")
    refused = client.post(f"/motions/{motion_id}/edit", data=dict(GOOD, title_en="Too late", csrf_token=token))
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.get(Motion, motion_id).title_en == "Amended title"


def test_editing_keeps_a_custom_policy_and_shows_options(app: Flask, people: dict[str, Person],
                                                         login: ChairClient) -> None:
    custom = {"kind": "equal", "total": 500, "cap": None, "floor": None}
    motion_id = new_draft(app, method="plurality", option_list=options("red", "blue"), policy=custom)
    client = login("chair")
    page = text(client.get(f"/motions/{motion_id}/edit"))
    assert "red | Red | Red" in page and 'value="current"' in page
    data = dict(GOOD, method="plurality", options_text="red | Red | Rouge\nblue | Blue | Bleu", weight_policy="current")
    assert post_form(client, f"/motions/{motion_id}/edit", data).status_code == 302
    with app.app_context():
        motion = db.session.get(Motion, motion_id)
        assert motion.weight_policy == custom
        assert motion.option_label("red", "fr") == "Rouge"


# --- permissions -----------------------------------------------------------------------------

CHAIR_ROUTES = [("GET", "/motions/new"), ("POST", "/motions/new"), ("GET", "/motions/{id}/edit"),
                ("POST", "/motions/{id}/edit"), ("GET", "/motions/{id}/preview")] + [
    (method, f"/motions/{{id}}/{action}") for action in ("open", "extend", "close", "certify", "delete")
    for method in ("GET", "POST")] + [("GET", "/motions/{id}/console"), ("GET", "/motions/{id}/console.json")]


@pytest.mark.parametrize("role", ["delegate", "observer", "auditor", "admin"])
def test_only_the_chair_reaches_chair_routes(app: Flask, client: FlaskClient, people: dict[str, Person],
                                             login: ChairClient, role: str) -> None:
    motion_id = new_draft(app)
    login(role)
    token = csrf_token(client, "/home")
    for method, template in CHAIR_ROUTES:
        url = template.format(id=motion_id)
        response = client.get(url) if method == "GET" else client.post(url, data=dict(GOOD, csrf_token=token))
        assert response.status_code == 403, f"{role} {method} {url}: {response.status_code}"
    assert state_of(app, motion_id) is MotionState.DRAFT and motion_count(app) == 1


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, client: FlaskClient, people: dict[str, Person]) -> None:
    motion_id = new_draft(app)
    for method, template in CHAIR_ROUTES:
        url = template.format(id=motion_id)
        response = client.get(url) if method == "GET" else client.post(url, data=GOOD)
        if method == "POST" and response.status_code == 400:
            continue  # the CSRF check answers first for a form posted without a session
        assert response.status_code == 302 and "/login" in response.headers["Location"], f"{method} {url}"
    assert state_of(app, motion_id) is MotionState.DRAFT


def test_unknown_motion_is_404_for_the_chair(login: ChairClient) -> None:
    client = login("chair")
    for path in ("edit", "preview", "open", "console", "console.json"):
        assert client.get(f"/motions/999/{path}").status_code == 404
