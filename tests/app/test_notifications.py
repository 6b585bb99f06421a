"""Notifications about motions, found and queued by `lipvote mail`, against a loopback SMTP
server: opened (to every eligible member's delegates), closing soon (only to members that have
not voted), certified; each once; in the recipient's language; one-click unsubscribe
(RFC 8058) and each person's choices."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Iterator

import icalendar
import pytest
from flask import Flask
from sqlalchemy import func, select

from app.database import write_transaction
from app.extensions import db
from app.mail.models import MailOptOut, Notification
from app.mail.notifications import KINDS
from app.models import DelegateRank, Member, Role, User, utcnow
from app.motions import service
from app.motions.models import Motion
from tests.app.motion_helpers import cast_as, close_now, draft_motion, open_now
from tests.conftest import add_user, post_form, sign_in
from tests.mail_server import MailServer, mail_app, server, text_body  # noqa: F401  (fixtures)

BASE = "http://lipvote.test"


@pytest.fixture
def app(tmp_path: Path, migrated_database: Path, server: MailServer) -> Iterator[Flask]:  # type: ignore[override]
    application = mail_app(tmp_path, migrated_database, server, LIPVOTE_BASE_URL=BASE)
    with application.app_context():
        bow_valley = db.session.scalar(select(Member).where(Member.slug == "bow-valley"))
        add_user("lea@example.org", Role.DELEGATE, bow_valley, DelegateRank.PRIMARY, locale="fr")
        db.session.commit()
    yield application
    with application.app_context():
        db.engine.dispose()


def mail_round(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["mail"])
    assert result.exit_code == 0, result.output
    return result.output


def open_motion(app: Flask, title: str, closes_in: timedelta) -> int:
    with app.app_context():
        motion_id = draft_motion(title=title)
        open_now(motion_id)
        with write_transaction():
            db.session.get(Motion, motion_id).closes_at = utcnow() + closes_in
    return motion_id


def subjects(server: MailServer, address: str) -> list[str]:
    return [str(message["Subject"]).replace("\u00a0", " ") for message in server.inbox.to(address)]


def test_opened_closing_and_certified_each_once_to_the_right_people(app: Flask, server: MailServer) -> None:
    motion_id = open_motion(app, "Adopt the budget", timedelta(days=2))
    assert "queued 2 notifications" in mail_round(app)
    mail_round(app)  # nothing new
    assert subjects(server, "delegate@example.org") == ["Open for voting: Adopt the budget"]
    assert subjects(server, "lea@example.org") == ["Ouvert au vote : FR: Adopt the budget"]
    [french] = server.inbox.to("lea@example.org")
    assert "Partenariat en immigration de la vallée de la Bow vote avec un poids de 5\u202f000." in text_body(french)
    assert f"{BASE}/motions/{motion_id}/vote" in text_body(french)
    assert french["List-Unsubscribe"].startswith(f"<{BASE}/mail/unsubscribe/")
    assert french["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [ics] = [part for part in french.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert ics.get_filename() == "lipvote-deadline.ics"
    event = icalendar.Calendar.from_ical(ics.get_content()).walk("VEVENT")[0]
    with app.app_context():
        closes_at = db.session.get(Motion, motion_id).closes_at
    assert event.decoded("dtend") == closes_at.replace(microsecond=0)  # RFC 5545 times are whole seconds
    assert "FR: Adopt the budget" in str(event["summary"]) and str(event["summary"]).startswith("Fin du vote")

    with app.app_context():
        cast_as(motion_id, "delegate@example.org", "yes")
        with write_transaction():
            db.session.get(Motion, motion_id).closes_at = utcnow() + timedelta(hours=2)
    mail_round(app)
    mail_round(app)
    assert subjects(server, "lea@example.org")[1:] == ["Rappel : vote à venir, pas encore voté : FR: Adopt the budget"]
    assert len(subjects(server, "delegate@example.org")) == 1  # halifax voted: no reminder

    with app.app_context():
        close_now(motion_id)
        with write_transaction():
            service.certify_motion(db.session.get(Motion, motion_id))
    mail_round(app)
    mail_round(app)
    assert subjects(server, "delegate@example.org")[1:] == ["Result certified: Adopt the budget"]
    assert f"{BASE}/results/motions/{motion_id}" in text_body(server.inbox.to("delegate@example.org")[1])
    outcome = "Carried: 1 of 2 members voted; yes had 5,000 of 5,000 units cast for yes or no (100.0%)"
    assert f"final.\n\n{outcome}" in text_body(server.inbox.to("delegate@example.org")[1]).replace("\r\n", "\n")  # the results page's words
    french = text_body(server.inbox.to("lea@example.org")[2]).replace("\u00a0", " ").replace("\u202f", " ")
    assert "Adoptée : 1 membre sur 2 a voté" in french
    assert len(subjects(server, "lea@example.org")) == 3


def test_one_click_unsubscribe_with_one_post_and_the_account_choices(app: Flask, server: MailServer) -> None:
    open_motion(app, "First", timedelta(days=2))
    mail_round(app)
    [message] = server.inbox.to("lea@example.org")
    path = message["List-Unsubscribe"].strip("<>").removeprefix(BASE)
    anonymous = app.test_client()
    assert "Stop these e-mail messages" in anonymous.get(path).get_data(as_text=True)
    response = anonymous.post(path, data={"List-Unsubscribe": "One-Click"})  # no CSRF token, no session: RFC 8058
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalars(select(MailOptOut.kind)).all() == ["motion_opened"]
    assert anonymous.post(path[:-3] + "xyz").status_code == 404  # a forged link

    open_motion(app, "Second", timedelta(days=2))
    mail_round(app)
    assert len(server.inbox.to("lea@example.org")) == 1  # unsubscribed from openings
    with app.app_context():  # still told in lipvote: the choices are about e-mail only
        texts = db.session.scalars(select(Notification.text_fr).join(User, User.id == Notification.user_id)
                                   .where(User.email == "lea@example.org").order_by(Notification.id)).all()
    assert [text.replace("\u00a0", " ") for text in texts] == ["Ouvert au vote : FR: First", "Ouvert au vote : FR: Second"]
    assert len(server.inbox.to("delegate@example.org")) == 2

    client = app.test_client()
    sign_in(client, "delegate@example.org")
    page = client.get("/account").get_data(as_text=True)
    assert "Send me an e-mail when:" in page
    assert all(f'name="{kind}"' in page for kind in KINDS)  # every kind has its checkbox
    response = post_form(client, "/mail/choices", {"motion_opened": "y"}, token_from="/account")
    assert response.status_code == 302
    with app.app_context():
        kinds = sorted(db.session.scalars(select(MailOptOut.kind).where(MailOptOut.user_id != None)))  # noqa: E711
    assert kinds == sorted(KINDS)  # lea's one (motion_opened), the delegate's all others


def test_a_proxy_is_told_to_the_holders_delegates_once(app: Flask, server: MailServer) -> None:
    from app.models import User
    from app.motions import proxies

    motion_id = open_motion(app, "Adopt the plan", timedelta(days=2))
    mail_round(app)
    with app.app_context():
        lea = db.session.scalar(select(User.id).where(User.email == "lea@example.org"))
        proxies.grant(motion_id, lea, "halifax")
    mail_round(app)
    mail_round(app)
    assert subjects(server, "delegate@example.org") == ["Open for voting: Adopt the plan",
                                                        "A vote given to your member: Adopt the plan"]
    body = text_body(server.inbox.to("delegate@example.org")[1])
    assert "Bow Valley Immigration Partnership gave its vote on the motion “Adopt the plan” to Halifax LIP." in body
    assert len(server.inbox.to("lea@example.org")) == 1  # the grantor's delegate is not told


def test_a_consultation_opened_and_closing_soon_to_the_members_that_have_not_answered(app: Flask,
                                                                                      server: MailServer) -> None:
    from app.deliberation import consultations, service as proposals
    from app.deliberation.consultation_models import Consultation
    from app.deliberation.text import ClauseText
    from voting import weights as weight_policies

    with app.test_request_context(), write_transaction():
        proposal = proposals.create_proposal(title_en="Workplan", title_fr="Plan de travail",
                                             clauses=[ClauseText("1", "Goals", "Objectifs", "Meet.", "Se réunir.")])
        consultation_id = consultations.create(proposal, closes_at=utcnow() + timedelta(days=7), confidential=False,
                                               weight_policy=dict(weight_policies.PRESETS["equal"])).id
    assert "queued 2 notifications" in mail_round(app)
    mail_round(app)  # each once
    assert subjects(server, "delegate@example.org") == ["Consultation open: Workplan"]
    assert subjects(server, "lea@example.org") == ["Consultation ouverte : Plan de travail"]
    body = text_body(server.inbox.to("delegate@example.org")[0])
    assert f"{BASE}/proposals/workplan/consultations/{consultation_id}" in body
    assert server.inbox.to("lea@example.org")[0]["List-Unsubscribe"].startswith(f"<{BASE}/mail/unsubscribe/")

    with app.test_request_context():
        with write_transaction():
            consultation = db.session.get(Consultation, consultation_id)
            delegate = db.session.scalar(select(User).where(User.email == "delegate@example.org"))
            consultations.respond(consultation, user=delegate, member=delegate.member, choice="support", comment="",
                                  revision=0)
            consultation.closes_at = utcnow() + timedelta(hours=2)
    mail_round(app)
    mail_round(app)
    assert len(server.inbox.to("delegate@example.org")) == 1  # halifax answered: no reminder
    assert subjects(server, "lea@example.org")[1:] == [
        "Rappel : consultation bientôt close, pas encore de réponse : Plan de travail"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 3  # in lipvote too


def test_a_reply_to_a_comment_and_an_amendment_waiting_for_a_seconder(app: Flask, server: MailServer) -> None:
    from app.deliberation import amendments, comments, service as proposals
    from app.deliberation.text import ClauseText

    goals = ClauseText("1", "Goals", "Objectifs", "Meet.", "Se réunir.")
    with app.test_request_context(), write_transaction():
        proposal = proposals.create_proposal(title_en="Workplan", title_fr="Plan de travail", clauses=[goals])
        delegate = db.session.scalar(select(User).where(User.email == "delegate@example.org"))
        lea = db.session.scalar(select(User).where(User.email == "lea@example.org"))
        first = comments.add_comment(proposal, delegate, "Monthly is too often.")
        comments.add_comment(proposal, delegate, "And I answer myself.", parent=first)  # nobody is told of their own
        reply = comments.add_comment(proposal, lea, "Quarterly, then?", parent=first, lang="fr")
        db.session.flush()
        reply_id = reply.id
        amendments.propose(proposal, delegate, base_number=1,
                           clauses=[ClauseText("1", "Goals", "Objectifs", "Meet quarterly.", "Se réunir chaque trimestre.")],
                           explanation_en="Less often.", explanation_fr="Moins souvent.")
    assert "queued 2 notifications" in mail_round(app)
    mail_round(app)  # each once
    assert subjects(server, "delegate@example.org") == ["A reply to your comment: Workplan"]
    body = text_body(server.inbox.to("delegate@example.org")[0])
    assert "Lea replied to your comment on the proposal “Workplan”." in body
    assert f"{BASE}/proposals/workplan/comments#comment-{reply_id}" in body
    assert subjects(server, "lea@example.org") == ["L’amendement 1 doit être appuyé : Plan de travail"]
    french = text_body(server.inbox.to("lea@example.org")[0]).replace("\u00a0", " ")
    assert "PLI d'Halifax propose l’amendement 1 à la proposition « Plan de travail »." in french
    assert f"{BASE}/proposals/workplan/amendments/1" in french
