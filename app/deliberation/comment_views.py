"""Comment pages: the threads of a proposal (all, or one clause's), writing, replying, editing,
an edited comment's history, and a chair hiding a comment with a reason or showing it again."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Field, HiddenField, SelectField, SubmitField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length

from app.database import write_transaction
from app.deliberation import bp
from app.deliberation import comments as service
from app.deliberation.comments import MAX_COMMENT_CHARS, MAX_DEPTH, MAX_REASON_CHARS, Comment
from app.deliberation.models import Proposal
from app.deliberation.views import proposal_or_404
from app.display import number
from app.extensions import db
from app.i18n import current_language
from app.models import Role
from app.policy import Permission, may_comment, requires
from app.text_input import PlainText, clean_multiline

WHOLE_PROPOSAL = ""


def acceptable_comment(form: FlaskForm, field: Field) -> None:
    """The service's own checks (length, invisible characters), so the form and the service agree."""
    problem = service.body_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class CommentForm(FlaskForm):
    clause = SelectField(_l("About"), choices=[], default=WHOLE_PROPOSAL, validate_choice=True)
    body = TextAreaField(_l("Your comment"), filters=[clean_multiline], render_kw={"rows": 8},
                         validators=[DataRequired(_l("Write your comment.")), acceptable_comment],
                         description=_l("Plain text, or Markdown."))  # the full help is set per request
    reply_to = HiddenField()
    submit = SubmitField(_l("Publish the comment"))


class EditCommentForm(FlaskForm):
    body = CommentForm.body
    submit = SubmitField(_l("Save the change"))


class HideForm(FlaskForm):
    reason = TextAreaField(_l("Reason for hiding it"), filters=[clean_multiline], render_kw={"rows": 3},
                           validators=[DataRequired(_l("Give the reason for hiding the comment: everyone will read it.")),
                                       Length(max=MAX_REASON_CHARS, message=_l(
                                           "The reason may have at most %(max)d characters.")),
                                       PlainText(multiline=True)],
                           description=_l("Everyone who reads the proposal sees this reason. Only auditors can "
                                          "still read the comment itself."))
    submit = SubmitField(_l("Hide the comment"))


class ShowForm(FlaskForm):
    reason = TextAreaField(_l("Reason for showing it again"), filters=[clean_multiline], render_kw={"rows": 3},
                           validators=[DataRequired(_l("Give the reason for showing the comment again.")),
                                       Length(max=MAX_REASON_CHARS, message=_l(
                                           "The reason may have at most %(max)d characters.")),
                                       PlainText(multiline=True)],
                           description=_l("The reason is kept in the signed audit trail, with the reason it "
                                          "was hidden."))
    submit = SubmitField(_l("Show the comment again"))


def comment_or_404(proposal: Proposal, comment_id: int) -> Comment:
    comment = db.session.scalar(select(Comment).where(Comment.id == comment_id, Comment.proposal_id == proposal.id))
    if comment is None:
        abort(404)
    return comment


def clause_choices(proposal: Proposal) -> list[tuple[str, str]]:
    lang = current_language()
    choices = [(WHOLE_PROPOSAL, _("The whole proposal"))]
    for clause in proposal.latest.clauses:
        heading = clause.heading(lang) or clause.heading("fr" if lang == "en" else "en")
        choices.append((clause.key, _("Clause %(key)s", key=clause.key) + (f": {heading}" if heading else "")))
    return choices


@bp.app_template_global("comment_author")
def comment_author(comment: Comment) -> str:
    lang = current_language()
    if comment.member is not None:
        return comment.member.name(lang)
    if comment.author is not None and comment.author.role is Role.EXPERT:
        return f"{comment.author.display_name} · {_('Subject-matter expert')}"
    if comment.author is not None:
        return f"{comment.author.display_name} · {_('Chair')}"  # as the page header names a person
    return _("A former account")


@bp.app_template_global("comment_rules")
def comment_rules() -> dict[str, Any]:
    return {"may_comment": may_comment(current_user), "max_depth": MAX_DEPTH,
            "may_read_hidden": service.may_read_hidden(current_user),
            "may_edit": lambda c: service.may_edit(current_user, c)}


@bp.get("/<slug>/comments")
@requires(Permission.VIEW_PROPOSALS)
def comments(slug: str) -> str:
    proposal = proposal_or_404(slug)
    clause_key = request.args.get("clause") or None
    clause = proposal.latest.clause(clause_key) if clause_key else None
    if clause_key and clause is None and clause_key not in service.count_by_clause(proposal):
        abort(404)
    return render_template("deliberation/comments.html", proposal=proposal, clause_key=clause_key, clause=clause,
                           threads=service.threads(proposal, clause_key),
                           closed=proposal.state in service.CLOSED_STATES)


def _refuse_if_closed(proposal: Proposal) -> None:
    if proposal.state in service.CLOSED_STATES:
        abort(409, _("This proposal is decided or withdrawn: it no longer takes comments."))


def _require_commenter() -> None:
    if not may_comment(current_user):
        abort(403)


@bp.route("/<slug>/comments/new", methods=["GET", "POST"])
@requires(Permission.COMMENT_ON_PROPOSALS)
def new_comment(slug: str) -> Response | tuple[str, int]:
    _require_commenter()
    proposal = proposal_or_404(slug)
    _refuse_if_closed(proposal)
    form = CommentForm()
    form.clause.choices = clause_choices(proposal)
    reply_id = request.values.get("reply_to", type=int) if request.values.get("reply_to") else None
    parent = comment_or_404(proposal, reply_id) if reply_id else None
    if not form.is_submitted():
        asked = request.args.get("clause", WHOLE_PROPOSAL)
        form.clause.data = asked if asked in dict(form.clause.choices) else WHOLE_PROPOSAL
        form.reply_to.data = str(parent.id) if parent else ""
    elif form.validate():
        try:
            with write_transaction():
                proposal = proposal_or_404(slug)
                locked_parent = comment_or_404(proposal, parent.id) if parent else None
                comment = service.add_comment(proposal, current_user, form.body.data or "",
                                              clause_key=form.clause.data or None, parent=locked_parent,
                                              lang=current_language())
                anchor = f"comment-{comment.id}"
        except service.CommentError as refused:
            if refused.status == 422:
                form.body.errors = [refused.message]
                return _form_page(form, proposal, parent), 422
            abort(refused.status, str(refused.message))
        flash(_("Your comment is published."), "success")
        return redirect(url_for("deliberation.comments", slug=slug) + f"#{anchor}")
    return _form_page(form, proposal, parent), 422 if form.is_submitted() else 200


def _form_page(form: FlaskForm, proposal: Proposal, parent: Comment | None, comment: Comment | None = None) -> str:
    form.body.description = _("Plain text, or Markdown: *italics*, **bold**, lists with “-”, links as "
                              "[text](https://…). At most %(max)s characters.", max=number(MAX_COMMENT_CHARS))
    return render_template("deliberation/comment_form.html", form=form, proposal=proposal, parent=parent,
                           comment=comment)


@bp.route("/<slug>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@requires(Permission.COMMENT_ON_PROPOSALS)
def edit_comment(slug: str, comment_id: int) -> Response | tuple[str, int]:
    proposal = proposal_or_404(slug)
    comment = comment_or_404(proposal, comment_id)
    if not service.may_edit(current_user, comment):
        abort(403)
    _refuse_if_closed(proposal)
    form = EditCommentForm()
    if not form.is_submitted():
        form.body.data = comment.body
    elif form.validate():
        try:
            with write_transaction():
                service.edit_comment(comment_or_404(proposal_or_404(slug), comment_id), current_user,
                                     form.body.data or "")
        except service.CommentError as refused:
            if refused.status == 422:
                form.body.errors = [refused.message]
                return _form_page(form, proposal, None, comment), 422
            abort(refused.status, str(refused.message))
        flash(_("Your comment is changed; its earlier text stays in its history."), "success")
        return redirect(url_for("deliberation.comments", slug=slug) + f"#comment-{comment_id}")
    return _form_page(form, proposal, None, comment), 422 if form.is_submitted() else 200


@bp.get("/<slug>/comments/<int:comment_id>/history")
@requires(Permission.VIEW_PROPOSALS)
def comment_history(slug: str, comment_id: int) -> str:
    proposal = proposal_or_404(slug)
    comment = comment_or_404(proposal, comment_id)
    return render_template("deliberation/comment_history.html", proposal=proposal, comment=comment,
                           readable=not comment.hidden or service.may_read_hidden(current_user))


@bp.route("/<slug>/comments/<int:comment_id>/hide", methods=["GET", "POST"])
@requires(Permission.MODERATE_COMMENTS)
def hide_comment(slug: str, comment_id: int) -> Response | tuple[str, int]:
    return _moderate(slug, comment_id, HideForm(), hiding=True)


@bp.route("/<slug>/comments/<int:comment_id>/show", methods=["GET", "POST"])
@requires(Permission.MODERATE_COMMENTS)
def show_comment(slug: str, comment_id: int) -> Response | tuple[str, int]:
    return _moderate(slug, comment_id, ShowForm(), hiding=False)


def _moderate(slug: str, comment_id: int, form: HideForm | ShowForm, hiding: bool) -> Response | tuple[str, int]:
    """Hide a comment, or show a hidden one again: a chair's decision with a reason, one page each."""
    proposal = proposal_or_404(slug)
    comment = comment_or_404(proposal, comment_id)
    if comment.hidden == hiding:
        abort(409, _("This comment is already hidden.") if hiding else _("This comment is not hidden."))
    if form.validate_on_submit():
        try:
            with write_transaction():
                locked = comment_or_404(proposal_or_404(slug), comment_id)
                if hiding:
                    service.hide_comment(locked, current_user, form.reason.data or "", lang=current_language())
                else:
                    service.show_comment(locked, current_user, form.reason.data or "")
        except service.CommentError as refused:
            if refused.status == 422:
                form.reason.errors = [refused.message]
                return render_template("deliberation/comment_moderate.html", form=form, proposal=proposal,
                                       comment=comment, hiding=hiding), 422
            abort(refused.status, str(refused.message))
        flash(_("The comment is hidden. The reason is shown in its place.") if hiding
              else _("The comment is shown again."), "success")
        return redirect(url_for("deliberation.comments", slug=slug) + f"#comment-{comment_id}")
    status = 422 if form.is_submitted() else 200
    return render_template("deliberation/comment_moderate.html", form=form, proposal=proposal, comment=comment,
                           hiding=hiding), status


@bp.app_template_global("comment_counts_of")
def comment_counts_of(proposal: Proposal) -> dict[str | None, int]:
    return service.count_by_clause(proposal)
