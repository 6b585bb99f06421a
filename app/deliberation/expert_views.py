"""The chair's "Experts" section of a proposal (invite, end early) and the guard that keeps an
expert account to the proposals it is invited to (app/deliberation/experts.py)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired

from app.database import write_transaction
from app.deliberation import bp, experts
from app.deliberation.views import proposal_or_404
from app.extensions import db
from app.models import User, utcnow
from app.motions.forms import DATETIME_FORMAT, to_utc, zone_description
from app.policy import Permission, requires
from app.whole_numbers import AsciiDateTimeLocalField

EXPERT_ANYWHERE = frozenset({"deliberation.index"})  # the list shows the expert's own proposals only


@bp.before_request
def keep_experts_to_their_proposals() -> None:
    if not experts.is_expert(current_user) or request.endpoint in EXPERT_ANYWHERE:
        return
    slug = (request.view_args or {}).get("slug")
    proposal = proposal_or_404(slug) if slug else None
    if proposal is None or experts.active_grant(current_user, proposal) is None:
        abort(403, _("You are not invited to this proposal, or your invitation has ended. "
                     "Ask the chair if you need more time."))


class InviteExpertForm(FlaskForm):
    email = EmailField(_l("Email address of the expert’s account"), validators=[DataRequired(
        message=_l("Enter the email address of the expert’s account."))],
        description=_l("An administrator creates the account first, with the role “Subject-matter expert”."))
    expires_at = AsciiDateTimeLocalField(_l("Invitation ends at"), format=DATETIME_FORMAT, validators=[DataRequired(
        message=_l("Enter when the invitation ends: a date and an hour."))],
        description=_l("After this time the expert can no longer read or comment on this proposal."))
    submit = SubmitField(_l("Invite the expert"))

    @staticmethod
    def zone() -> str:
        return zone_description()


class EndExpertForm(FlaskForm):
    submit = SubmitField(_l("End the invitation now"))


@bp.app_template_global("proposal_experts")
def proposal_experts(proposal: object) -> list[experts.ProposalExpert]:
    return experts.grants_on(proposal)  # type: ignore[arg-type]


@bp.app_template_global("end_expert_form")
def end_expert_form() -> EndExpertForm:
    return EndExpertForm()


@bp.route("/<slug>/experts/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_PROPOSALS)
def invite_expert(slug: str) -> Response | tuple[str, int]:
    proposal = proposal_or_404(slug)
    form = InviteExpertForm()
    if form.validate_on_submit():
        expert = db.session.scalar(select(User).where(func.lower(User.email) == (form.email.data or "").strip().lower()))
        if expert is None:
            form.email.errors = [*form.email.errors, _("No account has this email address.")]
        else:
            try:
                with write_transaction():
                    grant = experts.invite(proposal_or_404(slug, lock=True), expert, to_utc(form.expires_at.data),
                                           current_user)
            except experts.ExpertError as refused:
                form.email.errors = [*form.email.errors, str(refused.message)]
            else:
                flash(_("%(name)s is invited to comment on this proposal.", name=grant.user.display_name), "success")
                return redirect(url_for("deliberation.show", slug=slug, _anchor="experts"))
    status = 422 if form.errors else 200
    return render_template("deliberation/expert_form.html", form=form, proposal=proposal), status


@bp.post("/<slug>/experts/<int:grant_id>/end")
@requires(Permission.MANAGE_PROPOSALS)
def end_expert(slug: str, grant_id: int) -> Response:
    proposal = proposal_or_404(slug)
    if not EndExpertForm().validate_on_submit():
        abort(400, _("The form expired; go back and try again."))
    with write_transaction():
        grant = db.session.get(experts.ProposalExpert, grant_id)
        if grant is None or grant.proposal_id != proposal.id:
            abort(404)
        try:
            experts.end(grant)
        except experts.ExpertError as refused:
            abort(refused.status, str(refused.message))
    flash(_("The invitation of %(name)s has ended.", name=grant.user.display_name), "success")
    return redirect(url_for("deliberation.show", slug=slug, _anchor="experts"))


@bp.app_template_global("expert_invitations")
def expert_invitations() -> list[experts.ProposalExpert]:
    return experts.proposals_of(current_user)


@bp.app_template_global("now_utc")
def now_utc() -> object:
    return utcnow()
