"""Consultation pages on the proposals blueprint: the chair starts, opens and closes one; a
delegate answers for their member; everyone who reads proposals sees the results and the CSV.

Consultations open and close at their times through app/schedule.py, as motions do.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from app.csv_cells import spreadsheet_cell
from app.database import write_transaction
from app.deliberation import bp, consultations
from app.deliberation.consultation_forms import CHOICE_HINTS, CHOICE_LABELS, ConsultationForm, ResponseForm
from app.deliberation.consultation_models import MAX_COMMENT, Consultation, ConsultationState
from app.deliberation.consultation_results import CHOICES, NO_CLUSTER, OTHER_GROUPS, Breakdown, Results, Spread
from app.deliberation.models import Proposal
from app.deliberation.views import proposal_or_404
from app.display import number, rounded
from app.extensions import db
from app.i18n import current_language
from app.models import Member, utcnow
from app.motions.forms import describe_policy
from app.policy import Permission, acts_for_member, can, requires
from app.registry import HOLDER_TYPES, REGIONS, SETTINGS, SIZE_CLASSES, province_name

def grouping_label(grouping: str) -> str:
    labels = {"region": _("IRCC region"), "province": _("Province or territory"), "setting": _("Urban or rural"),
              "size_class": _("Size of centre"), "holder_type": _("Type of agreement holder"),
              "cluster": _("Cluster")}
    return labels[grouping]


def group_label(grouping: str, group: str) -> str:
    if group == OTHER_GROUPS:
        return _("Other groups combined")
    if grouping == "cluster":
        return _("No cluster") if group == NO_CLUSTER else group
    if grouping == "province":
        return province_name(group, current_language())
    table = {"region": REGIONS, "setting": SETTINGS, "size_class": SIZE_CLASSES, "holder_type": HOLDER_TYPES}[grouping]
    return str(table.get(group, group))


def spread_sentence(breakdown: Breakdown, results: Results) -> str:
    spread = breakdown.spread(results.majority_in_support)
    leaning = [group_label(breakdown.grouping, c.group) for c in breakdown.cells if c.leans_in_support]
    if spread is Spread.BROAD:
        return _("Support is broad: a majority in every group (%(n)s of %(n)s).", n=len(breakdown.cells))
    if spread is Spread.ONE_GROUP:
        return _("Support is carried by one group: %(group)s. No other group has a majority in support.",
                 group=leaning[0])
    if spread is Spread.SOME_GROUPS:
        return ngettext("Support is divided: a majority in %(k)s of %(n)s groups.",
                        "Support is divided: a majority in %(k)s of %(n)s groups.", len(leaning), k=len(leaning),
                        n=len(breakdown.cells))
    if spread is Spread.NONE:
        return _("No group has a majority in support.")
    return _("Every answer comes from one group: there is nothing to compare.")


@bp.app_template_global("consultation_choice")
def consultation_choice(value: object) -> str:
    return str(CHOICE_LABELS.get(str(getattr(value, "value", value)), value))


@bp.app_template_global("consultations_for")
def consultations_for(proposal: Proposal) -> list[Consultation]:
    return consultations.consultations_of(proposal)


@bp.app_template_global("consultation_headline")
def consultation_headline(consultation: Consultation) -> str:
    outcome, _problem = consultations.results(consultation)
    if outcome.headline_hidden:
        return _("Fewer than 3 members have answered: the results show from 3 answers.")
    total = outcome.total
    if total.responses == 0:
        return _("No member has answered yet.")
    return ngettext("%(k)s of %(n)s members in support", "%(k)s of %(n)s members in support", total.in_support,
                    k=number(total.in_support), n=number(total.responses))


@bp.app_template_global("consultation_region_sentence")
def consultation_region_sentence(consultation: Consultation) -> str | None:
    """Where the support comes from by IRCC region, for the proposal page; None when not shown."""
    outcome, _problem = consultations.results(consultation)
    region = next(b for b in outcome.breakdowns if b.grouping == "region")
    if outcome.headline_hidden or not region.cells:
        return None
    return spread_sentence(region, outcome)


# --- pages -------------------------------------------------------------------------------------


def consultation_or_404(proposal: Proposal, consultation_id: int) -> Consultation:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or consultation.version.proposal_id != proposal.id:
        abort(404)
    return consultation


@bp.route("/<slug>/consultations/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_PROPOSALS)
def new_consultation(slug: str) -> Response | tuple[str, int]:
    proposal = proposal_or_404(slug)
    form = ConsultationForm()
    refused = None
    if form.is_submitted() and form.validate():
        try:
            with write_transaction():
                proposal = proposal_or_404(slug)
                created = consultations.create(
                    proposal, opens_at=form.opens_at_utc, closes_at=form.closes_at_utc,  # type: ignore[arg-type]
                    confidential=bool(form.confidential.data), weight_policy=form.policy, actor=current_user)
                created_id, state = created.id, created.state
        except consultations.ConsultationError as error:
            refused = error
        else:
            flash(_("The consultation is open.") if state is ConsultationState.OPEN
                  else _("The consultation is scheduled."), "success")
            return redirect(url_for("deliberation.consultation", slug=slug, consultation_id=created_id))
    if refused is not None:
        form.closes_at.errors = [*form.closes_at.errors, str(refused.message)]
        status = refused.status
    else:
        status = 422 if form.is_submitted() else 200
    return render_template("deliberation/consultation_form.html", form=form, proposal=proposal), status


@bp.get("/<slug>/consultations/<int:consultation_id>")
@requires(Permission.VIEW_PROPOSALS)
def consultation(slug: str, consultation_id: int) -> str:
    proposal = proposal_or_404(slug)
    found = consultation_or_404(proposal, consultation_id)
    outcome, problem = consultations.results(found)
    member = current_user.member if can(Permission.CAST_BALLOT) else None
    own = consultations.response_of(found, member) if member is not None else None
    active = len(Member.active_ordered())
    return render_template("deliberation/consultation.html", proposal=proposal, consultation=found, results=outcome,
                           weight_problem=problem, member=member, own=own, active_members=active,
                           choices=CHOICES, policy=describe_policy(found.weight_policy), now=utcnow(),
                           grouping_label=grouping_label, group_label=group_label,
                           spread_sentence=spread_sentence, comments=_comments(found))


def _comments(found: Consultation) -> list[dict[str, Any]]:
    """Named answers with their comments when the consultation is not confidential; when it is,
    chairs alone read the comments, without names, in no particular order of member."""
    if not found.confidential:
        return [{"member": r.member.name(current_language()), "choice": r.choice, "comment": r.comment,
                 "comment_lang": r.comment_lang}
                for r in sorted(found.responses, key=lambda r: r.member.name(current_language()))]
    if can(Permission.MANAGE_PROPOSALS):
        return [{"member": None, "choice": None, "comment": text, "comment_lang": lang}
                for text, lang in sorted((r.comment, r.comment_lang) for r in found.responses if r.comment)]
    return []


@bp.route("/<slug>/consultations/<int:consultation_id>/answer", methods=["GET", "POST"])
@requires(Permission.CAST_BALLOT)
def answer(slug: str, consultation_id: int) -> Response | tuple[str, int]:
    proposal = proposal_or_404(slug)
    found = consultation_or_404(proposal, consultation_id)
    member = current_user.member
    if member is None or not acts_for_member(current_user, member):
        abort(403)
    own = consultations.response_of(found, member)
    form = ResponseForm()
    if not form.is_submitted():
        if not found.is_open_at(utcnow()):
            abort(409, _("This consultation is not open for answers."))
        form.member.data = member.slug
        form.revision.data = str(own.revision if own else 0)
        if own is not None:
            form.choice.data, form.comment.data = own.choice.value, own.comment
        return _answer_page(proposal, found, form, member, own), 200
    if form.validate():
        target = db.session.scalar(select(Member).where(Member.slug == (form.member.data or "")))
        if target is None:
            abort(403, _("You can answer only for the member you represent."))
        try:
            with write_transaction():
                consultations.respond(consultations.lock(found.id), user=current_user, member=target,
                                      choice=form.choice.data or "", comment=form.comment.data or "",
                                      revision=form.revision_number, lang=current_language())
        except consultations.ConsultationError as refused:
            if refused.status in (403, 404):
                abort(refused.status, str(refused.message))
            own = consultations.response_of(found, member)
            form.choice.errors = [*form.choice.errors, str(refused.message)]
            form.revision.data = str(own.revision if own else 0)
            return _answer_page(proposal, found, form, member, own), refused.status
        flash(_("Your member’s answer is saved. You can change it until the consultation closes."), "success")
        return redirect(url_for("deliberation.consultation", slug=slug, consultation_id=found.id))
    return _answer_page(proposal, found, form, member, own), 422


def _answer_page(proposal: Proposal, found: Consultation, form: ResponseForm, member: Member,
                 own: Any) -> str:
    return render_template("deliberation/consultation_answer.html", proposal=proposal, consultation=found, form=form,
                           member=member, own=own, hints=CHOICE_HINTS, max_comment=MAX_COMMENT)


@bp.post("/<slug>/consultations/<int:consultation_id>/open")
@requires(Permission.MANAGE_PROPOSALS)
def open_consultation(slug: str, consultation_id: int) -> Response:
    return _chair_action(slug, consultation_id, consultations.open_now, _("The consultation is open."))


@bp.post("/<slug>/consultations/<int:consultation_id>/close")
@requires(Permission.MANAGE_PROPOSALS)
def close_consultation(slug: str, consultation_id: int) -> Response:
    return _chair_action(slug, consultation_id, consultations.close_now, _("The consultation is closed."))


def _chair_action(slug: str, consultation_id: int, action: Any, done: str) -> Response:
    proposal = proposal_or_404(slug)
    found = consultation_or_404(proposal, consultation_id)
    try:
        with write_transaction():
            action(consultations.lock(found.id), actor=current_user)
    except consultations.ConsultationError as refused:
        abort(refused.status, str(refused.message))
    flash(done, "success")
    return redirect(url_for("deliberation.consultation", slug=slug, consultation_id=consultation_id))


@bp.get("/<slug>/consultations/<int:consultation_id>/results.csv")
@requires(Permission.VIEW_PROPOSALS)
def consultation_csv(slug: str, consultation_id: int) -> Response:
    proposal = proposal_or_404(slug)
    found = consultation_or_404(proposal, consultation_id)
    outcome, _problem = consultations.results(found)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["grouping", "group", "responses", *[f"members_{c}" for c in CHOICES], "members_in_support",
                     *[f"weight_{c}" for c in CHOICES], "weight_in_support", "group_factor", "grouping_agreement"])
    rows = [("all", "", outcome.total, None)] if not outcome.headline_hidden else []
    rows += [(b.grouping, c.group, c, b.agreement) for b in outcome.breakdowns for c in b.cells]
    for grouping, group, cell, agreement in rows:
        members, weights = cell.members, cell.weights
        writer.writerow([spreadsheet_cell(v) for v in (
            grouping, group, cell.responses, *[members[c] for c in CHOICES], cell.in_support,
            *[weights[c] for c in CHOICES], cell.weight_in_support, str(rounded(cell.factor, 6)),
            "" if agreement is None else str(rounded(agreement, 6)))])
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=lipvote-{proposal.slug}-v{found.version.number}-consultation.csv")
    return response

