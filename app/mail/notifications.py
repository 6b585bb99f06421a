"""Notifications about motions, found by `lipvote mail` at each round and queued once each:

- `motion_opened`: a motion is open (what, the closing time, the member's weight, a link);
- `motion_closing`: it closes within `LIPVOTE_REMINDER_HOURS` and the member has not voted;
- `motion_certified`: its result is certified (within the last day), with a link to it;
- `proxy_granted`: another member gave its vote on an open motion to the person's member.

They go to the active delegates (primary and alternate, who have accepted their invitation)
of each member eligible in the motion's leaf 0, in each person's language, unless the person
turned that kind off. `notification_sent` holds who was told what, so nothing goes twice; looking
for them from the worker, rather than in the motion's own transaction, keeps the motion
services (and their lock) untouched and works for openings and closings done by the schedule.
Every message carries a one-click unsubscribe link for its kind (RFC 8058).

Each notice is also written as a `Notification` row (the notifications page and the header
count) in the same transaction, whatever the person's e-mail choices and whether or not mail is
set up; e-mail is queued only when mail is set up and LIPVOTE_BASE_URL names the site.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit
from typing import Iterable

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from app.database import write_transaction
from app.extensions import db
from app.mail.models import MailOptOut, Notification, NotificationSent
from app.mail.outbox import queue_to
from app.mail.settings import configured
from app.models import DelegateRank, Member, Role, User, utcnow
from app.motions.models import Ballot, Motion, MotionState, Proxy
from app.results.view import Labels, headline

OPENED, CLOSING, CERTIFIED, PROXY = "motion_opened", "motion_closing", "motion_certified", "proxy_granted"
CONSULTATION_OPENED, CONSULTATION_CLOSING = "consultation_opened", "consultation_closing"
COMMENT_REPLY, AMENDMENT_SECONDER = "comment_reply", "amendment_seconder"
KINDS = {
    OPENED: _l("A motion opened for voting"),
    CLOSING: _l("A motion closes soon and your member has not voted"),
    CERTIFIED: _l("A result was certified"),
    PROXY: _l("Another member gives its vote to your member"),
    CONSULTATION_OPENED: _l("A consultation opened"),
    CONSULTATION_CLOSING: _l("A consultation closes soon and your member has not answered"),
    COMMENT_REPLY: _l("Someone replies to your comment"),
    AMENDMENT_SECONDER: _l("Another member’s amendment needs a seconder"),
}
DEADLINE_EVENT = timedelta(minutes=15)  # the calendar event: the last quarter hour before the close
CERTIFIED_NEWS = timedelta(days=1)  # older certifications are not news (e.g. when mail is first set up)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lipvote-unsubscribe")


def unsubscribe_token(user_id: int, kind: str) -> str:
    return _serializer().dumps([user_id, kind])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        user_id, kind = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return (user_id, kind) if isinstance(user_id, int) and kind in KINDS else None


def link_to(endpoint: str, **values: object) -> str:
    return current_app.config["LIPVOTE_BASE_URL"] + url_for(endpoint, **values)


def opted_out(user_id: int) -> set[str]:
    return set(db.session.scalars(select(MailOptOut.kind).where(MailOptOut.user_id == user_id)))


def set_choices(user_id: int, wanted: Iterable[str]) -> None:
    """Inside the caller's write transaction: e-mail the kinds in `wanted`, not the others."""
    wanted = set(wanted)
    for kind in KINDS:
        row = db.session.get(MailOptOut, (user_id, kind))
        if kind in wanted and row is not None:
            db.session.delete(row)
        elif kind not in wanted and row is None:
            db.session.add(MailOptOut(user_id=user_id, kind=kind))


def delegates(member_ids: Iterable[int]) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.member_id.in_(list(member_ids)), User.role == Role.DELEGATE, User.active, User.password_hash.is_not(None))
        .order_by(User.id)))


def _told(kind: str, motion_id: int) -> set[int]:
    return set(db.session.scalars(select(NotificationSent.user_id)
                                  .where(NotificationSent.kind == kind, NotificationSent.motion_id == motion_id)))


def _eligible_members(motion: Motion) -> dict[int, tuple[Member, int]]:
    opening = motion.opening
    if opening is None:
        return {}
    weights = opening.weights
    members = db.session.scalars(select(Member).where(Member.slug.in_(list(weights))))
    return {member.id: (member, weights[member.slug]) for member in members}


def _notify(kind: str, motion: Motion, eligible: dict[int, tuple[Member, int]], member_ids: Iterable[int],
            once_as: str | None = None, grantor: Member | None = None) -> int:
    """Tell the delegates of `member_ids` not told yet about `kind` (as `once_as`, when one motion
    may bring several such events: a proxy from each grantor): in lipvote always, by e-mail unless
    they turned it off. Returns how many people were told."""
    told = _told(once_as or kind, motion.id)
    count = 0
    for user in delegates(member_ids):
        if user.id in told:
            continue
        db.session.add(NotificationSent(kind=once_as or kind, motion_id=motion.id, user_id=user.id))
        _record(kind, motion, user)
        count += 1
        if mail_enabled() and kind not in opted_out(user.id):
            member, weight = eligible[user.member_id]
            _queue(kind, motion, user, member, weight, grantor)
    return count


def mail_enabled() -> bool:
    return configured() and bool(current_app.config["LIPVOTE_BASE_URL"])


def _subject(kind: str, motion: Motion, lang: str) -> str:
    """The notice in one line, in the current locale (the e-mail's subject, the page's line)."""
    title = motion.title_fr if lang == "fr" else motion.title_en
    if kind == OPENED:
        return _("Open for voting: %(title)s", title=title)
    if kind == CLOSING:
        return _("Closes soon, not voted yet: %(title)s", title=title)
    if kind == CERTIFIED:
        return _("Result certified: %(title)s", title=title)
    return _("A vote given to your member: %(title)s", title=title)


def _endpoint(kind: str, motion: Motion) -> tuple[str, dict[str, object]]:
    return ("results.motion" if kind == CERTIFIED else "motions.vote"), {"motion_id": motion.id}


def _record(kind: str, motion: Motion, user: User) -> None:
    """The in-app notice, its line in both languages (it follows the language the site is read in)."""
    texts = {}
    for lang in ("en", "fr"):
        with force_locale(lang):
            texts[lang] = _subject(kind, motion, lang)
    endpoint, values = _endpoint(kind, motion)
    db.session.add(Notification(user_id=user.id, kind=kind, text_en=texts["en"][:500], text_fr=texts["fr"][:500],
                                path=url_for(endpoint, **values)))


def outcome_words(motion: Motion) -> str | None:
    """The certified outcome in the results page's own words (its headline), current locale."""
    return headline(motion.result, Labels(motion)) if motion.result else None


def _queue(kind: str, motion: Motion, user: User, member: Member, weight: int, grantor: Member | None) -> None:
    title = motion.title_fr if user.locale == "fr" else motion.title_en
    endpoint, values = _endpoint(kind, motion)
    link = link_to(endpoint, **values)
    calendar = (lambda: deadline_calendar(motion, title, link)) if kind != CERTIFIED and motion.closes_at else None
    queue_to(user, kind, kind, lambda: _subject(kind, motion, user.locale), calendar=calendar,
             unsubscribe_url=link_to("mail.unsubscribe", token=unsubscribe_token(user.id, kind)),
             title=title, member=member.name(user.locale), weight=weight, closes_at=motion.closes_at,
             link=link, rank=user.delegate_rank or DelegateRank.PRIMARY, kind_label=KINDS[kind],
             preferences=link_to("auth.account"), grantor=grantor.name(user.locale) if grantor else None,
             outcome=(lambda: outcome_words(motion)) if kind == CERTIFIED else None)


def deadline_calendar(motion: Motion, title: str, link: str) -> str:
    """The motion's closing time as an iCalendar event (RFC 5545), in the reader's language."""
    assert motion.closes_at is not None
    calendar = Calendar()
    calendar.add("prodid", "-//lipvote//motion deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    host = urlsplit(current_app.config["LIPVOTE_BASE_URL"]).hostname or "lipvote.local"
    event.add("uid", f"motion-{motion.id}-closes@{host}")
    event.add("dtstamp", utcnow())
    event.add("dtstart", motion.closes_at - DEADLINE_EVENT)
    event.add("dtend", motion.closes_at)
    event.add("summary", _("Voting closes: %(title)s", title=title))
    event.add("description", _("Vote here: %(link)s", link=link))
    event.add("url", link)
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def _voted(motion_id: int) -> set[int]:
    return set(db.session.scalars(select(Ballot.member_id).where(Ballot.motion_id == motion_id, Ballot.counted)))


def queue_due(now: datetime | None = None) -> int:
    """Queue every notification that is due (one write transaction); returns how many."""
    now = now or utcnow()
    remind = timedelta(hours=current_app.config["LIPVOTE_REMINDER_HOURS"])
    count = 0
    with write_transaction():
        for motion in db.session.scalars(select(Motion).where(Motion.state == MotionState.OPEN)):
            eligible = _eligible_members(motion)
            count += _notify(OPENED, motion, eligible, eligible)
            if motion.closes_at is not None and now < motion.closes_at <= now + remind:
                count += _notify(CLOSING, motion, eligible, set(eligible) - _voted(motion.id))
            for proxy in db.session.scalars(select(Proxy).where(Proxy.motion_id == motion.id, Proxy.revoked_at.is_(None),
                                                                Proxy.used_at.is_(None))):
                if proxy.holder_id in eligible:
                    count += _notify(PROXY, motion, eligible, [proxy.holder_id], once_as=f"proxy:{proxy.id}",
                                     grantor=proxy.grantor)
        for motion in db.session.scalars(select(Motion).where(Motion.state == MotionState.CERTIFIED,
                                                               Motion.certified_at >= now - CERTIFIED_NEWS)):
            eligible = _eligible_members(motion)
            count += _notify(CERTIFIED, motion, eligible, eligible)
        from app.mail import deliberation_notices  # it builds on this module

        count += deliberation_notices.queue_due(now, remind)
    return count
