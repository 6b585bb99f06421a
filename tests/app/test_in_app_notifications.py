"""In-app notifications: `lipvote mail` records each notice for the person whatever their e-mail
choices and even with no mail server set up; the notifications page lists them newest first,
unread marked, with "mark all as read"; the header counts the unread ones; French."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.database import write_transaction
from app.extensions import db
from app.mail.models import MailMessage, Notification
from app.models import DelegateRank, Member, Role
from app.motions import service
from app.motions.models import Motion
from tests.app.motion_helpers import close_now, draft_motion, open_now
from tests.conftest import Person, add_user, post_form, sign_in

HEADER_COUNT = re.compile(r'class="notices-link"[^>]*>([^<]*)(?:<span class="notice-count"><span aria-hidden="true"> \(([^<)]*))?')


def notices_round(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["mail"])
    assert result.exit_code == 0, result.output
    return result.output


def header_count(client: FlaskClient) -> str | None:
    match = HEADER_COUNT.search(client.get("/home").get_data(as_text=True))
    return match.group(2) if match else None


def open_motion(app: Flask, title: str) -> int:
    with app.app_context():
        motion_id = draft_motion(title=title)
        open_now(motion_id)
    return motion_id


def test_without_mail_set_up_notices_are_listed_counted_and_marked_read(app: Flask, client: FlaskClient,
                                                                         people: dict[str, Person]) -> None:
    first = open_motion(app, "Adopt the budget")
    output = notices_round(app)
    assert "Mail is not configured" in output and "queued 1 notifications" in output  # halifax's delegate
    open_motion(app, "Adopt the plan")
    notices_round(app)
    notices_round(app)  # nothing twice
    with app.app_context():
        assert db.session.scalar(select(MailMessage.id)) is None  # nothing e-mailed: no mail server
        assert len(db.session.scalars(select(Notification).where(Notification.user_id == people["delegate"].id)).all()) == 2

    sign_in(client, people["delegate"].email)
    assert header_count(client) == "2"
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.index("Open for voting: Adopt the plan") < page.index("Open for voting: Adopt the budget")  # newest first
    assert page.count('class="inbox-tag">New<') == 2 and "You have 2 unread notifications." in page
    assert f'href="/motions/{first}/vote"' in page

    response = post_form(client, "/notifications/read", {}, token_from="/notifications/")
    assert response.status_code == 302
    page = client.get("/notifications/").get_data(as_text=True)
    assert "inbox-tag" not in page and "You have read all your notifications." in page
    assert "Mark all as read" not in page
    assert header_count(client) is None  # no link in the header once everything is read
    assert 'href="/notifications/">Read your notifications<' in client.get("/account").get_data(as_text=True)
    assert client.post("/notifications/read").status_code == 400  # no form token

    other = app.test_client()  # the chair has no notices: another person's are not shown
    sign_in(other, people["chair"].email)
    assert "You have no notifications yet." in other.get("/notifications/").get_data(as_text=True)


def test_a_certified_result_and_french(app: Flask, client: FlaskClient, people: dict[str, Person]) -> None:
    with app.app_context():
        bow_valley = db.session.scalar(select(Member).where(Member.slug == "bow-valley"))
        add_user("lea@example.org", Role.DELEGATE, bow_valley, DelegateRank.PRIMARY, locale="fr")
        db.session.commit()
    motion_id = open_motion(app, "Adopt the budget")
    notices_round(app)
    with app.app_context():
        close_now(motion_id)
        with write_transaction():
            service.certify_motion(db.session.get(Motion, motion_id))
    notices_round(app)

    sign_in(client, "lea@example.org")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Résultat certifié : FR: Adopt the budget" in page.replace("\u00a0", " ")
    assert f'href="/results/motions/{motion_id}"' in page
    assert "Tout marquer comme lu" in page
    assert ", 2 non lues<" in client.get("/home").get_data(as_text=True).replace("\u00a0", " ")
