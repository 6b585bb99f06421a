from __future__ import annotations

from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.action_log import record_action
from app.database import write_transaction
from app.extensions import db
from app.i18n import current_language
from app.members import bp
from app.members.csv_io import check_import, export_rows
from app.forms import ConfirmForm
from app.members.forms import ImportForm, MemberForm
from app.members.validation import FieldError, NameIndex, clean_member, duplicate_names, name_index
from app.models import Member
from app.policy import Permission, requires
from app.registry import REGIONS

EDITABLE = ("name_en", "name_fr", "province", "region", "setting", "size_class", "population", "holder_type", "clusters", "active")


def member_or_404(slug: str) -> Member:
    member = db.session.scalar(select(Member).where(Member.slug == slug))
    if member is None:
        abort(404)
    return member


def snapshot(member: Member) -> dict[str, object]:
    return {name: getattr(member, name) for name in ("slug", *EDITABLE)}


@bp.get("/")
@requires(Permission.VIEW_MEMBERS)
def index() -> str:
    region = request.args.get("region", "")
    show_inactive = request.args.get("inactive") == "1"
    query = select(Member).order_by(Member.region, Member.name_en)
    if region in REGIONS:
        query = query.where(Member.region == region)
    if not show_inactive:
        query = query.where(Member.active)
    return render_template(
        "members/index.html",
        members=list(db.session.scalars(query)),
        region=region,
        show_inactive=show_inactive,
        confirm_form=ConfirmForm(),
    )


def _validated(form: MemberForm, member: Member | None) -> tuple[dict[str, object], list[FieldError]]:
    record = form.as_record()
    if member is not None:
        record["slug"] = member.slug  # the identifier is permanent: ballots and exports refer to it
    clean, errors = clean_member(record)
    if member is None and db.session.scalar(select(Member.id).where(Member.slug == clean["slug"])) is not None:
        errors.append(FieldError("slug", str(_l("A member with identifier %(slug)s already exists.", slug=clean["slug"]))))
    errors.extend(duplicate_names(clean, registered_names()))
    return clean, errors


def registered_names() -> NameIndex:
    rows = db.session.execute(select(Member.slug, Member.name_en, Member.name_fr)).mappings()
    return name_index(rows)


def _form_page(form: MemberForm, member: Member | None) -> Response | tuple[str, int]:
    if form.validate_on_submit():
        clean, errors = _validated(form, member)
        if not errors:
            with write_transaction():  # the audit log's next index is taken under the write lock
                before = snapshot(member) if member else None
                if member is None:
                    member = Member(**clean)
                    db.session.add(member)
                    action = "member.create"
                else:
                    for name in EDITABLE:
                        setattr(member, name, clean[name])
                    action = "member.update"
                db.session.flush()
                record_action(action, target=f"member:{member.slug}", before=before, after=snapshot(member))
            flash(_("Saved %(name)s.", name=member.name(current_language())), "success")
            return redirect(url_for("members.index"))
        for err in errors:
            getattr(form, err.field).errors.append(err.message)
    status = 422 if form.is_submitted() else 200
    return render_template("members/form.html", form=form, member=member), status


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEMBERS)
def create() -> Response | tuple[str, int]:
    return _form_page(MemberForm(), None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEMBERS)
def edit(slug: str) -> Response | tuple[str, int]:
    member = member_or_404(slug)
    form = MemberForm(obj=member)
    return _form_page(form, member)


@bp.post("/<slug>/active")
@requires(Permission.MANAGE_MEMBERS)
def set_active(slug: str) -> Response:
    member = member_or_404(slug)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    wanted = request.form.get("active") == "1"
    with write_transaction():
        if member.active != wanted:
            before = snapshot(member)
            member.active = wanted
            record_action("member.activate" if wanted else "member.deactivate", target=f"member:{slug}",
                          before=before, after=snapshot(member))
    flash(_("%(name)s is now active.", name=member.name(current_language())) if wanted
          else _("%(name)s is now inactive and cannot vote.", name=member.name(current_language())), "success")
    return redirect(url_for("members.index", inactive="1"))


@bp.route("/import", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEMBERS)
def import_csv() -> Response | tuple[str, int]:
    form = ImportForm()
    if form.validate_on_submit():
        existing = set(db.session.scalars(select(Member.slug)))
        check = check_import(form.file.data.read(), existing, registered_names())
        if check.problems:
            return render_template("members/import.html", form=form, problems=check.problems), 422
        with write_transaction():
            for row in check.rows:
                db.session.add(Member(**row))
            record_action("member.import", target="members", before=None,
                          after={"count": len(check.rows), "slugs": [str(r["slug"]) for r in check.rows]})
        flash(_("Imported %(n)d members.", n=len(check.rows)), "success")
        return redirect(url_for("members.index"))
    return render_template("members/import.html", form=form, problems=None), 422 if form.is_submitted() else 200


@bp.get("/export.csv")
@requires(Permission.EXPORT_MEMBERS)
def export_csv() -> Response:
    members = db.session.scalars(select(Member).order_by(Member.slug))
    response = make_response(export_rows(members))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = "attachment; filename=lipvote-members.csv"
    return response
