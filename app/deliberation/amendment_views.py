"""Amendment pages: proposing an amendment or a sub-amendment (delegates), an amendment with its
changes as a diff, seconding and withdrawing it, the drafting committee's translation and
putting it to a vote (chairs)."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from app.database import write_transaction
from app.deliberation import amendments as service
from app.deliberation import bp
from app.deliberation.amendments import Amendment, AmendmentState
from app.deliberation.diff import version_diff
from app.deliberation.forms import VersionTextForm
from app.deliberation.models import Proposal
from app.deliberation.text import to_document
from app.deliberation.views import proposal_or_404, shown_language
from app.forms import ConfirmForm
from app.motions.models import Motion, MotionState
from app.policy import Permission, allows, may_propose_amendment, requires
from app.text_input import PlainText, clean_multiline

MAX_EXPLANATION = service.MAX_EXPLANATION


class AmendmentForm(VersionTextForm):
    """The amended text, edited from the base text; the changes are what differs from it."""

    text_fr = TextAreaField(_l("Text in French"), filters=[clean_multiline], description=_l(
        "If a changed clause has no French yet, the amendment waits for the drafting committee’s translation "
        "before it can be put to a vote."))
    note_en = TextAreaField(_l("Why this amendment, in English (optional)"), filters=[clean_multiline],
                            validators=[Optional(), Length(max=MAX_EXPLANATION), PlainText(multiline=True)])
    note_fr = TextAreaField(_l("Why this amendment, in French (optional)"), filters=[clean_multiline],
                            validators=[Optional(), Length(max=MAX_EXPLANATION), PlainText(multiline=True)])
    base_version = HiddenField()
    submit = SubmitField(_l("Propose the amendment"))


class TranslationForm(VersionTextForm):
    note_en = None  # the explanation stays the proposer's
    note_fr = None
    submit = SubmitField(_l("Save the translation"))


def locked_proposal_or_404(slug: str) -> Proposal:
    proposal = service.locked_proposal(slug)
    if proposal is None:
        abort(404)
    return proposal


def amendment_or_404(proposal: Proposal, number: int) -> Amendment:
    amendment = service.by_number(proposal, number)
    if amendment is None:
        abort(404)
    return amendment


@bp.app_template_global("amendment_state")
def amendment_state(amendment: Amendment) -> str:
    if amendment.at_vote:
        return _("at a vote")
    return str(STATE_LABELS[amendment.state])


STATE_LABELS: dict[AmendmentState, Any] = {
    AmendmentState.PROPOSED: _l("waiting for a seconder"),
    AmendmentState.SECONDED: _l("seconded"),
    AmendmentState.CARRIED: _l("carried"),
    AmendmentState.LOST: _l("lost"),
    AmendmentState.WITHDRAWN: _l("withdrawn"),
}


@bp.app_template_global("amendment_motion_url")
def amendment_motion_url(motion: Motion) -> str | None:
    """Where a reader follows the amendment's vote: its result once closed; while open, the
    ballot for a delegate and the live console for a chair; a draft only for chairs."""
    if motion.state in (MotionState.CLOSED, MotionState.CERTIFIED):
        return url_for("results.motion", motion_id=motion.id)
    if allows(current_user, Permission.MANAGE_MOTIONS):
        page = "motions.preview" if motion.state is MotionState.DRAFT else "motions.console"
        return url_for(page, motion_id=motion.id)
    if motion.state is MotionState.OPEN and allows(current_user, Permission.CAST_BALLOT):
        return url_for("motions.vote", motion_id=motion.id)
    return None


@bp.app_template_global("amendments_of")
def amendments_of(proposal: Proposal) -> list[Amendment]:
    return service.of_proposal(proposal)


@bp.app_template_global("may_propose_amendment_now")
def may_propose_amendment_now(proposal: Proposal) -> bool:
    return (may_propose_amendment(current_user) and proposal.state in service.OPEN_PROPOSAL_STATES
            and not service.pending(proposal.id, sub=False))


def _refuse(refused: service.AmendmentError) -> None:
    abort(refused.status, str(refused.message))


@bp.route("/<slug>/amendments/new", methods=["GET", "POST"])
@requires(Permission.PROPOSE_AMENDMENTS)
def new_amendment(slug: str) -> Response | tuple[str, int]:
    if not may_propose_amendment(current_user):
        abort(403)
    proposal = proposal_or_404(slug)
    parent_number = request.args.get("to", type=int)
    parent = amendment_or_404(proposal, parent_number) if parent_number else None
    form = AmendmentForm()
    if parent is not None:
        form.submit.label.text = _("Propose the sub-amendment")
    if not form.is_submitted():
        start = parent.amended_text() if parent else proposal.latest.clauses
        form.base_version.data = str(proposal.latest.number)
        form.text_en.data = to_document(start, "en")
        form.text_fr.data = to_document(start, "fr")
    elif form.validate():
        try:
            with write_transaction():
                proposal = locked_proposal_or_404(slug)
                created = service.propose(
                    proposal, current_user, base_number=_int(form.base_version.data), clauses=form.clauses,
                    explanation_en=form.note_en.data or "", explanation_fr=form.note_fr.data or "",
                    parent=amendment_or_404(proposal, parent.number) if parent else None)
                number = created.number
        except service.AmendmentError as refused:
            if refused.status == 422:
                form.text_en.errors = [*form.text_en.errors, refused.message]
                return _form(form, proposal, parent), 422
            _refuse(refused)
        flash(_("Amendment %(n)s is proposed. Another member must second it before it can be put to a vote.",
                n=number), "success")
        return redirect(url_for("deliberation.amendment", slug=slug, number=number))
    return _form(form, proposal, parent), 422 if form.is_submitted() else 200


def _int(raw: str | None) -> int:
    try:
        return int(raw or "")
    except ValueError:
        return 0


def _form(form: AmendmentForm, proposal: Proposal, parent: Amendment | None) -> str:
    return render_template("deliberation/amendment_form.html", form=form, proposal=proposal, parent=parent)


@bp.get("/<slug>/amendments/<int:number>")
@requires(Permission.VIEW_PROPOSALS)
def amendment(slug: str, number: int) -> str:
    proposal = proposal_or_404(slug)
    amendment = amendment_or_404(proposal, number)
    if amendment.parent is not None:
        compared = amendment.parent.amended_text()
        before = amendment.version.clauses
    else:
        compared = before = amendment.version.clauses
    return render_template(
        "deliberation/amendment.html", proposal=proposal, amendment=amendment, show=shown_language(),
        diffs=version_diff(before, amendment.amended_text()),
        sub_diffs=version_diff(compared, amendment.amended_text()) if amendment.is_sub else None,
        subs=[a for a in service.of_proposal(proposal) if a.parent_id == amendment.id],
        may_second=_may_second(amendment), may_withdraw=service.may_withdraw(current_user, amendment),
        may_sub_amend=(may_propose_amendment(current_user) and not amendment.is_sub
                       and amendment.state is AmendmentState.SECONDED and not amendment.at_vote
                       and not service.pending_subs(amendment)),
        form=ConfirmForm())


def _may_second(amendment: Amendment) -> bool:
    return (may_propose_amendment(current_user) and amendment.state is AmendmentState.PROPOSED
            and current_user.member_id != amendment.member_id)


def _confirmed_action(slug: str, number: int, run: Any, done: str) -> Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400, _("The form expired: go back to the amendment and try again."))
    try:
        with write_transaction():
            proposal = locked_proposal_or_404(slug)
            target = run(amendment_or_404(proposal, number))
    except service.AmendmentError as refused:
        _refuse(refused)
    flash(done, "success")
    return target if isinstance(target, Response) else redirect(
        url_for("deliberation.amendment", slug=slug, number=number))


@bp.post("/<slug>/amendments/<int:number>/second")
@requires(Permission.PROPOSE_AMENDMENTS)
def second_amendment(slug: str, number: int) -> Response:
    if not may_propose_amendment(current_user):
        abort(403)
    return _confirmed_action(slug, number, lambda a: service.second(a, current_user),
                             _("You seconded the amendment. A chair can now put it to a vote."))


@bp.post("/<slug>/amendments/<int:number>/withdraw")
@requires(Permission.VIEW_PROPOSALS)
def withdraw_amendment(slug: str, number: int) -> Response:
    if not (allows(current_user, Permission.MANAGE_AMENDMENTS) or may_propose_amendment(current_user)):
        abort(403)
    return _confirmed_action(slug, number, lambda a: service.withdraw(a, current_user),
                             _("The amendment is withdrawn."))


@bp.post("/<slug>/amendments/<int:number>/vote")
@requires(Permission.MANAGE_AMENDMENTS)
def amendment_to_vote(slug: str, number: int) -> Response:
    def put(amendment: Amendment) -> Response:
        motion = service.put_to_vote(amendment, current_user)
        return redirect(url_for("motions.preview", motion_id=motion.id))

    return _confirmed_action(slug, number, put, _("A draft yes or no motion on the amendment is ready: check it, "
                                                  "then open it."))


@bp.route("/<slug>/amendments/<int:number>/translate", methods=["GET", "POST"])
@requires(Permission.MANAGE_AMENDMENTS)
def translate_amendment(slug: str, number: int) -> Response | tuple[str, int]:
    proposal = proposal_or_404(slug)
    amendment = amendment_or_404(proposal, number)
    if not amendment.pending or amendment.at_vote:
        abort(409, _("Only a pending amendment that is not at a vote can be translated."))
    form = TranslationForm()
    if not form.is_submitted():
        form.text_en.data = to_document(amendment.amended_text(), "en")
        form.text_fr.data = to_document(amendment.amended_text(), "fr")
    elif form.validate():
        try:
            with write_transaction():
                service.translate(amendment_or_404(locked_proposal_or_404(slug), number), current_user,
                                  form.clauses)
        except service.AmendmentError as refused:
            if refused.status == 422:
                form.text_en.errors = [*form.text_en.errors, refused.message]
                return render_template("deliberation/amendment_translate.html", form=form, proposal=proposal,
                                       amendment=amendment), 422
            _refuse(refused)
        flash(_("The translation is saved."), "success")
        return redirect(url_for("deliberation.amendment", slug=slug, number=number))
    status = 422 if form.is_submitted() else 200
    return render_template("deliberation/amendment_translate.html", form=form, proposal=proposal,
                           amendment=amendment), status
