"""The proposal's state changes, each inside the caller's `write_transaction()` and recorded in
the signed audit trail (`record_action`). Views check permissions; this module checks the
proposal's own rules (which state may follow which, a stale base version, a frozen text).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from flask_babel import lazy_gettext as _l
from slugify import slugify
from sqlalchemy import func, select

from app.action_log import record_action
from app.deliberation.models import Clause, Proposal, ProposalState, ProposalVersion
from app.deliberation.text import ClauseText, content_hash
from app.extensions import db
from app.models import User, utcnow
from app.refusal import Refusal

# Who moves a proposal where by hand (chairs); adopted and rejected only through a motion.
TRANSITIONS: dict[ProposalState, frozenset[ProposalState]] = {
    ProposalState.DRAFT: frozenset({ProposalState.CONSULTATION, ProposalState.WITHDRAWN}),
    ProposalState.CONSULTATION: frozenset({ProposalState.DRAFT, ProposalState.READY, ProposalState.WITHDRAWN}),
    ProposalState.READY: frozenset({ProposalState.CONSULTATION, ProposalState.DRAFT, ProposalState.WITHDRAWN}),
    ProposalState.ADOPTED: frozenset(),
    ProposalState.REJECTED: frozenset(),
    ProposalState.WITHDRAWN: frozenset(),
}
# New versions by a chair: while drafting and in consultation. Ready for decision freezes the
# text (a carried amendment, a later step, will still make a version).
EDITABLE_STATES = frozenset({ProposalState.DRAFT, ProposalState.CONSULTATION})
DECIDED_STATES = frozenset({ProposalState.ADOPTED, ProposalState.REJECTED})
MAX_SLUG = 80


class ProposalError(Refusal):
    """A refused proposal action."""


def pending_amendments(version: ProposalVersion) -> int:
    """How many amendments to `version` await a decision. The base text is frozen while any does."""
    from app.deliberation.amendments import pending_on_version  # amendments build on this module

    return pending_on_version(version.id)


def unique_slug(title: str) -> str:
    base = slugify(title, max_length=MAX_SLUG - 4, word_boundary=True) or "proposal"
    slug, n = base, 2
    while db.session.scalar(select(func.count()).select_from(Proposal).where(Proposal.slug == slug)):
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_proposal(*, title_en: str, title_fr: str, clauses: Sequence[ClauseText], note_en: str = "",
                    note_fr: str = "", actor: User | None = None, at: datetime | None = None) -> Proposal:
    """A draft proposal with its version 1 (`at` is for the demo's back-dated history)."""
    now = at or utcnow()
    proposal = Proposal(slug=unique_slug(title_en or title_fr), title_en=title_en, title_fr=title_fr,
                        state=ProposalState.DRAFT, created_by=actor, created_at=now, updated_at=now)
    db.session.add(proposal)
    version = _new_version(proposal, None, clauses, note_en, note_fr, actor, now)
    db.session.flush()
    record_action("proposal.create", target=f"proposal:{proposal.slug}", before=None,
                  after={"title_en": title_en, "title_fr": title_fr, "state": proposal.state,
                         "version": 1, "content_hash": version.content_hash}, actor=actor)
    return proposal


def add_version(proposal: Proposal, *, base_number: int, clauses: Sequence[ClauseText], note_en: str = "",
                note_fr: str = "", actor: User | None = None, at: datetime | None = None) -> ProposalVersion:
    """Version n+1 written from version `base_number`, which must still be the latest."""
    latest = proposal.latest
    if base_number != latest.number:
        raise ProposalError(_l("This text was changed while you were editing it: you started from version "
                               "%(base)s, and version %(latest)s is now the latest. Open the latest version and "
                               "make your change again.", base=base_number, latest=latest.number), 409)
    if proposal.state not in EDITABLE_STATES:
        raise ProposalError(_l("The text can no longer be changed: the proposal is %(state)s.",
                               state=state_label(proposal.state)), 409)
    if pending_amendments(latest):
        raise ProposalError(_l("The text is frozen while amendments to it are pending."), 409)
    if content_hash(clauses) == latest.content_hash:
        raise ProposalError(_l("Nothing changed: the text is the same as version %(n)s.", n=latest.number), 422)
    return record_version(proposal, clauses, note_en, note_fr, actor, at or utcnow())


def record_version(proposal: Proposal, clauses: Sequence[ClauseText], note_en: str, note_fr: str,
                   actor: User | None, at: datetime, **about: Any) -> ProposalVersion:
    """Write the next version after the latest and record it in the audit trail, with `about`.

    No check: `add_version` runs the chair's, and a carried amendment (the one change a frozen
    text accepts) calls this directly."""
    latest = proposal.latest
    version = _new_version(proposal, latest, clauses, note_en, note_fr, actor, at)
    proposal.updated_at = version.created_at
    db.session.flush()
    record_action("proposal.version", target=f"proposal:{proposal.slug}",
                  before={"version": latest.number, "content_hash": latest.content_hash},
                  after={"version": version.number, "content_hash": version.content_hash, **about}, actor=actor)
    return version


def _new_version(proposal: Proposal, previous: ProposalVersion | None, clauses: Sequence[ClauseText],
                 note_en: str, note_fr: str, actor: User | None, at: datetime) -> ProposalVersion:
    number = previous.number + 1 if previous else 1
    version = ProposalVersion(number=number, created_by=actor, created_at=at,
                              change_note_en=note_en, change_note_fr=note_fr, content_hash=content_hash(clauses))
    for position, clause in enumerate(clauses):
        before = previous.clause(clause.key) if previous else None
        version.clauses.append(Clause(
            key=clause.key, position=position,
            heading_en=clause.heading_en, heading_fr=clause.heading_fr,
            text_en=clause.text_en, text_fr=clause.text_fr,
            en_revised_in=_revised_in(before, clause, "en", number),
            fr_revised_in=_revised_in(before, clause, "fr", number),
        ))
    proposal.versions.append(version)
    return version


def _revised_in(before: Clause | None, clause: ClauseText, lang: str, number: int) -> int:
    if before is not None and (before.heading(lang), before.text(lang)) == clause.language_part(lang):
        return before.revised_in(lang)
    return number


def change_state(proposal: Proposal, target: ProposalState, actor: User | None = None,
                 at: datetime | None = None) -> None:
    if target in DECIDED_STATES:
        raise ProposalError(_l("A proposal is adopted or rejected only by the certified result of a motion."), 409)
    if target not in TRANSITIONS[proposal.state]:
        raise ProposalError(_l("A proposal that is %(now)s cannot become %(next)s.",
                               now=state_label(proposal.state), next=state_label(target)), 409)
    before = proposal.state
    proposal.state = target
    proposal.updated_at = at or utcnow()
    record_action("proposal.state", target=f"proposal:{proposal.slug}", before={"state": before},
                  after={"state": target, "version": proposal.latest.number}, actor=actor)


def adopt_from_motion(proposal: Proposal, *, motion_id: int, version_number: int, adopted: bool,
                      actor: User | None = None) -> None:
    """Record the decision of a certified motion on version `version_number` (its content hash
    is in the motion's opening leaf). For the step that links motions to proposals: the caller
    checks that the motion is certified and names this version; here the proposal's side."""
    if proposal.state != ProposalState.READY:
        raise ProposalError(_l("Only a proposal that is ready for decision can be decided by a motion."), 409)
    if proposal.version(version_number) is None:
        raise ProposalError(_l("That version does not exist."), 404)
    target = ProposalState.ADOPTED if adopted else ProposalState.REJECTED
    proposal.state = target
    proposal.decided_by_motion_id = motion_id
    proposal.decided_version_number = version_number
    proposal.updated_at = utcnow()
    record_action("proposal.decided", target=f"proposal:{proposal.slug}", before={"state": ProposalState.READY},
                  after={"state": target, "motion": motion_id, "version": version_number,
                         "content_hash": proposal.version(version_number).content_hash}, actor=actor)


STATE_LABELS: dict[ProposalState, Any] = {
    ProposalState.DRAFT: _l("draft"),
    ProposalState.CONSULTATION: _l("in consultation"),
    ProposalState.READY: _l("ready for decision"),
    ProposalState.ADOPTED: _l("adopted"),
    ProposalState.REJECTED: _l("rejected"),
    ProposalState.WITHDRAWN: _l("withdrawn"),
}


def state_label(state: ProposalState) -> str:
    return str(STATE_LABELS[state])
