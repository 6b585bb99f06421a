"""Proposals: official bilingual texts, their versions and the clauses of each version.

A `Proposal` is the document (its public slug, its titles, its state). Its text lives only in
`ProposalVersion` rows, numbered 1..n and never edited once written: every change is a new
version. A version's text is its ordered `Clause` rows, each with a stable identifier ("1",
"2.a", "purpose") that stays the same from version to version, so a diff, a comment or an
amendment can name a clause across versions. `ProposalVersion.content_hash` is the SHA-256 of
the canonical JSON of the clauses (docs/deliberation.md, app/deliberation/text.py).

Later steps reference these tables: a consultation is on a `proposal_version.id`; a comment is
on a `proposal.id` and optionally a clause identifier (`clause.key`, stable across versions); an
amendment is on a `proposal_version.id` and names the clause keys it inserts, deletes or
replaces. The decision columns on `Proposal` are filled by `service.adopt_from_motion`.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import User, UTCDateTime, utcnow, value_enum


class ProposalState(str, enum.Enum):
    DRAFT = "draft"
    CONSULTATION = "consultation"
    READY = "ready"  # ready for decision
    ADOPTED = "adopted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Proposal(db.Model):
    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title_en: Mapped[str] = mapped_column(String(200))
    title_fr: Mapped[str] = mapped_column(String(200))
    state: Mapped[ProposalState] = mapped_column(value_enum(ProposalState, 12), default=ProposalState.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a certified motion decides the proposal (adopted or rejected): which motion, on
    # which version number (the motion's opening leaf carries that version's content hash).
    decided_by_motion_id: Mapped[int | None] = mapped_column(ForeignKey("motion.id", ondelete="RESTRICT"))
    decided_version_number: Mapped[int | None] = mapped_column(Integer)
    # Set when a chair puts the proposal to a vote: the motion, and the version number it names.
    vote_motion_id: Mapped[int | None] = mapped_column(ForeignKey("motion.id", ondelete="SET NULL",
                                                                  name="fk_proposal_vote_motion"))
    vote_version_number: Mapped[int | None] = mapped_column(Integer)

    created_by: Mapped[User | None] = relationship()
    versions: Mapped[list[ProposalVersion]] = relationship(
        back_populates="proposal", order_by="ProposalVersion.number", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("(decided_by_motion_id IS NULL) = (decided_version_number IS NULL)",
                        name="proposal_decision_pair"),
        CheckConstraint("(state IN ('adopted', 'rejected')) = (decided_by_motion_id IS NOT NULL)",
                        name="proposal_decided_by_motion"),
    )

    def title(self, locale: str) -> str:
        return (self.title_fr or self.title_en) if locale == "fr" else (self.title_en or self.title_fr)

    @property
    def latest(self) -> ProposalVersion:
        return self.versions[-1]

    def version(self, number: int) -> ProposalVersion | None:
        return db.session.scalar(select(ProposalVersion).where(
            ProposalVersion.proposal_id == self.id, ProposalVersion.number == number))


class ProposalVersion(db.Model):
    __tablename__ = "proposal_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    change_note_en: Mapped[str] = mapped_column(Text, default="")
    change_note_fr: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))  # lowercase hex SHA-256

    proposal: Mapped[Proposal] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship()
    clauses: Mapped[list[Clause]] = relationship(
        back_populates="version", order_by="Clause.position", cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("proposal_id", "number", name="uq_proposal_version_number"),
        CheckConstraint("number >= 1", name="proposal_version_number"),
    )

    def change_note(self, locale: str) -> str:
        return (self.change_note_fr or self.change_note_en) if locale == "fr" else (
            self.change_note_en or self.change_note_fr)

    def clause(self, key: str) -> Clause | None:
        return next((c for c in self.clauses if c.key == key), None)


class Clause(db.Model):
    """One clause of one version. `key` is the stable identifier; `position` its order (0..n-1).

    `en_revised_in` / `fr_revised_in` are the version numbers in which that language's heading or
    text last changed, so a page can mark a translation that is older than the other language.
    """

    __tablename__ = "clause"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("proposal_version.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    heading_en: Mapped[str] = mapped_column(String(300), default="")
    heading_fr: Mapped[str] = mapped_column(String(300), default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    text_fr: Mapped[str] = mapped_column(Text, default="")
    en_revised_in: Mapped[int] = mapped_column(Integer)
    fr_revised_in: Mapped[int] = mapped_column(Integer)

    version: Mapped[ProposalVersion] = relationship(back_populates="clauses")

    __table_args__ = (
        UniqueConstraint("version_id", "key", name="uq_clause_key"),
        UniqueConstraint("version_id", "position", name="uq_clause_position"),
        CheckConstraint("position >= 0", name="clause_position"),
    )

    def heading(self, lang: str) -> str:
        return self.heading_fr if lang == "fr" else self.heading_en

    def text(self, lang: str) -> str:
        return self.text_fr if lang == "fr" else self.text_en

    def revised_in(self, lang: str) -> int:
        return self.fr_revised_in if lang == "fr" else self.en_revised_in

    def missing(self, lang: str) -> bool:
        """The other language has a heading or a text that this one lacks (not yet translated)."""
        other = "en" if lang == "fr" else "fr"
        return bool((self.text(other) and not self.text(lang)) or (self.heading(other) and not self.heading(lang)))

    def older(self, lang: str) -> bool:
        """This language's text predates a later change of the other language's."""
        other = "en" if lang == "fr" else "fr"
        return not self.missing(lang) and self.revised_in(lang) < self.revised_in(other)
