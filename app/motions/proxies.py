"""Giving and revoking a member's proxy on one motion: the rules, in one write transaction each.

The views parse the form and call these; a refusal is the services' one `MotionError`, in the
reader's language. Who may cast with a proxy is the casting service's `check_caster`.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from app.action_log import record_action
from app.database import write_transaction
from app.extensions import db
from app.models import Member, User, utcnow
from app.motions.models import Motion, MotionState, Proxy
from app.motions.service import MotionError, counted_ballot, live_proxy, lock_motion, member_by_slug, member_name
from app.motions.service import refusal_words as _
from app.policy import may_assign_proxy

OPEN_FOR_PROXIES = (MotionState.DRAFT, MotionState.OPEN)


def grantor_for(user: User) -> Member:
    """The member whose proxy `user` gives or revokes: its own, if it may act for it."""
    member = user.member
    if member is None or not may_assign_proxy(user, member):
        raise MotionError(_("Only a delegate of an active member may give its proxy."), 403)
    return member


def grant(motion_id: int, user_id: int, holder_slug: str | None) -> str:
    """Give the user's member's vote on the motion to `holder_slug`; returns the holder's name."""
    with write_transaction():
        motion = lock_motion(motion_id)
        grantor = grantor_for(_user(user_id))
        holder = member_by_slug(holder_slug)
        _check_grant(motion, grantor, holder)
        given = Proxy(motion_id=motion.id, grantor_id=grantor.id, holder_id=holder.id, granted_by_id=user_id,
                      granted_at=utcnow())
        db.session.add(given)
        try:
            db.session.flush()
        except IntegrityError as e:
            raise MotionError(_("Your member has already given its proxy on this motion; revoke it first.")) from e
        record_action("proxy.grant", target=f"motion:{motion.id}", before=None,
                      after={"proxy": given.id, "grantor": grantor.slug, "holder": holder.slug})
        return member_name(holder)


def _check_grant(motion: Motion, grantor: Member, holder: Member) -> None:
    if motion.state not in OPEN_FOR_PROXIES:
        raise MotionError(_("A proxy can only be given before the motion opens or while it is open."))
    if holder.id == grantor.id or not holder.active:
        raise MotionError(_("Choose another active member."), 422)
    if live_proxy(motion, grantor) is not None:
        raise MotionError(_("Your member has already given its proxy on this motion; revoke it first."))
    if live_proxy(motion, holder) is not None:
        raise MotionError(_("%(holder)s has given its own vote on this motion to a proxy, so it cannot hold yours.",
                            holder=member_name(holder)))
    if counted_ballot(motion, grantor) is not None:
        raise MotionError(_("Your member has already voted on this motion."))


def revoke(motion_id: int, user_id: int) -> None:
    """Take back the user's member's unused proxy on the motion."""
    with write_transaction():
        motion = lock_motion(motion_id)
        grantor = grantor_for(_user(user_id))
        given = live_proxy(motion, grantor)
        if given is None:
            raise MotionError(_("Your member has no proxy to revoke on this motion."))
        if given.used_at is not None:
            raise MotionError(_("The proxy has already been used to cast your member's ballot; it can no longer be revoked."))
        if motion.state not in OPEN_FOR_PROXIES:
            raise MotionError(_("This motion is closed."))
        given.revoked_at = utcnow()
        record_action("proxy.revoke", target=f"motion:{motion.id}", before={"proxy": given.id, "holder": given.holder.slug},
                      after={"proxy": given.id, "revoked": True})


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise MotionError(_("Only a delegate of an active member may give its proxy."), 403)
    return user
