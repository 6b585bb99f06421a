"""A consultation's state changes and its members' responses, each inside the caller's
`write_transaction()` and recorded in the signed audit trail (`record_action`).

Views check the role (`@requires`); this module checks everything else: that the user acts
for the member (app.policy), that the consultation is open at this moment (its closing time
counts even before the schedule writes the close), that the form was not stale, and the
proposal's own state. A refusal raises `ConsultationError` before anything is written.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import voting
from voting import weights as weight_policies

from app.action_log import record_action
from app.database import write_transaction
from app.deliberation import service as proposals
from app.deliberation.consultation_models import (
    MAX_COMMENT,
    Choice,
    Consultation,
    ConsultationResponse,
    ConsultationState,
)
from app.deliberation.consultation_results import Answer, Results, tally
from app.deliberation.models import Proposal, ProposalState
from app.extensions import db
from app.models import Member, User, utcnow
from app.policy import acts_for_member
from app.refusal import Refusal

CLOSED_PROPOSAL_STATES = frozenset({ProposalState.ADOPTED, ProposalState.REJECTED, ProposalState.WITHDRAWN})


class ConsultationError(Refusal):
    """A refused consultation action."""


def target(consultation: Consultation) -> str:
    return f"consultation:{consultation.id}"


def consultations_of(proposal: Proposal) -> list[Consultation]:
    """Newest first."""
    version_ids = [v.id for v in proposal.versions]
    return list(db.session.scalars(select(Consultation).where(Consultation.version_id.in_(version_ids))
                                   .order_by(Consultation.opens_at.desc(), Consultation.id.desc())))


def lock(consultation_id: int) -> Consultation:
    """Load a consultation to change it inside `write_transaction()` (a row lock on PostgreSQL)."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.id == consultation_id)
                                     .with_for_update().execution_options(populate_existing=True))
    if consultation is None:
        raise ConsultationError(_l("This consultation no longer exists."), 404)
    return consultation


# --- the chair's actions ---------------------------------------------------------------------


def create(proposal: Proposal, *, closes_at: datetime, opens_at: datetime | None = None, confidential: bool,
           weight_policy: dict[str, Any], actor: User | None = None, now: datetime | None = None) -> Consultation:
    """A consultation on the proposal's latest version; open at once unless `opens_at` is later."""
    now = now or utcnow()
    if proposal.state in CLOSED_PROPOSAL_STATES:
        raise ConsultationError(_l("A proposal that is %(state)s cannot be consulted on.",
                                   state=proposals.state_label(proposal.state)), 409)
    version = proposal.latest
    if db.session.scalar(select(Consultation.id).where(Consultation.version_id == version.id)) is not None:
        raise ConsultationError(_l("Version %(n)s already has a consultation. Write a new version to consult "
                                   "on it again.", n=version.number), 409)
    start = opens_at if opens_at is not None and opens_at > now else now
    if closes_at <= start:
        raise ConsultationError(_l("The closing time must be after the opening time."), 422)
    consultation = Consultation(version=version, state=ConsultationState.SCHEDULED, opens_at=start,
                                closes_at=closes_at, confidential=confidential,
                                weight_policy_json=json.dumps(weight_policy, sort_keys=True),
                                created_by=actor, created_at=now)
    db.session.add(consultation)
    db.session.flush()
    record_action("consultation.create", target=target(consultation), before=None, after={
        "proposal": proposal.slug, "version": version.number, "content_hash": version.content_hash,
        "opens_at": start, "closes_at": closes_at, "confidential": confidential, "weight_policy": weight_policy,
    }, actor=actor)
    if start <= now:
        open_now(consultation, actor=actor, now=now)
    return consultation


def open_now(consultation: Consultation, *, actor: User | None = None, now: datetime | None = None) -> None:
    """Start taking answers. A draft proposal goes into consultation with it."""
    now = now or utcnow()
    if consultation.state is not ConsultationState.SCHEDULED:
        raise ConsultationError(_l("Only a consultation that has not opened yet can be opened."), 409)
    if now >= consultation.closes_at:
        raise ConsultationError(_l("Its closing time has passed: it cannot open."), 409)
    proposal = consultation.version.proposal
    if proposal.state in CLOSED_PROPOSAL_STATES:
        raise ConsultationError(_l("A proposal that is %(state)s cannot be consulted on.",
                                   state=proposals.state_label(proposal.state)), 409)
    consultation.state = ConsultationState.OPEN
    consultation.opens_at = min(consultation.opens_at, now)
    record_action("consultation.open", target=target(consultation), before={"state": ConsultationState.SCHEDULED},
                  after={"state": ConsultationState.OPEN, "opens_at": consultation.opens_at}, actor=actor)
    if proposal.state is ProposalState.DRAFT:
        proposals.change_state(proposal, ProposalState.CONSULTATION, actor=actor, at=now)


def close_now(consultation: Consultation, *, actor: User | None = None, now: datetime | None = None) -> None:
    now = now or utcnow()
    if consultation.state is not ConsultationState.OPEN:
        raise ConsultationError(_l("Only an open consultation can be closed."), 409)
    consultation.state = ConsultationState.CLOSED
    consultation.closed_at = min(now, consultation.closes_at)
    record_action("consultation.close", target=target(consultation), before={"state": ConsultationState.OPEN},
                  after={"state": ConsultationState.CLOSED, "closed_at": consultation.closed_at,
                         "responses": len(consultation.responses)}, actor=actor)


def run_schedule(now: datetime | None = None) -> list[int]:
    """Open and close the consultations whose time has come, each in its own write transaction
    (app/schedule.py runs this as the system). Returns the ids changed; one that cannot change
    is logged and does not block the others."""
    now = now or utcnow()
    due = list(db.session.scalars(select(Consultation.id).where(
        ((Consultation.state == ConsultationState.SCHEDULED) & (Consultation.opens_at <= now))
        | ((Consultation.state == ConsultationState.OPEN) & (Consultation.closes_at <= now))
    )))
    changed = []
    for consultation_id in due:
        try:
            with write_transaction():
                if apply_due(lock(consultation_id), now):
                    changed.append(consultation_id)
        except ConsultationError as refused:
            current_app.logger.warning("Scheduled change of consultation %s refused: %s", consultation_id, refused)
    return changed


def apply_due(consultation: Consultation, now: datetime) -> bool:
    """Perform the one transition due on `consultation` (locked by the caller)."""
    if consultation.state is ConsultationState.OPEN and consultation.closes_at <= now:
        close_now(consultation, now=now)
        return True
    if consultation.state is ConsultationState.SCHEDULED and consultation.opens_at <= now:
        if consultation.closes_at <= now:  # both times passed unseen: it opens and closes at once
            open_now(consultation, now=consultation.opens_at)
            close_now(consultation, now=now)
        else:
            open_now(consultation, now=now)
        return True
    return False


# --- a member's response ---------------------------------------------------------------------


def response_of(consultation: Consultation, member: Member) -> ConsultationResponse | None:
    return db.session.scalar(select(ConsultationResponse).where(
        ConsultationResponse.consultation_id == consultation.id, ConsultationResponse.member_id == member.id))


def respond(consultation: Consultation, *, user: User, member: Member, choice: str, comment: str, revision: int,
            lang: str = "en", now: datetime | None = None) -> ConsultationResponse:
    """Record or change `member`'s answer. `revision` is the revision of the answer the form
    showed (0: none), so a second first answer, or a change made from an outdated page, is
    refused instead of silently replacing what another delegate of the member wrote."""
    now = now or utcnow()
    if not acts_for_member(user, member):
        raise ConsultationError(_l("You can answer only for the member you represent."), 403)
    if consultation.state is ConsultationState.SCHEDULED and now < consultation.opens_at:
        raise ConsultationError(_l("This consultation is not open yet."), 409)
    if not consultation.is_open_at(now):
        raise ConsultationError(_l("This consultation is closed: answers can no longer be given or changed."), 409)
    try:
        chosen = Choice(choice)
    except ValueError:
        raise ConsultationError(_l("Choose an answer."), 422) from None
    if len(comment) > MAX_COMMENT:
        raise ConsultationError(_l("The comment is too long: at most %(max)d characters.", max=MAX_COMMENT), 422)
    existing = response_of(consultation, member)
    if existing is None and revision != 0:
        raise ConsultationError(_l("The answer you were changing no longer exists. Reload the page."), 409)
    if existing is not None and revision != existing.revision:
        raise ConsultationError(_l("Your member has already answered (perhaps from another device or by another "
                                   "delegate). Read the current answer below and change it if you need to."), 409)
    lang = lang if lang in ("en", "fr") else "en"
    before = _audit_view(consultation, existing)
    if existing is None:
        existing = ConsultationResponse(consultation=consultation, member=member, choice=chosen, comment=comment,
                                        comment_lang=lang, revision=1, answered_by=user, created_at=now, updated_at=now)
        db.session.add(existing)
    else:
        existing.choice, existing.comment, existing.answered_by, existing.updated_at = chosen, comment, user, now
        existing.comment_lang = lang
        existing.revision += 1
    db.session.flush()
    record_action("consultation.respond" if before is None else "consultation.change_response",
                  target=target(consultation), before=before,
                  after=_audit_view(consultation, existing), actor=user)
    return existing


def _audit_view(consultation: Consultation, response: ConsultationResponse | None) -> dict[str, Any] | None:
    """What the public audit trail says of an answer: the member and the revision, and the
    answer itself only when the consultation is not confidential. Never the comment."""
    if response is None:
        return None
    view: dict[str, Any] = {"member": response.member.slug, "revision": response.revision,
                            "has_comment": bool(response.comment)}
    if not consultation.confidential:
        view["choice"] = response.choice
    return view


# --- results -----------------------------------------------------------------------------------


def weights_for(consultation: Consultation, members: list[Member]) -> tuple[dict[str, int] | None, str | None]:
    """Each member's weight under the consultation's policy, over today's active members and
    every member that answered; None and the reason when the policy cannot be applied."""
    try:
        snapshot = weight_policies.compute_weights(consultation.weight_policy, [m.as_weight_input() for m in members])
    except voting.VotingError as refused:
        return None, str(refused)
    return snapshot.weights, None


def results(consultation: Consultation) -> tuple[Results, str | None]:
    responders = [r.member for r in consultation.responses]
    members = {m.slug: m for m in Member.active_ordered()}
    members.update({m.slug: m for m in responders})
    weights, problem = weights_for(consultation, sorted(members.values(), key=lambda m: m.slug))
    answers = [Answer(member=r.member.slug, choice=r.choice.value, weight=(weights or {}).get(r.member.slug, 0),
                      region=r.member.region, province=r.member.province, setting=r.member.setting,
                      size_class=r.member.size_class, holder_type=r.member.holder_type,
                      clusters=tuple(r.member.cluster_list))
               for r in consultation.responses]
    return tally(answers, confidential=consultation.confidential), problem
