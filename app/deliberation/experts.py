"""Temporary subject-matter experts: a chair invites an `expert` account onto ONE proposal until
an expiry time. Until then the expert reads that proposal and comments on it (marked as a
subject-matter expert, on behalf of no member); never anything else. Every grant and every early
end is in the signed audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.action_log import record_action
from app.deliberation.models import Proposal
from app.extensions import db
from app.models import Role, User, UTCDateTime, utcnow


class ProposalExpert(db.Model):
    """One invitation of one expert account onto one proposal, until `expires_at` (or `ended_at`)."""

    __tablename__ = "proposal_expert"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposal: Mapped[Proposal] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def active_at(self, now: datetime) -> bool:
        return self.ended_at is None and now < self.expires_at


class ExpertError(Exception):
    def __init__(self, message: Any, status: int = 409) -> None:
        super().__init__(str(message))
        self.message = message
        self.status = status


def is_expert(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", None) is Role.EXPERT


def active_grant(user: Any, proposal: Proposal, now: datetime | None = None) -> ProposalExpert | None:
    if not is_expert(user):
        return None
    now = now or utcnow()
    query = select(ProposalExpert).where(ProposalExpert.user_id == user.id, ProposalExpert.proposal_id == proposal.id,
                                         ProposalExpert.ended_at.is_(None), ProposalExpert.expires_at > now)
    return db.session.scalars(query).first()


def proposals_of(user: Any, now: datetime | None = None) -> list[ProposalExpert]:
    """The expert's invitations still running, soonest expiry first."""
    now = now or utcnow()
    query = (select(ProposalExpert).where(ProposalExpert.user_id == user.id, ProposalExpert.ended_at.is_(None),
                                          ProposalExpert.expires_at > now).order_by(ProposalExpert.expires_at))
    return list(db.session.scalars(query))


def grants_on(proposal: Proposal) -> list[ProposalExpert]:
    query = select(ProposalExpert).where(ProposalExpert.proposal_id == proposal.id).order_by(ProposalExpert.id)
    return list(db.session.scalars(query))


def _target(grant: ProposalExpert) -> str:
    return f"proposal:{grant.proposal.slug}/expert:{grant.id}"


def invite(proposal: Proposal, expert: User, expires_at: datetime, chair: User) -> ProposalExpert:
    """Call inside a write transaction."""
    if expert.role is not Role.EXPERT or not expert.active:
        raise ExpertError(_l("That account is not an active subject-matter expert account."), 422)
    if expires_at <= utcnow():
        raise ExpertError(_l("The end of the invitation must be in the future."), 422)
    if active_grant(expert, proposal) is not None:
        raise ExpertError(_l("This expert is already invited to this proposal."))
    grant = ProposalExpert(proposal=proposal, user=expert, expires_at=expires_at, granted_by_id=chair.id)
    db.session.add(grant)
    db.session.flush()
    record_action("proposal.expert.invite", target=_target(grant), before=None,
                  after={"expert": expert.email, "expires_at": expires_at.isoformat()}, actor=chair)
    return grant


def end(grant: ProposalExpert) -> None:
    """End an invitation early. Call inside a write transaction."""
    if not grant.active_at(utcnow()):
        raise ExpertError(_l("This invitation has already ended."))
    grant.ended_at = utcnow()
    record_action("proposal.expert.end", target=_target(grant),
                  before={"expert": grant.user.email, "expires_at": grant.expires_at.isoformat()},
                  after={"ended_at": grant.ended_at.isoformat()})
