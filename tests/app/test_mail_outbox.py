"""The outbox against a real SMTP server on the loopback: delivered, kept while the server is
down and sent once when it is back, nothing for a rolled-back action, dead after N failures,
header injection refused, and lipvote without mail configured as before."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.database import write_transaction
from app.extensions import db
from app.mail import delivery
from app.mail.models import MailMessage, MailState
from app.mail.outbox import HeaderInjection, queue
from app.models import Role, User, utcnow
from tests.conftest import post_form, sign_in
from tests.mail_server import MailServer, app_with_mail, html_body, mail_app, server, text_body  # noqa: F401  (fixtures)

LINK_RE = re.compile(r"http://localhost/(?:invite|reset)/[A-Za-z0-9_-]+")


def deliver(app: Flask, later: timedelta = timedelta(0)) -> delivery.Round:
    with app.app_context():
        return delivery.deliver_due(utcnow() + later)


def outbox(app: Flask) -> list[tuple[str, MailState, int]]:
    with app.app_context():
        return [(m.to_address, m.state, m.attempts) for m in db.session.scalars(select(MailMessage).order_by(MailMessage.id))]


def invite(app: Flask, email: str, locale: str = "en") -> object:
    client = app.test_client()
    sign_in(client, "admin@example.org")
    return post_form(client, "/accounts/new", {"email": email, "display_name": "Camille Roy", "role": "delegate",
                                               "member": "halifax", "delegate_rank": "alternate", "locale": locale})


def test_an_invitation_is_queued_with_the_action_and_delivered_in_the_recipients_language(
        app_with_mail: Flask, server: MailServer) -> None:
    response = invite(app_with_mail, "camille@example.org", locale="fr")
    assert response.status_code == 302  # no link on the page: it went by e-mail
    assert outbox(app_with_mail) == [("camille@example.org", MailState.QUEUED, 0)]
    assert server.inbox.messages == []  # nothing is sent by the request itself

    assert len(deliver(app_with_mail).sent) == 1
    [message] = server.inbox.to("camille@example.org")
    assert message["To"].addresses[0].display_name == "Camille Roy"
    assert message["Subject"] == "Votre invitation à lipvote"
    assert message["From"].addresses[0].addr_spec == "vote@lipvote.test"
    assert message["Auto-Submitted"] == "auto-generated"
    text, html = text_body(message), html_body(message)
    assert "délégué(e) substitut" in text and "PLI d'Halifax" in text
    assert "HNE" in text or "HAE" in text  # the expiry in the federation's time zone, in French
    assert "PLI d&#39;Halifax" in html or "PLI d&#x27;Halifax" in html  # escaped in the HTML part
    link = LINK_RE.search(text).group(0)
    assert link in html

    # the sent message's bodies are not kept: they held a single-use link
    with app_with_mail.app_context():
        sent = db.session.scalar(select(MailMessage))
        assert sent.state is MailState.SENT and sent.body_text == "" and sent.body_html == ""

    visitor = app_with_mail.test_client()
    path = link.removeprefix("http://localhost")
    chosen = {"password": "a long new password", "confirm": "a long new password"}
    assert post_form(visitor, path, chosen).status_code == 302
    assert app_with_mail.test_client().get(path).status_code == 410  # the link works once
    assert deliver(app_with_mail).sent == []  # and the message went once


def test_the_outbox_keeps_messages_while_the_server_is_down_and_sends_each_once_when_it_is_back(
        app_with_mail: Flask, server: MailServer) -> None:
    server.stop()
    invite(app_with_mail, "one@example.org")
    invite(app_with_mail, "two@example.org")
    first = deliver(app_with_mail)
    assert first.sent == [] and len(first.retrying) == 2
    assert [state for _, state, _ in outbox(app_with_mail)] == [MailState.QUEUED, MailState.QUEUED]
    assert deliver(app_with_mail).retrying == []  # not due again yet: the back-off

    server.start()
    assert len(deliver(app_with_mail, later=timedelta(minutes=5)).sent) == 2
    assert deliver(app_with_mail, later=timedelta(hours=7)).sent == []
    assert sorted(rcpt for [rcpt] in server.inbox.envelopes) == ["one@example.org", "two@example.org"]


def test_a_rolled_back_action_sends_nothing(app_with_mail: Flask, server: MailServer,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from app.mail import messages

    real_invitation = messages.invitation

    def queue_then_fail(user: User, raw: str) -> MailMessage:
        real_invitation(user, raw)
        raise RuntimeError("the action fails after its message was queued")

    monkeypatch.setattr(messages, "invitation", queue_then_fail)
    assert invite(app_with_mail, "never@example.org").status_code == 500
    assert outbox(app_with_mail) == []
    with app_with_mail.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "never@example.org")) == 0
        with pytest.raises(RuntimeError), write_transaction():
            queue(kind="invitation", to_address="x@example.org", to_name="X", subject="s", text="t", html="<p>t</p>")
            raise RuntimeError("rolled back")
    assert outbox(app_with_mail) == []
    assert deliver(app_with_mail).sent == [] and server.inbox.messages == []


def test_a_message_is_dead_after_the_last_allowed_attempt_and_the_admin_may_send_it_again(
        tmp_path: Path, migrated_database: Path, server: MailServer) -> None:
    app = mail_app(tmp_path, migrated_database, server, LIPVOTE_MAIL_MAX_ATTEMPTS=3)
    server.stop()
    invite(app, "late@example.org")
    for hours in (0, 1, 2):
        deliver(app, later=timedelta(hours=hours))
    [(_, state, attempts)] = outbox(app)
    assert (state, attempts) == (MailState.DEAD, 3)
    assert deliver(app, later=timedelta(days=2)).sent == []  # dead: no more attempts

    admin = app.test_client()
    sign_in(admin, "admin@example.org")
    page = admin.get("/mail/").get_data(as_text=True)
    assert "late@example.org" in page and "Failed" in page and "ConnectionRefusedError" in page
    with app.app_context():
        message_id = db.session.scalar(select(MailMessage.id))
    assert post_form(admin, f"/mail/{message_id}/retry", {}, token_from="/mail/").status_code == 302
    server.start()
    assert deliver(app).sent == [message_id]
    assert len(server.inbox.to("late@example.org")) == 1
    assert "late@example.org" in admin.get("/mail/").get_data(as_text=True)  # now among the sent
    with app.app_context():
        db.engine.dispose()


def test_a_permanent_refusal_is_dead_at_once(app_with_mail: Flask, server: MailServer,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(*_args: object) -> str:
        return "550 No such mailbox"

    monkeypatch.setattr(server.inbox, "handle_DATA", refuse)
    invite(app_with_mail, "nobody@example.org")
    outcome = deliver(app_with_mail)
    assert outcome.dead and outcome.retrying == []


@pytest.mark.parametrize("field", ["to_name", "subject", "to_address"])
@pytest.mark.parametrize("evil", ["Camille\r\nBcc: victim@example.org", "Camille\nBcc: x@example.org", "Camille\u2028x"])
def test_header_injection_is_refused(app_with_mail: Flask, field: str, evil: str) -> None:
    values = {"kind": "invitation", "to_address": "a@example.org", "to_name": "A", "subject": "s",
              "text": "t", "html": "<p>t</p>", field: evil}
    with app_with_mail.app_context():
        with pytest.raises(HeaderInjection), write_transaction():
            queue(**values)
    assert outbox(app_with_mail) == []


def test_a_name_with_a_line_break_refuses_the_action_with_a_clear_message(app_with_mail: Flask) -> None:
    with app_with_mail.app_context():
        user = User(email="evil@example.org", display_name="Evil\r\nBcc: victim@example.org", role=Role.OBSERVER)
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    admin = app_with_mail.test_client()
    sign_in(admin, "admin@example.org")
    response = post_form(admin, f"/accounts/{user_id}/link", {}, token_from="/accounts/")
    assert response.status_code == 422
    assert "may not contain a line break" in response.get_data(as_text=True)
    assert outbox(app_with_mail) == []


def test_without_mail_configured_links_are_shown_and_the_pages_say_so(client, login) -> None:  # type: ignore[no-untyped-def]
    admin = login("admin")
    response = post_form(admin, "/accounts/new", {"email": "new@example.org", "display_name": "New", "role": "observer",
                                                  "member": "", "delegate_rank": "", "locale": "en"})
    assert response.status_code == 201 and "/invite/" in response.get_data(as_text=True)
    for page in ("/accounts/", "/mail/"):
        assert "E-mail is not set up on this server" in admin.get(page).get_data(as_text=True)


def test_the_mail_command_without_mail_only_records_in_app_notifications(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["mail"])
    assert result.exit_code == 0 and "LIPVOTE_SMTP_HOST" in result.output and "nothing is e-mailed" in result.output


def test_the_mail_command_delivers_once(app_with_mail: Flask, server: MailServer) -> None:
    invite(app_with_mail, "cron@example.org")
    result = app_with_mail.test_cli_runner().invoke(args=["mail"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(server.inbox.to("cron@example.org")) == 1


def test_the_mail_command_keeps_delivering_with_watch_until_stopped(app_with_mail: Flask, server: MailServer,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import signal
    import threading

    from app.mail import cli

    rounds: list[int] = []

    class TwoRounds(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            rounds.append(1)
            if len(rounds) == 1:
                invite(app_with_mail, "watched@example.org")  # queued while the worker waits
            else:
                signal.raise_signal(signal.SIGTERM)  # as `systemctl stop` would
            return self.is_set()

    monkeypatch.setattr(cli.threading, "Event", TwoRounds)
    before = signal.getsignal(signal.SIGTERM)
    result = app_with_mail.test_cli_runner().invoke(args=["mail", "--watch", "--interval", "0.1"])
    assert result.exit_code == 0, result.output
    assert len(rounds) == 2 and len(server.inbox.to("watched@example.org")) == 1
    assert signal.getsignal(signal.SIGTERM) is before  # the handlers are given back
