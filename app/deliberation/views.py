"""Proposal pages: the list, a proposal (latest or any version), its history and diffs for every
reader; the new proposal, new version and change-of-state forms for chairs."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.database import write_transaction
from app.deliberation import bp, decisions, experts, service
from app.deliberation.diff import version_diff
from app.deliberation.forms import NewVersionForm, ProposalForm, StateForm
from app.deliberation.markdown import render
from app.deliberation.models import Proposal, ProposalState, ProposalVersion
from app.deliberation.text import LANGS, to_document
from app.extensions import db
from app.forms import ConfirmForm
from app.i18n import current_language
from app.policy import Permission, requires
from app.whole_numbers import MAX_ID, parse_whole_number, query_int

STATE_ORDER = [ProposalState.CONSULTATION, ProposalState.READY, ProposalState.DRAFT, ProposalState.ADOPTED,
               ProposalState.REJECTED, ProposalState.WITHDRAWN]


@bp.app_template_global("proposal_state")
def proposal_state(state: ProposalState) -> str:
    return service.state_label(state)


@bp.app_template_filter("clause_markdown")
def clause_markdown(text: str) -> object:
    return render(text)


@bp.app_template_global("this_page_with")
def this_page_with(**changes: str) -> str:
    """This page's address with some query arguments changed (the phone's language toggle)."""
    args = {**request.args.to_dict(), **changes}
    return url_for(request.endpoint or "deliberation.index", **(request.view_args or {}), **args)


def proposal_or_404(slug: str, *, lock: bool = False) -> Proposal:
    """The proposal; with `lock`, its row locked for a change (PostgreSQL: two chairs saving a
    version at once queue here, so the second one is told its base is stale)."""
    query = select(Proposal).where(Proposal.slug == slug)
    proposal = db.session.scalar(query.with_for_update() if lock else query)
    if proposal is None:
        abort(404)
    return proposal


def version_or_404(proposal: Proposal, number: int) -> ProposalVersion:
    version = proposal.version(number) if 1 <= number <= MAX_ID else None
    if version is None:
        abort(404)
    return version


def shown_language() -> str:
    """The one language a phone shows (`?show=fr`); by default the reader's own."""
    show = request.args.get("show", "")
    return show if show in LANGS else current_language()


@bp.get("/")
@requires(Permission.VIEW_PROPOSALS)
def index() -> str:
    proposals = list(db.session.scalars(select(Proposal).order_by(Proposal.updated_at.desc())))
    if experts.is_expert(current_user):
        invited = {grant.proposal_id for grant in experts.proposals_of(current_user)}
        proposals = [p for p in proposals if p.id in invited]
    proposals.sort(key=lambda p: STATE_ORDER.index(p.state))
    return render_template("deliberation/index.html", proposals=proposals)


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_PROPOSALS)
def create() -> Response | tuple[str, int]:
    form = ProposalForm()
    if form.is_submitted() and form.validate():
        with write_transaction():
            proposal = service.create_proposal(
                title_en=form.title_en.data or "", title_fr=form.title_fr.data or "", clauses=form.clauses,
                note_en=form.note_en.data or "", note_fr=form.note_fr.data or "", actor=current_user)
            slug = proposal.slug
        flash(_("Draft proposal saved as version 1."), "success")
        return redirect(url_for("deliberation.show", slug=slug))
    status = 422 if form.is_submitted() else 200
    return render_template("deliberation/proposal_form.html", form=form), status


@bp.get("/<slug>")
@requires(Permission.VIEW_PROPOSALS)
def show(slug: str) -> str:
    proposal = proposal_or_404(slug)
    return _version_page(proposal, proposal.latest)


@bp.get("/<slug>/versions/<int:number>")
@requires(Permission.VIEW_PROPOSALS)
def version(slug: str, number: int) -> str:
    proposal = proposal_or_404(slug)
    return _version_page(proposal, version_or_404(proposal, number))


def _version_page(proposal: Proposal, version: ProposalVersion) -> str:
    return render_template("deliberation/proposal.html", proposal=proposal, version=version,
                           latest=proposal.latest, show=shown_language(), at_vote=decisions.at_vote(proposal),
                           vote_form=ConfirmForm(), untranslated=decisions.untranslated_clauses(proposal.latest))


@bp.route("/<slug>/versions/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_PROPOSALS)
def new_version(slug: str) -> Response | tuple[str, int]:
    proposal = proposal_or_404(slug)
    if proposal.state not in service.EDITABLE_STATES:
        abort(409, _("The text can no longer be changed: the proposal is %(state)s.",
                     state=service.state_label(proposal.state)))
    latest = proposal.latest
    form = NewVersionForm()
    if not form.is_submitted():
        form.base_version.data = str(latest.number)
        form.text_en.data = to_document(latest.clauses, "en")
        form.text_fr.data = to_document(latest.clauses, "fr")
    elif form.validate():
        try:
            base = parse_whole_number(form.base_version.data or "")
        except ValueError:
            base = 0
        try:
            with write_transaction():
                proposal = proposal_or_404(slug, lock=True)
                created = service.add_version(proposal, base_number=base, clauses=form.clauses,
                                              note_en=form.note_en.data or "", note_fr=form.note_fr.data or "",
                                              actor=current_user)
                number = created.number
        except service.ProposalError as refused:
            form.base_version.errors = [refused.message]
            return render_template("deliberation/version_form.html", form=form, proposal=proposal_or_404(slug),
                                   refused=True), refused.status
        flash(_("Version %(n)s saved.", n=number), "success")
        return redirect(url_for("deliberation.show", slug=slug))
    status = 422 if form.is_submitted() else 200
    return render_template("deliberation/version_form.html", form=form, proposal=proposal), status


@bp.get("/<slug>/history")
@requires(Permission.VIEW_PROPOSALS)
def history(slug: str) -> str:
    proposal = proposal_or_404(slug)
    return render_template("deliberation/history.html", proposal=proposal)


@bp.get("/<slug>/compare")
@requires(Permission.VIEW_PROPOSALS)
def compare(slug: str) -> str:
    proposal = proposal_or_404(slug)
    latest = proposal.latest.number
    old_number = request.args.get("from", type=query_int, default=max(latest - 1, 1))
    new_number = request.args.get("to", type=query_int, default=latest)
    old, new = version_or_404(proposal, old_number), version_or_404(proposal, new_number)
    return render_template("deliberation/compare.html", proposal=proposal, old=old, new=new,
                           diffs=version_diff(old.clauses, new.clauses), show=shown_language())


@bp.route("/<slug>/state", methods=["GET", "POST"])
@requires(Permission.MANAGE_PROPOSALS)
def change_state(slug: str) -> Response | tuple[str, int]:
    proposal = proposal_or_404(slug)
    form = StateForm()
    form.target.choices = [(s.value, service.state_label(s)) for s in STATE_ORDER
                           if s in service.TRANSITIONS[proposal.state]]
    if not form.target.choices:
        abort(409, _("This proposal is %(state)s: its state can no longer change.",
                     state=service.state_label(proposal.state)))
    if form.is_submitted() and form.validate():
        try:
            with write_transaction():
                proposal = proposal_or_404(slug, lock=True)
                service.change_state(proposal, ProposalState(form.target.data), actor=current_user)
                state = proposal.state
        except service.ProposalError as refused:
            abort(refused.status, str(refused.message))
        flash(_("The proposal is now %(state)s.", state=service.state_label(state)), "success")
        return redirect(url_for("deliberation.show", slug=slug))
    status = 422 if form.is_submitted() else 200
    return render_template("deliberation/state_form.html", form=form, proposal=proposal), status


@bp.post("/<slug>/vote")
@requires(Permission.MANAGE_PROPOSALS)
def put_to_vote(slug: str) -> Response:
    """A draft motion to adopt the latest version; the chair checks and opens it on the motion pages."""
    if not ConfirmForm().validate_on_submit():
        abort(422, _("The form expired. Reload the page and try again."))
    try:
        with write_transaction():
            motion_id = decisions.put_proposal_to_vote(proposal_or_404(slug, lock=True), current_user).id
    except service.ProposalError as refused:
        abort(refused.status, str(refused.message))
    flash(_("A draft motion to adopt this version is ready: check it, then open it."), "success")
    return redirect(url_for("motions.preview", motion_id=motion_id), code=303)
