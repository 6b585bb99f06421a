"""Notifications about deliberation, found by `lipvote mail` at each round like those about
motions (app/mail/notifications.py), with the same choices and one-click unsubscribe:

- `consultation_opened`: a consultation is open, to the delegates of every active member;
- `consultation_closing`: it closes within `LIPVOTE_REMINDER_HOURS`, to the delegates of the
  active members that have not answered;
- `comment_reply`: a reply to your comment (written in the last day, not hidden), to its author;
- `amendment_seconder`: an amendment waits for a seconder, to the delegates of the other
  active members.

Each person is told once per event and kind: the in-app `Notification` row (its `ref` names the
consultation, reply or amendment) is the record, so nothing here touches the deliberation
services or their transactions.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable, Iterable

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.deliberation.amendments import Amendment, AmendmentState
from app.deliberation.comments import Comment
from app.deliberation.consultation_models import Consultation, ConsultationResponse, ConsultationState
from app.deliberation.models import Proposal
from app.extensions import db
from app.mail import notifications
from app.mail.models import Notification
from app.mail.outbox import queue_to
from app.models import Member, User

REPLY_NEWS = timedelta(days=1)  # older replies are not news (e.g. when notifications are first set up)


def _title(proposal: Proposal, lang: str) -> str:
    return proposal.title_fr if lang == "fr" else proposal.title_en


def _told(kind: str, ref: str) -> set[int]:
    return set(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind, Notification.ref == ref)))


def _tell(kind: str, ref: str, users: Iterable[User], line: Callable[[str], str], endpoint: str,
          values: dict[str, Any], **mail_context: Any) -> int:
    """Record `kind` about `ref` for each of `users` not told yet, and e-mail it unless they
    turned it off. `line(lang)` is the notice in one line, in the current locale."""
    told = _told(kind, ref)
    count = 0
    for user in users:
        if user.id in told:
            continue
        texts = {}
        for lang in ("en", "fr"):
            with force_locale(lang):
                texts[lang] = line(lang)[:500]
        db.session.add(Notification(user_id=user.id, kind=kind, ref=ref, text_en=texts["en"], text_fr=texts["fr"],
                                    path=url_for(endpoint, **values)))
        count += 1
        if notifications.mail_enabled() and kind not in notifications.opted_out(user.id):
            token = notifications.unsubscribe_token(user.id, kind)
            queue_to(user, kind, kind, lambda: line(user.locale),
                     unsubscribe_url=notifications.link_to("mail.unsubscribe", token=token),
                     link=notifications.link_to(endpoint, **values), kind_label=notifications.KINDS[kind],
                     preferences=notifications.link_to("auth.account"),
                     **{name: (value(user.locale) if callable(value) else value) for name, value in mail_context.items()})
    return count


def _consultations(now: datetime, remind: timedelta, active: set[int]) -> int:
    count = 0
    for consultation in db.session.scalars(select(Consultation).where(Consultation.state == ConsultationState.OPEN)):
        proposal = consultation.version.proposal
        values = {"slug": proposal.slug, "consultation_id": consultation.id}
        context = {"title": lambda lang: _title(proposal, lang), "closes_at": consultation.closes_at}
        count += _tell(notifications.CONSULTATION_OPENED, f"consultation:{consultation.id}",
                       notifications.delegates(active),
                       lambda lang: _("Consultation open: %(title)s", title=_title(proposal, lang)),
                       "deliberation.consultation", values, member="", **context)
        if now < consultation.closes_at <= now + remind:
            answered = set(db.session.scalars(select(ConsultationResponse.member_id)
                                              .where(ConsultationResponse.consultation_id == consultation.id)))
            for user in notifications.delegates(active - answered):
                count += _tell(notifications.CONSULTATION_CLOSING, f"consultation:{consultation.id}", [user],
                               lambda lang: _("Consultation closes soon, not answered yet: %(title)s",
                                              title=_title(proposal, lang)),
                               "deliberation.consultation", values, member=user.member.name,
                               **context)
    return count


def _replies(now: datetime) -> int:
    count = 0
    for reply in db.session.scalars(select(Comment).where(Comment.parent_id.is_not(None), Comment.hidden_at.is_(None),
                                                          Comment.created_at >= now - REPLY_NEWS)):
        parent = db.session.get(Comment, reply.parent_id)
        author = parent.author if parent is not None else None
        if author is None or not author.active or author.id == reply.author_id:
            continue
        proposal = reply.proposal
        count += _tell(notifications.COMMENT_REPLY, f"comment:{reply.id}", [author],
                       lambda lang: _("A reply to your comment: %(title)s", title=_title(proposal, lang)),
                       "deliberation.comments", {"slug": proposal.slug, "_anchor": f"comment-{reply.id}"},
                       title=lambda lang: _title(proposal, lang),
                       replier=reply.author.display_name if reply.author else "")
    return count


def _amendments(active: set[int]) -> int:
    count = 0
    for amendment in db.session.scalars(select(Amendment).where(Amendment.state == AmendmentState.PROPOSED)):
        proposal = amendment.proposal
        count += _tell(notifications.AMENDMENT_SECONDER, f"amendment:{amendment.id}",
                       notifications.delegates(active - {amendment.member_id}),
                       lambda lang: _("Amendment %(number)d needs a seconder: %(title)s", number=amendment.number,
                                      title=_title(proposal, lang)),
                       "deliberation.amendment", {"slug": proposal.slug, "number": amendment.number},
                       title=lambda lang: _title(proposal, lang), number=amendment.number,
                       proposer=amendment.member.name)
    return count


def queue_due(now: datetime, remind: timedelta) -> int:
    """Inside `notifications.queue_due`'s write transaction: tell what is due; returns how many."""
    active = set(db.session.scalars(select(Member.id).where(Member.active)))
    return _consultations(now, remind, active) + _replies(now) + _amendments(active)
