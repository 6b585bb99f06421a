"""Server-side sessions: a signed-in browser is a row, so signing out really ends it.

The session cookie and the remember-me cookie carry only a random token (Flask-Login stores
`User.get_id()` in both); the database keeps its SHA-256. A request is signed in only while its
row is live: not ended (sign-out, password change, a change of role, member or state of the
account) and within the idle and absolute timeouts (docs/configuration.md). A copied cookie is
therefore worthless once its session has ended.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app
from flask_login import login_user, logout_user
from sqlalchemy import Select, Update, bindparam, func, select, update

from app.database import SQLITE_BEGIN_OPTION, in_write_transaction, sqlite_writers_queue
from app.extensions import db, login_manager
from app.models import SessionEnd, User, UserSession, utcnow

# How stale `last_seen_at` may get before a request writes it again: the idle timeout is
# honoured to within this, and a busy meeting costs one small write per browser a minute,
# not one per request.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta
    absolute: timedelta


def timeouts(remember: bool) -> Timeouts:
    config = current_app.config
    if remember:  # "keep me signed in" outlives idleness, but not its own duration
        lifetime = config["REMEMBER_COOKIE_DURATION"]
        return Timeouts(idle=lifetime, absolute=lifetime)
    return Timeouts(idle=timedelta(minutes=config["LIPVOTE_SESSION_IDLE_MINUTES"]),
                    absolute=config["PERMANENT_SESSION_LIFETIME"])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sign_in(user: User, remember: bool, now: datetime | None = None) -> None:
    """Start a session for `user` and sign this browser in. Runs inside `write_transaction()`."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_digest(token), user_id=user.id, remember=remember,
                               created_at=now, last_seen_at=now))
    user.last_login_at = now
    user.session_token = token
    login_user(user, remember=remember)


def sign_out(user: User) -> None:
    """End this browser's session on the server and clear its cookies."""
    if user.session_token is not None:
        _write_now(update(UserSession)
                   .where(UserSession.token_hash == _digest(user.session_token), UserSession.ended_at.is_(None))
                   .values(ended_at=utcnow(), ended_reason=SessionEnd.LOGOUT))
    logout_user()


def end_all(user_id: int, reason: SessionEnd, keep: User | None = None) -> None:
    """End every live session of an account (inside the caller's write transaction), except the
    one `keep` is signed in with, if given."""
    statement = (update(UserSession)
                 .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
                 .values(ended_at=utcnow(), ended_reason=reason))
    if keep is not None and keep.session_token is not None:
        statement = statement.where(UserSession.token_hash != _digest(keep.session_token))
    db.session.execute(statement)


def live_session_count(user_id: int, now: datetime | None = None) -> int:
    now = now or utcnow()
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None)))
    return sum(1 for row in rows if _is_live(row, now))


def _is_live(row: UserSession | Any, now: datetime) -> bool:
    """Whether a session (a `UserSession`, or a row with its `remember`, `ended_at`, `created_at`
    and `last_seen_at`) is live at `now`."""
    limits = timeouts(row.remember)
    return row.ended_at is None and now - row.created_at < limits.absolute and now - row.last_seen_at < limits.idle


@cache
def _session_and_user() -> Select[User, int, bool, datetime | None, datetime, datetime, int]:
    """The account and its session's times for one token digest. Built once: every signed-in
    request runs it, and building the statement cost about as much as running it."""
    from app.mail.models import Notification  # the mail package's table; its package imports the pages

    # The header shows the unread count on nearly every page: read with the account, the page
    # needs no statement of its own for it (`app.mail.inbox.header_unread_count`).
    unread = (select(func.count()).select_from(Notification)
              .where(Notification.user_id == User.id, Notification.read_at.is_(None)).scalar_subquery())
    return (select(User, UserSession.id.label("session_id"), UserSession.remember, UserSession.ended_at,
                   UserSession.created_at, UserSession.last_seen_at, unread.label("unread_notifications"))
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == bindparam("digest")))


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The user of a live session, or None (Flask-Login then treats the request as anonymous)."""
    now = utcnow()
    row = db.session.execute(_session_and_user(), {"digest": _digest(token)}).first()
    if row is None or not _is_live(row, now) or not row.User.active:
        return None
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        _write_now(update(UserSession).where(UserSession.id == row.session_id).values(last_seen_at=now))
    user: User = row.User
    user.session_token = token
    user.unread_notifications = int(row.unread_notifications)
    return user


def _write_now(statement: Update) -> None:
    """Run one small write on its own connection and commit it at once.

    The loader runs in the middle of a request whose own transaction may be reading, so the
    write takes a separate connection, beginning as a write on SQLite like every other write
    here. Inside a write transaction it joins that one instead: on SQLite a second connection
    would wait for the lock this very request holds.
    """
    if in_write_transaction():
        db.session.execute(statement)
        return
    with sqlite_writers_queue(db.engine), db.engine.connect() as connection:
        connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        with connection.begin():
            connection.execute(statement)
