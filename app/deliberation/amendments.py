"""Amendments: a concrete change to clauses of one version, seconded, put to a yes/no motion.

An `Amendment` is proposed by a delegate on behalf of its member against the latest version of
a proposal. Its content is a list of `AmendmentChange` rows, each inserting, deleting or
replacing one clause (both languages together). The proposer edits the whole text; the changes
are what differs from the base version (`derive_changes`), and `apply_changes` turns the base
version plus the changes back into a full text.

A sub-amendment amends a pending amendment: it proposes a new list of changes for it (against
the same base version). When it carries, the amendment's changes become the sub-amendment's;
the amendment is then voted on as amended. Order of business (Bourinot): at most one amendment
and one sub-amendment pending on a proposal, no third degree, and votes go sub-amendment,
then amendment, then the main motion (which the base text's freeze enforces: `pending`).

Life: proposed -> seconded (by a delegate of another member) -> put to a vote (a draft yes/no
`Motion` the chair then opens through the ordinary motion pages) -> carried or lost when that
motion is certified (`motion_certified`, called by `app.motions.service.certify_motion`).
A carried amendment makes the next version automatically. Proposed or seconded amendments may
be withdrawn. Every state change is recorded in the signed audit trail.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.action_log import record_action
from app.deliberation import service
from app.deliberation.decisions import draft_yes_no_motion
from app.deliberation.models import Proposal, ProposalState, ProposalVersion
from app.deliberation.text import ClauseText, content_hash
from app.extensions import db
from app.models import Member, User, UTCDateTime, utcnow, value_enum
from app.motions.models import Motion, MotionState
from app.policy import Permission, allows, may_propose_amendment
from app.refusal import Refusal

MAX_EXPLANATION = 2000
OPEN_PROPOSAL_STATES = frozenset({ProposalState.DRAFT, ProposalState.CONSULTATION, ProposalState.READY})


class AmendmentState(str, enum.Enum):
    PROPOSED = "proposed"
    SECONDED = "seconded"
    CARRIED = "carried"
    LOST = "lost"
    WITHDRAWN = "withdrawn"


PENDING_STATES = (AmendmentState.PROPOSED, AmendmentState.SECONDED)


class ChangeKind(str, enum.Enum):
    INSERT = "insert"
    DELETE = "delete"
    REPLACE = "replace"


class Amendment(db.Model):
    __tablename__ = "amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the proposal
    version_id: Mapped[int] = mapped_column(ForeignKey("proposal_version.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id", ondelete="CASCADE"))
    state: Mapped[AmendmentState] = mapped_column(value_enum(AmendmentState, 9), default=AmendmentState.PROPOSED)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    seconder_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"))
    seconded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    seconded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    needs_translation: Mapped[bool] = mapped_column(Boolean, default=False)
    explanation_en: Mapped[str] = mapped_column(Text, default="")
    explanation_fr: Mapped[str] = mapped_column(Text, default="")
    # The draft yes/no motion it was put to; cleared if the chair deletes that draft.
    motion_id: Mapped[int | None] = mapped_column(ForeignKey("motion.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_version_number: Mapped[int | None] = mapped_column(Integer)  # the version a carried amendment made

    proposal: Mapped[Proposal] = relationship()
    version: Mapped[ProposalVersion] = relationship()
    parent: Mapped[Amendment | None] = relationship(remote_side="Amendment.id")
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    seconder_member: Mapped[Member | None] = relationship(foreign_keys=[seconder_member_id])
    motion: Mapped[Motion | None] = relationship()
    changes: Mapped[list[AmendmentChange]] = relationship(
        back_populates="amendment", order_by="AmendmentChange.position", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("proposal_id", "number", name="uq_amendment_number"),)

    @property
    def pending(self) -> bool:
        return self.state in PENDING_STATES

    @property
    def at_vote(self) -> bool:
        return self.state is AmendmentState.SECONDED and self.motion_id is not None

    @property
    def is_sub(self) -> bool:
        return self.parent_id is not None

    def explanation(self, lang: str) -> str:
        return (self.explanation_fr or self.explanation_en) if lang == "fr" else (
            self.explanation_en or self.explanation_fr)

    def explanation_language(self, lang: str) -> str:
        """The language `explanation(lang)` is in (the other one when this one was left empty)."""
        other = "en" if lang == "fr" else "fr"
        return lang if (self.explanation_fr if lang == "fr" else self.explanation_en) else other

    def amended_text(self) -> list[ClauseText]:
        return apply_changes(self.version.clauses, self.changes)


class AmendmentChange(db.Model):
    """One clause inserted (after `after_key`, or first when it is None), deleted or replaced."""

    __tablename__ = "amendment_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendment.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ChangeKind] = mapped_column(value_enum(ChangeKind, 7))
    clause_key: Mapped[str] = mapped_column(String(40))
    after_key: Mapped[str | None] = mapped_column(String(40))
    heading_en: Mapped[str] = mapped_column(String(300), default="")
    heading_fr: Mapped[str] = mapped_column(String(300), default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    text_fr: Mapped[str] = mapped_column(Text, default="")

    amendment: Mapped[Amendment] = relationship(back_populates="changes")

    def as_clause(self) -> ClauseText:
        return ClauseText(self.clause_key, self.heading_en, self.heading_fr, self.text_en, self.text_fr)


class AmendmentError(Refusal):
    """A refused amendment action."""


# --- the changes as plain values -------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    clause: ClauseText
    after_key: str | None = None


def _as_text(clause: Any) -> ClauseText:
    return ClauseText(clause.key, clause.heading("en"), clause.heading("fr"), clause.text("en"), clause.text("fr"))


def derive_changes(base: Sequence[Any], amended: Sequence[ClauseText]) -> list[Change]:
    """What turns `base` into `amended`: deletions, then replacements and insertions in reading
    order. Clauses kept must stay in the same order (moving one is deleting and inserting it
    under a new number)."""
    base_texts = {c.key: _as_text(c) for c in base}
    amended_keys = [c.key for c in amended]
    kept = [k for k in amended_keys if k in base_texts]
    if kept != [c.key for c in base if c.key in set(amended_keys)]:
        raise AmendmentError(_l("An amendment cannot move clauses: keep the clauses in their order, or delete a "
                                "clause and insert it again under a new number."), 422)
    changes = [Change(ChangeKind.DELETE, base_texts[c.key]) for c in base if c.key not in set(amended_keys)]
    previous: str | None = None
    for clause in amended:
        if clause.key not in base_texts:
            changes.append(Change(ChangeKind.INSERT, clause, previous))
        elif clause != base_texts[clause.key]:
            changes.append(Change(ChangeKind.REPLACE, clause))
        previous = clause.key
    return changes


def apply_changes(base: Sequence[Any], changes: Sequence[Any]) -> list[ClauseText]:
    """`base` with `changes` (Change or AmendmentChange rows) applied."""
    text = [_as_text(c) for c in base]
    for change in changes:
        kind, clause = change.kind, change.clause if isinstance(change, Change) else change.as_clause()
        keys = [c.key for c in text]
        if kind is ChangeKind.DELETE:
            text = [c for c in text if c.key != clause.key]
        elif kind is ChangeKind.REPLACE:
            text[keys.index(clause.key)] = clause
        else:
            text.insert(keys.index(change.after_key) + 1 if change.after_key in keys else 0, clause)
    return text


def one_language_only(base: Sequence[Any], changes: Sequence[Change]) -> bool:
    """True when a change leaves one language behind: a new clause without both languages, or a
    clause changed in one language only. Such an amendment needs the drafting committee's
    translation before it can be put to a vote."""
    before = {c.key: _as_text(c) for c in base}
    for change in changes:
        if change.kind is ChangeKind.DELETE:
            continue
        clause = change.clause
        if _lacks_a_language(clause):
            return True
        old = before.get(clause.key)
        if old is not None and (old.language_part("en") != clause.language_part("en")) != (
                old.language_part("fr") != clause.language_part("fr")):
            return True
    return False


def _lacks_a_language(clause: ClauseText) -> bool:
    return bool(clause.text_en) != bool(clause.text_fr) or bool(clause.heading_en) != bool(clause.heading_fr)


def _rows(changes: Sequence[Change]) -> list[AmendmentChange]:
    return [AmendmentChange(position=i, kind=c.kind, clause_key=c.clause.key, after_key=c.after_key,
                            heading_en=c.clause.heading_en, heading_fr=c.clause.heading_fr,
                            text_en=c.clause.text_en, text_fr=c.clause.text_fr)
            for i, c in enumerate(changes)]


def _summary(changes: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"kind": c.kind.value, "clause": c.clause_key if isinstance(c, AmendmentChange) else c.clause.key}
            for c in changes]


# --- reading ---------------------------------------------------------------------------------


def locked_proposal(slug: str) -> Proposal | None:
    """The proposal read afresh and locked until commit (PostgreSQL; SQLite's write transaction
    already excludes other writers), so the pending-amendment checks and the change they allow
    cannot interleave with another delegate's."""
    return db.session.scalar(select(Proposal).where(Proposal.slug == slug).with_for_update()
                             .execution_options(populate_existing=True))


def of_proposal(proposal: Proposal) -> list[Amendment]:
    return list(db.session.scalars(select(Amendment).where(Amendment.proposal_id == proposal.id)
                                   .order_by(Amendment.number)))


def by_number(proposal: Proposal, number: int) -> Amendment | None:
    return db.session.scalar(select(Amendment).where(Amendment.proposal_id == proposal.id,
                                                     Amendment.number == number))


def pending(proposal_id: int, *, sub: bool | None = None) -> list[Amendment]:
    query = select(Amendment).where(Amendment.proposal_id == proposal_id, Amendment.state.in_(PENDING_STATES))
    if sub is not None:
        query = query.where(Amendment.parent_id.is_not(None) if sub else Amendment.parent_id.is_(None))
    return list(db.session.scalars(query.order_by(Amendment.number)))


def pending_on_version(version_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Amendment).where(
        Amendment.version_id == version_id, Amendment.state.in_(PENDING_STATES))) or 0


def _target(amendment: Amendment) -> str:
    return f"proposal:{amendment.proposal.slug}/amendment:{amendment.number}"


# --- state changes (inside the caller's write_transaction) -------------------------------------


def propose(proposal: Proposal, proposer: User, *, base_number: int, clauses: Sequence[ClauseText],
            explanation_en: str = "", explanation_fr: str = "", parent: Amendment | None = None,
            at: datetime | None = None) -> Amendment:
    if proposer.member is None:
        raise AmendmentError(_l("An amendment is proposed on behalf of a member, by its delegate."), 403)
    if proposal.state not in OPEN_PROPOSAL_STATES:
        raise AmendmentError(_l("This proposal is %(state)s: it can no longer be amended.",
                                state=service.state_label(proposal.state)), 409)
    latest = proposal.latest
    if base_number != latest.number:
        raise AmendmentError(_l("You amended version %(base)s, but version %(latest)s is now the latest: open the "
                                "latest version and write your amendment again.",
                                base=base_number, latest=latest.number), 409)
    if parent is None:
        if pending(proposal.id, sub=False):
            raise AmendmentError(_l("An amendment is already pending on this proposal: it must be decided or "
                                    "withdrawn before another one is proposed. You may propose a sub-amendment "
                                    "to it."), 409)
        compared_with: Sequence[Any] = latest.clauses
    else:
        if parent.proposal_id != proposal.id:
            raise AmendmentError(_l("That amendment is not on this proposal."), 404)
        if parent.is_sub:
            raise AmendmentError(_l("A sub-amendment cannot be amended: only one amendment and one sub-amendment "
                                    "may be pending at a time."), 422)
        if parent.state is not AmendmentState.SECONDED or parent.at_vote:
            raise AmendmentError(_l("Only a seconded amendment that is not yet at a vote can be amended."), 409)
        if pending(proposal.id, sub=True):
            raise AmendmentError(_l("A sub-amendment is already pending: it must be decided or withdrawn first."), 409)
        compared_with = parent.amended_text()
    changes = derive_changes(latest.clauses, clauses)
    if not changes or content_hash(clauses) == content_hash(compared_with):
        raise AmendmentError(_l("This changes nothing: make a change to at least one clause."), 422)
    number = (db.session.scalar(select(func.max(Amendment.number)).where(Amendment.proposal_id == proposal.id))
              or 0) + 1
    amendment = Amendment(proposal=proposal, number=number, version=latest, parent=parent,
                          state=AmendmentState.PROPOSED, member_id=proposer.member_id, proposed_by_id=proposer.id,
                          needs_translation=one_language_only(latest.clauses, changes),
                          explanation_en=explanation_en, explanation_fr=explanation_fr, created_at=at or utcnow())
    amendment.changes = _rows(changes)
    db.session.add(amendment)
    db.session.flush()
    record_action("amendment.propose", target=_target(amendment), before=None,
                  after={"state": amendment.state, "version": latest.number, "sub_amendment_of": parent.number
                         if parent else None, "member": proposer.member.slug, "changes": _summary(changes),
                         "amended_text_hash": content_hash(clauses), "needs_translation": amendment.needs_translation},
                  actor=proposer)
    return amendment


def second(amendment: Amendment, seconder: User, at: datetime | None = None) -> None:
    if seconder.member is None:
        raise AmendmentError(_l("An amendment is seconded on behalf of a member, by its delegate."), 403)
    if seconder.member_id == amendment.member_id:
        raise AmendmentError(_l("Another member must second this amendment: a member cannot second its own."), 403)
    if amendment.state is not AmendmentState.PROPOSED:
        raise AmendmentError(_l("Only an amendment waiting for a seconder can be seconded."), 409)
    amendment.state = AmendmentState.SECONDED
    amendment.seconder_member_id = seconder.member_id
    amendment.seconded_by_id = seconder.id
    amendment.seconded_at = at or utcnow()
    record_action("amendment.second", target=_target(amendment), before={"state": AmendmentState.PROPOSED},
                  after={"state": amendment.state, "member": seconder.member.slug}, actor=seconder)


def may_withdraw(user: Any, amendment: Amendment) -> bool:
    """Its proposer's member, or a chair (ruling it out of order), while it is not at a vote."""
    if not amendment.pending or amendment.at_vote:
        return False
    return allows(user, Permission.MANAGE_AMENDMENTS) or (
        may_propose_amendment(user) and user.member_id == amendment.member_id)


def withdraw(amendment: Amendment, user: User) -> None:
    if not may_withdraw(user, amendment):
        if not amendment.pending or amendment.at_vote:
            raise AmendmentError(_l("Only a pending amendment that is not at a vote can be withdrawn."), 409)
        raise AmendmentError(_l("Only the member that proposed it, or a chair, can withdraw an amendment."), 403)
    for withdrawn in [*pending_subs(amendment), amendment]:
        before = withdrawn.state
        withdrawn.state = AmendmentState.WITHDRAWN
        withdrawn.decided_at = utcnow()
        record_action("amendment.withdraw", target=_target(withdrawn), before={"state": before},
                      after={"state": withdrawn.state}, actor=user)


def pending_subs(amendment: Amendment) -> list[Amendment]:
    return [a for a in pending(amendment.proposal_id, sub=True) if a.parent_id == amendment.id]


def translate(amendment: Amendment, chair: User, clauses: Sequence[ClauseText]) -> None:
    """The drafting committee's translation: the amended text in both languages, replacing the
    amendment's changes; the flag clears when no changed clause lacks a language."""
    if not amendment.pending or amendment.at_vote:
        raise AmendmentError(_l("Only a pending amendment that is not at a vote can be translated."), 409)
    changes = derive_changes(amendment.version.clauses, clauses)
    if not changes:
        raise AmendmentError(_l("This changes nothing: make a change to at least one clause."), 422)
    before = {"changes": _summary(amendment.changes), "needs_translation": amendment.needs_translation,
              "amended_text_hash": content_hash(amendment.amended_text())}
    amendment.changes = _rows(changes)
    amendment.needs_translation = any(c.kind is not ChangeKind.DELETE and _lacks_a_language(c.clause)
                                      for c in changes)
    db.session.flush()
    record_action("amendment.translate", target=_target(amendment), before=before,
                  after={"changes": _summary(changes), "needs_translation": amendment.needs_translation,
                         "amended_text_hash": content_hash(clauses)}, actor=chair)


def put_to_vote(amendment: Amendment, chair: User) -> Motion:
    """A draft yes/no motion on the amendment, with the defaults of the chair's motion form; the
    chair previews, adjusts and opens it on the motion pages."""
    if amendment.state is not AmendmentState.SECONDED:
        raise AmendmentError(_l("Only a seconded amendment can be put to a vote."), 409)
    if amendment.at_vote:
        raise AmendmentError(_l("This amendment is already at a vote."), 409)
    if amendment.needs_translation:
        raise AmendmentError(_l("This amendment is not yet in both languages: translate it before putting it to "
                                "a vote."), 409)
    if not amendment.is_sub and pending_subs(amendment):
        raise AmendmentError(_l("A sub-amendment to this amendment is pending: it is voted on first."), 409)
    if amendment.version.number != amendment.proposal.latest.number:
        raise AmendmentError(_l("This amendment is to version %(base)s, and the proposal has changed since.",
                                base=amendment.version.number), 409)
    motion = draft_yes_no_motion(chair, motion_titles(amendment),
                                 {lang: motion_text(amendment, lang) for lang in ("en", "fr")},
                                 {"amendment": _target(amendment)})
    amendment.motion_id = motion.id
    record_action("amendment.to_vote", target=_target(amendment), before={"motion": None},
                  after={"motion": motion.id, "amended_text_hash": content_hash(amendment.amended_text())},
                  actor=chair)
    return motion


def motion_titles(amendment: Amendment) -> dict[str, str]:
    proposal = amendment.proposal
    if amendment.is_sub:
        return {"en": f"Sub-amendment {amendment.number} to amendment {amendment.parent.number}: "
                      f"{proposal.title('en')}, version {amendment.version.number}",
                "fr": f"Sous-amendement {amendment.number} à l’amendement {amendment.parent.number} : "
                      f"{proposal.title('fr')}, version {amendment.version.number}"}
    return {"en": f"Amendment {amendment.number}: {proposal.title('en')}, version {amendment.version.number}",
            "fr": f"Amendement {amendment.number} : {proposal.title('fr')}, version {amendment.version.number}"}


CHANGE_WORDS = {
    "en": {ChangeKind.INSERT: "Insert clause {key}", ChangeKind.DELETE: "Delete clause {key}",
           ChangeKind.REPLACE: "Replace clause {key} with"},
    "fr": {ChangeKind.INSERT: "Insérer l’article {key}", ChangeKind.DELETE: "Supprimer l’article {key}",
           ChangeKind.REPLACE: "Remplacer l’article {key} par"},
}


def motion_text(amendment: Amendment, lang: str) -> str:
    """The amendment as the motion puts it to the members, in one language (motion texts are
    stored in both languages, written here rather than through the reader's catalogue)."""
    lines = []
    own_explanation = amendment.explanation_fr if lang == "fr" else amendment.explanation_en
    if own_explanation:  # the other language's explanation would put English in the French text
        lines += [own_explanation, ""]
    for change in amendment.changes:
        clause = change.as_clause()
        words = CHANGE_WORDS[lang][change.kind].format(key=change.clause_key)
        if change.kind is ChangeKind.DELETE:
            lines.append(f"{words}.")
            continue
        lines.append(f"{words} :" if lang == "fr" else f"{words}:")
        heading, body = clause.language_part(lang)
        lines += [f"  {heading}".rstrip(), *(f"  {line}" for line in body.split("\n")), ""]
    return "\n".join(lines).strip()


def motion_certified(motion: Motion) -> None:
    """The hook `certify_motion` calls: decide the amendment this motion was about, if any."""
    amendment = db.session.scalar(select(Amendment).where(Amendment.motion_id == motion.id))
    if amendment is None or amendment.state is not AmendmentState.SECONDED or motion.state is not MotionState.CERTIFIED:
        return
    carried = bool((motion.result or {}).get("carried"))
    amendment.decided_at = motion.certified_at or utcnow()
    if not carried:
        amendment.state = AmendmentState.LOST
        record_action("amendment.lost", target=_target(amendment), before={"state": AmendmentState.SECONDED},
                      after={"state": amendment.state, "motion": motion.id})
        return
    amendment.state = AmendmentState.CARRIED
    if amendment.is_sub:
        parent = amendment.parent
        before = {"changes": _summary(parent.changes), "amended_text_hash": content_hash(parent.amended_text())}
        parent.changes = [AmendmentChange(position=c.position, kind=c.kind, clause_key=c.clause_key,
                                          after_key=c.after_key, heading_en=c.heading_en, heading_fr=c.heading_fr,
                                          text_en=c.text_en, text_fr=c.text_fr) for c in amendment.changes]
        parent.needs_translation = amendment.needs_translation
        db.session.flush()
        record_action("amendment.carried", target=_target(amendment), before={"state": AmendmentState.SECONDED},
                      after={"state": amendment.state, "motion": motion.id, "amends": parent.number})
        record_action("amendment.amended", target=_target(parent), before=before,
                      after={"changes": _summary(parent.changes),
                             "amended_text_hash": content_hash(parent.amended_text())})
        return
    version = _next_version(amendment, amendment.decided_at)
    amendment.result_version_number = version.number
    record_action("amendment.carried", target=_target(amendment), before={"state": AmendmentState.SECONDED},
                  after={"state": amendment.state, "motion": motion.id, "version": version.number,
                         "content_hash": version.content_hash})


def _next_version(amendment: Amendment, at: datetime) -> ProposalVersion:
    """The version a carried amendment makes: its base text with its changes, in both languages."""
    proposal = amendment.proposal
    base = amendment.version
    clauses = apply_changes(base.clauses, amendment.changes)
    notes = {lang: (f"Amendment {amendment.number}, carried" if lang == "en"
                    else f"Amendement {amendment.number}, adopté") for lang in ("en", "fr")}
    # Without add_version's checks: those refuse a frozen text, and a carried amendment is the
    # one change a frozen text accepts.
    return service.record_version(proposal, clauses, notes["en"], notes["fr"], None, at, amendment=amendment.number)

