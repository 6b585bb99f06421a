"""The outbox: every message lipvote sends is first a row here, written in the same transaction
as the action that causes it, then delivered by `lipvote mail` (app/mail/delivery.py)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import User, UTCDateTime, utcnow, value_enum


class MailState(str, enum.Enum):
    QUEUED = "queued"  # waiting for its first or next attempt (`next_attempt_at`)
    SENT = "sent"  # accepted by the mail server; the bodies are then emptied (they may hold a link)
    DEAD = "dead"  # refused for good, or failed `LIPVOTE_MAIL_MAX_ATTEMPTS` times: an administrator may retry it


class MailMessage(db.Model):
    __tablename__ = "mail_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # e.g. "invitation", "password_reset"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    state: Mapped[MailState] = mapped_column(value_enum(MailState, 6), default=MailState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # RFC 8058 one-click unsubscribe address of a notification (None for invitations and resets)
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    calendar: Mapped[str | None] = mapped_column(Text)  # an iCalendar (.ics) attachment: a motion's closing time

    user: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_mail_message_due", "state", "next_attempt_at"),)


class NotificationSent(db.Model):
    """That a person was notified (or chose not to be) of one event of one motion: each
    notification goes once, however often `lipvote mail` looks."""

    __tablename__ = "notification_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    motion_id: Mapped[int] = mapped_column(ForeignKey("motion.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("kind", "motion_id", "user_id", name="uq_notification_once"),)


class MailOptOut(db.Model):
    """A kind of notification a person does not want by e-mail (chosen on their account page,
    or by the one-click unsubscribe link of such a message)."""

    __tablename__ = "mail_opt_out"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(db.Model):
    """A notification as the person reads it in lipvote (the notifications page and the header
    count), whatever their e-mail choices: written in the same transaction as its e-mail would be.
    The line is kept in both languages, so it follows the language the person reads the site in."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    text_en: Mapped[str] = mapped_column(String(500))
    text_fr: Mapped[str] = mapped_column(String(500))
    path: Mapped[str] = mapped_column(String(300))  # a link inside lipvote, e.g. "/motions/3/vote"
    # what it is about, for events other than motions (e.g. "consultation:4"): told once each
    ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),
                      UniqueConstraint("user_id", "kind", "ref", name="uq_notification_ref"))

    def text(self, lang: str) -> str:
        return self.text_fr if lang == "fr" else self.text_en
