"""The motions list: open motions first, then drafts, closed and certified, each in agenda order."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.motions.models import Motion, MotionState
from tests.app.motion_helpers import close_now, draft_motion, open_now
from tests.conftest import Person, sign_in


def test_open_motions_come_first_then_drafts_then_results(app: Flask, client: FlaskClient,
                                                         people: dict[str, Person]) -> None:
    with app.app_context():
        certified = draft_motion(title="Certified one")
        closed = draft_motion(title="Closed one")
        later = draft_motion(title="Open second")
        first = draft_motion(title="Open first")
        draft_motion(title="A draft")
        for motion_id in (certified, closed, later, first):
            open_now(motion_id)
        for motion_id in (certified, closed):
            close_now(motion_id)
        db.session.get(Motion, certified).state = MotionState.CERTIFIED  # as certify_motion leaves it
        db.session.get(Motion, first).agenda_order, db.session.get(Motion, later).agenda_order = 1, 2
        db.session.commit()
    sign_in(client, people["chair"].email)
    page = client.get("/motions/").get_data(as_text=True)
    titles = re.findall(r"(Open first|Open second|A draft|Closed one|Certified one)", page)
    assert titles == ["Open first", "Open second", "A draft", "Closed one", "Certified one"]
