"""Consultations (non-binding): members say what they think of one version of a proposal.

A `Consultation` is on one `proposal_version` (at most one per version), opens and closes at set
times (a chair may open or close it earlier), is confidential or not, and names the weight policy
its results are counted under. A `ConsultationResponse` is one member's answer (at most one per
member, a unique constraint); a delegate of the member may change it until the close, and each
change raises its `revision`, which the form sends back so a stale form cannot overwrite a newer
answer (docs/deliberation.md).
"""

from __future__ import annotations

import enum
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.deliberation.models import ProposalVersion
from app.extensions import db
from app.models import Member, User, UTCDateTime, utcnow, value_enum

MAX_COMMENT = 2000  # characters


class ConsultationState(str, enum.Enum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


class Choice(str, enum.Enum):
    SUPPORT = "support"
    SUPPORT_CHANGES = "support_changes"
    OPPOSE = "oppose"
    ABSTAIN = "abstain"


class Consultation(db.Model):
    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("proposal_version.id", ondelete="RESTRICT"), unique=True)
    state: Mapped[ConsultationState] = mapped_column(value_enum(ConsultationState, 9))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    weight_policy_json: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[ProposalVersion] = relationship()
    created_by: Mapped[User | None] = relationship()
    responses: Mapped[list[ConsultationResponse]] = relationship(
        back_populates="consultation", order_by="ConsultationResponse.id")

    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="consultation_times"),
        CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name="consultation_closed_at"),
    )

    @property
    def weight_policy(self) -> dict[str, Any]:
        return dict(json.loads(self.weight_policy_json))

    def is_open_at(self, now: datetime) -> bool:
        """Open for answers: opened, and its closing time not yet reached (even before the
        schedule has written the close)."""
        return self.state is ConsultationState.OPEN and now < self.closes_at


class ConsultationResponse(db.Model):
    __tablename__ = "consultation_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"))
    choice: Mapped[Choice] = mapped_column(value_enum(Choice, 15))
    comment: Mapped[str] = mapped_column(Text, default="")
    # The language of the page the comment was written on: shown as written, marked with it.
    comment_lang: Mapped[str] = mapped_column(String(2), default="en")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation: Mapped[Consultation] = relationship(back_populates="responses")
    member: Mapped[Member] = relationship()
    answered_by: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("consultation_id", "member_id", name="uq_consultation_member"),
        CheckConstraint("revision >= 1", name="consultation_response_revision"),
        CheckConstraint(f"length(comment) <= {MAX_COMMENT}", name="consultation_response_comment"),
    )
