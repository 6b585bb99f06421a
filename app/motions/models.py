"""Motions, their transparency logs, ballots and proxies.

A `TransparencyLog` is an append-only list of canonical leaves with signed checkpoints: one per
motion and one for the audit trail. Only the frontier (the right edge of the Merkle tree) is
kept on the log row, so an append needs no other leaf; the leaves and every checkpoint are
kept for receipts, proofs and bundles.
"""

from __future__ import annotations

import enum
import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.motions.opening import Opening, parse_opening
from app.models import Member, User, UTCDateTime, utcnow, value_enum


class LogKind(str, enum.Enum):
    MOTION = "motion"
    AUDIT = "audit"


class TransparencyLog(db.Model):
    __tablename__ = "transparency_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[LogKind] = mapped_column(value_enum(LogKind, 6))
    size: Mapped[int] = mapped_column(Integer, default=0)
    frontier_json: Mapped[str] = mapped_column(Text, default="[]")
    verifier_key: Mapped[str] = mapped_column(Text)  # the vkey that signs this log's first checkpoint
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def frontier_hex(self) -> list[str]:
        value = json.loads(self.frontier_json)
        return list(value)


class LogLeaf(db.Model):
    __tablename__ = "log_leaf"

    log_id: Mapped[int] = mapped_column(ForeignKey("transparency_log.id", ondelete="RESTRICT"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    leaf: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    tracking_code: Mapped[str] = mapped_column(String(19), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LogCheckpoint(db.Model):
    __tablename__ = "log_checkpoint"

    log_id: Mapped[int] = mapped_column(ForeignKey("transparency_log.id", ondelete="RESTRICT"), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Meeting(db.Model):
    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_en: Mapped[str] = mapped_column(String(200))
    title_fr: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    motions: Mapped[list[Motion]] = relationship(back_populates="meeting", order_by="Motion.agenda_order")

    def title(self, locale: str) -> str:
        return self.title_fr if locale == "fr" else self.title_en


class MotionState(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    CERTIFIED = "certified"


class Motion(db.Model):
    __tablename__ = "motion"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"))
    agenda_order: Mapped[int] = mapped_column(Integer, default=0)
    title_en: Mapped[str] = mapped_column(String(300))
    title_fr: Mapped[str] = mapped_column(String(300))
    text_en: Mapped[str] = mapped_column(Text, default="")
    text_fr: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[str] = mapped_column(String(20))
    seats: Mapped[int] = mapped_column(Integer, default=1)
    options_json: Mapped[str] = mapped_column(Text)  # [{"id", "en", "fr"}, ...] in display order
    rules_json: Mapped[str] = mapped_column(Text)  # the voting rules without the "eligible" block
    weight_policy_json: Mapped[str] = mapped_column(Text)
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    revote: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[MotionState] = mapped_column(value_enum(MotionState, 9), default=MotionState.DRAFT)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the scheduled opening was refused (the schedule is then cleared); None once edited.
    schedule_failure: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    log_id: Mapped[int | None] = mapped_column(ForeignKey("transparency_log.id", ondelete="RESTRICT"), unique=True)
    open_leaf_json: Mapped[str | None] = mapped_column(Text)  # leaf 0 as committed (rules, weights)
    result_json: Mapped[str | None] = mapped_column(Text)  # voting Result.as_dict() at close
    # The tie-break secret leaf 0 commits to (64 hex digits), from opening until the close leaf
    # reveals it; never shown before (docs/bulletin-board.md §2.7). None otherwise.
    seed_secret: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting | None] = relationship(back_populates="motions")
    log: Mapped[TransparencyLog | None] = relationship()

    __table_args__ = (
        CheckConstraint("seats >= 1", name="motion_seats"),
        CheckConstraint("(state = 'draft') = (log_id IS NULL)", name="motion_log_after_open"),
    )

    def title(self, locale: str) -> str:
        return self.title_fr if locale == "fr" else self.title_en

    def text(self, locale: str) -> str:
        return self.text_fr if locale == "fr" else self.text_en

    @property
    def options(self) -> list[dict[str, str]]:
        return list(json.loads(self.options_json))

    @property
    def option_ids(self) -> list[str]:
        return [o["id"] for o in self.options]

    def option_label(self, option_id: str, locale: str) -> str:
        for option in self.options:
            if option["id"] == option_id:
                return option["fr" if locale == "fr" else "en"] or option["en"]
        return option_id

    @property
    def rules(self) -> dict[str, Any]:
        return dict(json.loads(self.rules_json))

    @property
    def weight_policy(self) -> dict[str, Any]:
        return dict(json.loads(self.weight_policy_json))

    @property
    def result(self) -> dict[str, Any] | None:
        return json.loads(self.result_json) if self.result_json else None

    @property
    def opening(self) -> Opening | None:
        """Leaf 0 as committed, parsed (None until the motion is opened)."""
        return parse_opening(self.open_leaf_json) if self.open_leaf_json else None

    @property
    def public_id(self) -> str:
        """The motion id written into its leaves."""
        return f"motion-{self.id}"


class Ballot(db.Model):
    """A ballot as stored by the server. `counted` is false once a later ballot supersedes it.

    The server knows which member cast each ballot even when the motion is secret: it must,
    to count one ballot per member. Secret ballots leave the member out of the published leaf.
    """

    __tablename__ = "ballot"

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motion.id", ondelete="RESTRICT"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"))
    leaf_index: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer)
    cast_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    proxy_id: Mapped[int | None] = mapped_column(ForeignKey("proxy.id", ondelete="SET NULL"))
    counted: Mapped[bool] = mapped_column(Boolean, default=True)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    motion: Mapped[Motion] = relationship()
    member: Mapped[Member] = relationship()
    cast_by: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("motion_id", "leaf_index", name="uq_ballot_leaf"),
        Index("uq_one_counted_ballot", "motion_id", "member_id", unique=True,
              sqlite_where=text("counted"), postgresql_where=text("counted")),
        CheckConstraint("weight > 0", name="ballot_weight"),
    )


class Proxy(db.Model):
    """Member `grantor` lets the delegates of member `holder` cast its ballot on one motion."""

    __tablename__ = "proxy"

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motion.id", ondelete="RESTRICT"))
    grantor_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    motion: Mapped[Motion] = relationship()
    grantor: Mapped[Member] = relationship(foreign_keys=[grantor_id])
    holder: Mapped[Member] = relationship(foreign_keys=[holder_id])

    __table_args__ = (
        CheckConstraint("grantor_id != holder_id", name="proxy_not_self"),
        Index("uq_one_live_proxy", "motion_id", "grantor_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    @property
    def live(self) -> bool:
        return self.revoked_at is None


class LogCosignature(db.Model):
    """A witness's cosignature (C2SP tlog-cosignature) of one signed checkpoint (app/witnesses.py)."""

    __tablename__ = "log_cosignature"
    __table_args__ = (UniqueConstraint("log_id", "size", "witness_key", name="uq_log_cosignature"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("transparency_log.id", ondelete="RESTRICT"), index=True)
    size: Mapped[int] = mapped_column(Integer)
    witness_key: Mapped[str] = mapped_column(String(1000))  # the witness's vkey (type 0x04)
    line: Mapped[str] = mapped_column(Text)  # the signature line, as appended to the checkpoint note
    cosigned_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the cosignature's own timestamp
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
