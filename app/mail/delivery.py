"""Delivering the outbox over SMTP: what `lipvote mail` runs.

Each round claims the messages that are due in one short write transaction (their next attempt
is pushed a lease ahead, so a second worker running at the same time skips them), sends them on
one SMTP connection, and records each outcome in its own transaction at once, so a worker that
stops half-way never sends a recorded message again. A failure that may pass (no connection,
a 4xx answer) is retried after an exponentially growing delay; a refusal for good (5xx) or the
last allowed attempt makes the message dead, listed for the administrator, who may retry it.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app
from sqlalchemy import select

from app.database import write_transaction
from app.extensions import db
from app.mail.models import MailMessage, MailState
from app.mail.settings import SmtpSettings, sender_address, smtp_settings
from app.models import utcnow

LEASE = timedelta(minutes=10)  # how long a claimed message is left to the worker that claimed it
MAX_DELAY = timedelta(hours=6)
BATCH = 200
SCRUBBED = ""  # a sent message's bodies: they may hold a single-use link, which the outbox need not keep


@dataclass
class Round:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: the base, doubled each time, at most 6 hours."""
    base = current_app.config["LIPVOTE_MAIL_RETRY_SECONDS"]
    return min(MAX_DELAY, timedelta(seconds=base * 2 ** min(attempts - 1, 20)))


def recipient(message: MailMessage) -> Address:
    user, _, domain = message.to_address.rpartition("@")
    return Address(display_name=message.to_name, username=user, domain=domain)


def build(message: MailMessage, sender: str) -> EmailMessage:
    """The message as sent: plain text with an HTML alternative."""
    origin = sender_address(sender)
    email = EmailMessage()
    email["From"] = origin
    email["To"] = recipient(message)
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(idstring=f"lipvote.{message.id}", domain=origin.domain or None)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    if message.unsubscribe_url:  # RFC 2369 and RFC 8058: the mail client's own one-click "unsubscribe"
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    if message.calendar:
        email.add_attachment(message.calendar.encode("utf-8"), maintype="text", subtype="calendar",
                             filename="lipvote-deadline.ics", params={"method": "PUBLISH"})
    return email


def claim_due(now: datetime, limit: int = BATCH) -> list[int]:
    with write_transaction():
        due = list(db.session.scalars(
            select(MailMessage)
            .where(MailMessage.state == MailState.QUEUED, MailMessage.next_attempt_at <= now)
            .order_by(MailMessage.next_attempt_at, MailMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ))
        for message in due:
            message.attempts += 1
            message.next_attempt_at = now + LEASE
        return [message.id for message in due]


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.security == "tls":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            smtp.starttls(context=context)
    if settings.user:
        smtp.login(settings.user, settings.password)
    return smtp


def _permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def record_sent(message_id: int) -> None:
    with write_transaction():
        message = db.session.get(MailMessage, message_id)
        message.state = MailState.SENT
        message.sent_at = utcnow()
        message.last_error = None
        message.body_text = message.body_html = SCRUBBED
        message.calendar = None


def record_failure(message_id: int, error: Exception, outcome: Round) -> None:
    with write_transaction():
        message = db.session.get(MailMessage, message_id)
        message.last_error = _describe(error)
        if _permanent(error) or message.attempts >= current_app.config["LIPVOTE_MAIL_MAX_ATTEMPTS"]:
            message.state = MailState.DEAD
            outcome.dead.append(message_id)
        else:
            message.next_attempt_at = utcnow() + retry_delay(message.attempts)
            outcome.retrying.append(message_id)


def deliver_due(now: datetime | None = None) -> Round:
    """One round: send every message that is due. Returns what happened to each."""
    outcome = Round()
    claimed = claim_due(now or utcnow())
    if not claimed:
        return outcome
    settings = smtp_settings()
    emails = {message.id: build(message, settings.sender)
              for message in db.session.scalars(select(MailMessage).where(MailMessage.id.in_(claimed)))}
    db.session.rollback()  # no read transaction held open while talking to the mail server
    try:
        smtp = connect(settings)
    except (OSError, smtplib.SMTPException) as error:
        for message_id in claimed:
            record_failure(message_id, error, outcome)
        return outcome
    try:
        for message_id in claimed:
            try:
                smtp.send_message(emails[message_id])
            except smtplib.SMTPServerDisconnected as error:
                for rest in claimed[claimed.index(message_id):]:
                    record_failure(rest, error, outcome)
                return outcome
            except (OSError, smtplib.SMTPException) as error:
                record_failure(message_id, error, outcome)
            else:
                record_sent(message_id)
                outcome.sent.append(message_id)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return outcome


def retry(message_id: int) -> bool:
    """Put a dead (or waiting) message back in the queue for the next round, inside the caller's
    write transaction; False when it was already sent."""
    message = db.session.get(MailMessage, message_id)
    if message is None or message.state is MailState.SENT:
        return False
    message.state = MailState.QUEUED
    message.attempts = 0
    message.next_attempt_at = utcnow()
    return True
