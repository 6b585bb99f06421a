"""Deciding a proposal through the motion machinery: a chair puts the proposal's latest version
to a yes/no vote, the motion's opening leaf names that version and its content hash
(`ballots.decides`), and the certified result adopts or rejects the proposal. Amendments put to
a vote share the draft motion (`draft_yes_no_motion`). No second voting engine.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ballots.decides import Decides
from voting import weights as weight_policies

from app.action_log import record_action
from app.deliberation import service
from app.deliberation.models import Proposal, ProposalState, ProposalVersion
from app.extensions import db
from app.models import User
from app.motions.forms import YES_NO_OPTIONS
from app.motions.models import Motion, MotionState

# The chair's motion form's defaults for a yes/no motion (app/motions/forms.py: MotionForm).
DEFAULT_RULES = {"threshold": "majority_cast", "quorum": {"members": None, "weight": None},
                 "double_majority": {"members": False, "regions": None}}


def draft_yes_no_motion(chair: User, titles: dict[str, str], texts: dict[str, str],
                        about: dict[str, Any]) -> Motion:
    """A draft yes/no motion with the defaults of the chair's motion form; the chair previews,
    adjusts and opens it on the motion pages. `about` names what it decides, for the audit trail."""
    motion = Motion(created_by_id=chair.id, title_en=titles["en"], title_fr=titles["fr"],
                    text_en=texts["en"], text_fr=texts["fr"],
                    method="yes_no", seats=1, options_json=json.dumps(YES_NO_OPTIONS, ensure_ascii=False),
                    rules_json=json.dumps(DEFAULT_RULES, sort_keys=True),
                    weight_policy_json=json.dumps(weight_policies.PRESETS["equal"], sort_keys=True),
                    secret=False, revote=False)
    db.session.add(motion)
    db.session.flush()
    record_action("motion.create", target=f"motion:{motion.id}", before=None,
                  after={"title_en": motion.title_en, "title_fr": motion.title_fr, "method": motion.method,
                         "options": motion.options, "rules": motion.rules, "weight_policy": motion.weight_policy,
                         "secret": False, "revote": False, **about}, actor=chair)
    return motion


def at_vote(proposal: Proposal) -> Motion | None:
    """The motion that puts the proposal to a vote and has not yet been certified, if any."""
    if proposal.vote_motion_id is None:
        return None
    motion = db.session.get(Motion, proposal.vote_motion_id)
    return motion if motion is not None and motion.state is not MotionState.CERTIFIED else None


def untranslated_clauses(version: ProposalVersion) -> dict[str, list[str]]:
    """Per language, the keys of the clauses that have no text in it while the other has one."""
    return {lang: [c.key for c in version.clauses if c.missing(lang)] for lang in ("en", "fr")}


def _check_votable(proposal: Proposal) -> None:
    if proposal.state is not ProposalState.READY:
        raise service.ProposalError(_l("Only a proposal that is ready for decision can be put to a vote."), 409)
    if service.pending_amendments(proposal.latest):
        raise service.ProposalError(_l("An amendment to this proposal is pending: it is decided first."), 409)
    untranslated = untranslated_clauses(proposal.latest)
    if untranslated["fr"]:
        raise service.ProposalError(_l("Both languages are official: write the French text of clause(s) %(keys)s "
                                       "in a new version before the vote.", keys=", ".join(untranslated["fr"])), 409)
    if untranslated["en"]:
        raise service.ProposalError(_l("Both languages are official: write the English text of clause(s) %(keys)s "
                                       "in a new version before the vote.", keys=", ".join(untranslated["en"])), 409)


def put_proposal_to_vote(proposal: Proposal, chair: User) -> Motion:
    """A draft motion to adopt the proposal's latest version (the caller holds the write lock)."""
    _check_votable(proposal)
    if at_vote(proposal) is not None:
        raise service.ProposalError(_l("This proposal is already at a vote."), 409)
    number = proposal.latest.number
    motion = draft_yes_no_motion(
        chair,
        {"en": f"Adopt {proposal.title('en')}, version {number}",
         "fr": f"Adopter {proposal.title('fr')}, version {number}"},
        {"en": f"That the federation adopt the text of version {number} of “{proposal.title('en')}”.",
         "fr": f"Que la fédération adopte le texte de la version {number} de « {proposal.title('fr')} »."},
        {"proposal": f"proposal:{proposal.slug}", "version": number})
    proposal.vote_motion_id, proposal.vote_version_number = motion.id, number
    record_action("proposal.to_vote", target=f"proposal:{proposal.slug}", before={"motion": None},
                  after={"motion": motion.id, "version": number, "content_hash": proposal.latest.content_hash},
                  actor=chair)
    return motion


def decides_for_opening(motion: Motion) -> Decides | None:
    """What the motion's opening leaf must name, or None for a motion that decides no proposal.

    Refuses (ProposalError) when the text voted on would not be the one announced: the proposal
    has a newer version than the motion names, or an amendment is pending.
    """
    proposal = db.session.scalar(select(Proposal).where(Proposal.vote_motion_id == motion.id))
    if proposal is None:
        return None
    if motion.method != "yes_no":
        raise service.ProposalError(_l("A motion that decides a proposal is a yes or no motion."), 422)
    _check_votable(proposal)
    if proposal.latest.number != proposal.vote_version_number:
        raise service.ProposalError(_l(
            "This motion puts version %(voted)s to a vote, but the proposal is now at version %(latest)s: "
            "delete this draft and put the proposal to a vote again.",
            voted=proposal.vote_version_number, latest=proposal.latest.number), 409)
    return Decides(proposal.slug, proposal.latest.number, proposal.latest.content_hash)


def motion_certified(motion: Motion) -> None:
    """The hook `certify_motion` calls: decide the amendment or the proposal this motion was about."""
    from app.deliberation import amendments  # amendments use draft_yes_no_motion: import on use

    amendments.motion_certified(motion)
    proposal = db.session.scalar(select(Proposal).where(Proposal.vote_motion_id == motion.id))
    if proposal is None or motion.state is not MotionState.CERTIFIED or motion.opening is None:
        return
    decided = motion.opening.leaf.decides
    if decided is None or decided.proposal != proposal.slug:
        return
    service.adopt_from_motion(proposal, motion_id=motion.id, version_number=decided.version,
                              adopted=bool((motion.result or {}).get("carried")))
