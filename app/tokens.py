"""Invitation and reset links: random, single-use, expiring; only a hash is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import select, update

from app.extensions import db
from app.models import AccountToken, TokenPurpose, User, utcnow


class TokenRejected(Exception):
    """A link that cannot be used; `status` is 404 for unknown links, 410 for used or expired ones."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue(user: User, purpose: TokenPurpose, created_by: User | None) -> str:
    """Create a link token for `user` (the caller commits) and return the raw token.

    Issuing a new link of a purpose retires the user's earlier unused ones of that purpose.
    """
    hours = current_app.config[
        "LIPVOTE_INVITATION_HOURS" if purpose is TokenPurpose.INVITATION else "LIPVOTE_RESET_HOURS"
    ]
    now = utcnow()
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(expires_at=now)
    )
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user=user,
            purpose=purpose,
            token_hash=_digest(raw),
            expires_at=now + timedelta(hours=hours),
            created_by_id=created_by.id if created_by else None,
        )
    )
    return raw


def expiry(raw: str) -> datetime:
    """When the link of token `raw` (issued in this transaction or earlier) stops working."""
    return db.session.scalar(select(AccountToken.expires_at).where(AccountToken.token_hash == _digest(raw)))


def link_for(raw: str, purpose: TokenPurpose) -> str:
    endpoint = "auth.accept_invitation" if purpose is TokenPurpose.INVITATION else "auth.reset_password"
    base = current_app.config["LIPVOTE_BASE_URL"]
    if base:
        return base + url_for(endpoint, token=raw)
    return url_for(endpoint, token=raw, _external=True)


def find_usable(raw: str, purpose: TokenPurpose) -> AccountToken:
    token = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == _digest(raw), AccountToken.purpose == purpose)
    )
    if token is None:
        raise TokenRejected("unknown", 404)
    if token.used_at is not None:
        raise TokenRejected("used", 410)
    if token.expires_at <= utcnow():
        raise TokenRejected("expired", 410)
    if not token.user.active:
        raise TokenRejected("inactive", 410)
    return token


def consume(token: AccountToken) -> None:
    """Mark the token used; a concurrent second use of the same link is refused (410)."""
    result = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise TokenRejected("used", 410)
