"""The messages lipvote sends, each queued in the caller's write transaction and written in
the recipient's language (`queue_to` renders them under the recipient's locale)."""

from __future__ import annotations

from flask_babel import gettext as _

from app import tokens
from app.mail.models import MailMessage
from app.mail.outbox import queue_to
from app.models import DelegateRank, TokenPurpose, User


def _invited_as(user: User) -> str:
    if user.member is None:
        return _("You are invited to lipvote, the federation’s deliberation and voting platform.")
    member = user.member.name(user.locale)
    if user.delegate_rank is DelegateRank.PRIMARY:
        return _("You are invited to lipvote as the primary delegate of %(member)s.", member=member)
    return _("You are invited to lipvote as an alternate delegate of %(member)s.", member=member)


def invitation(user: User, raw_token: str) -> MailMessage:
    return queue_to(user, "invitation", "invitation", lambda: _("Your invitation to lipvote"),
                    link=tokens.link_for(raw_token, TokenPurpose.INVITATION), expires=tokens.expiry(raw_token),
                    invited_as=lambda: _invited_as(user))


def password_reset(user: User, raw_token: str) -> MailMessage:
    return queue_to(user, "password_reset", "password_reset", lambda: _("Reset your lipvote password"),
                    link=tokens.link_for(raw_token, TokenPurpose.RESET), expires=tokens.expiry(raw_token))
