"""Notifications about consultations, found by `lipvote mail` at each round like those about
motions (app/mail/notifications.py), with the same choices and one-click unsubscribe:

- `consultation_opened`: a consultation is open, to the delegates of every active member;
- `consultation_closing`: it closes within `LIPVOTE_REMINDER_HOURS`, to the delegates of the
  active members that have not answered.

Each person is told once per consultation and kind: the in-app `Notification` row (its `ref`
names the consultation) is the record, so nothing here touches the deliberation services.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.deliberation.consultation_models import Consultation, ConsultationResponse, ConsultationState
from app.extensions import db
from app.mail import notifications
from app.mail.models import Notification
from app.mail.outbox import queue_to
from app.models import Member, User


def _title(consultation: Consultation, lang: str) -> str:
    proposal = consultation.version.proposal
    return proposal.title_fr if lang == "fr" else proposal.title_en


def _line(kind: str, consultation: Consultation, lang: str) -> str:
    title = _title(consultation, lang)
    if kind == notifications.CONSULTATION_OPENED:
        return _("Consultation open: %(title)s", title=title)
    return _("Consultation closes soon, not answered yet: %(title)s", title=title)


def _told(kind: str, ref: str) -> set[int]:
    return set(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind, Notification.ref == ref)))


def _tell(kind: str, consultation: Consultation, member_ids: set[int]) -> int:
    ref = f"consultation:{consultation.id}"
    told = _told(kind, ref)
    values = {"slug": consultation.version.proposal.slug, "consultation_id": consultation.id}
    count = 0
    for user in notifications.delegates(member_ids):
        if user.id in told:
            continue
        texts = {}
        for lang in ("en", "fr"):
            with force_locale(lang):
                texts[lang] = _line(kind, consultation, lang)[:500]
        db.session.add(Notification(user_id=user.id, kind=kind, ref=ref, text_en=texts["en"], text_fr=texts["fr"],
                                    path=url_for("deliberation.consultation", **values)))
        count += 1
        if notifications.mail_enabled() and kind not in notifications.opted_out(user.id):
            _queue(kind, consultation, user, values)
    return count


def _queue(kind: str, consultation: Consultation, user: User, values: dict[str, object]) -> None:
    link = notifications.link_to("deliberation.consultation", **values)
    queue_to(user, kind, kind, lambda: _line(kind, consultation, user.locale),
             unsubscribe_url=notifications.link_to("mail.unsubscribe",
                                                   token=notifications.unsubscribe_token(user.id, kind)),
             title=_title(consultation, user.locale), closes_at=consultation.closes_at, link=link,
             member=user.member.name(user.locale) if user.member else "",
             kind_label=notifications.KINDS[kind], preferences=notifications.link_to("auth.account"))


def queue_due(now: datetime, remind: timedelta) -> int:
    """Inside `notifications.queue_due`'s write transaction: tell what is due; returns how many."""
    active = set(db.session.scalars(select(Member.id).where(Member.active)))
    count = 0
    for consultation in db.session.scalars(select(Consultation).where(Consultation.state == ConsultationState.OPEN)):
        count += _tell(notifications.CONSULTATION_OPENED, consultation, active)
        if now < consultation.closes_at <= now + remind:
            answered = set(db.session.scalars(select(ConsultationResponse.member_id)
                                              .where(ConsultationResponse.consultation_id == consultation.id)))
            count += _tell(notifications.CONSULTATION_CLOSING, consultation, active - answered)
    return count
