from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Conflict
from wtforms.fields.choices import SelectChoice

from app import sessions, tokens
from app.accounts import bp
from app.accounts.forms import AccountForm
from app.action_log import record_action
from app.auth import two_factor
from app.database import write_transaction
from app.extensions import db
from app.i18n import current_language
from app.mail import messages
from app.mail.settings import configured as mail_configured
from app.forms import ConfirmForm
from app.models import DelegateRank, Member, Role, SessionEnd, TokenPurpose, User
from app.policy import Permission, requires


def account_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def snapshot(user: User) -> dict[str, object]:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role.value,
        "member": user.member.slug if user.member else None,
        "delegate_rank": user.delegate_rank.value if user.delegate_rank else None,
        "locale": user.locale,
        "active": user.active,
    }


def changes_authority(before: dict[str, object], after: dict[str, object]) -> bool:
    """A change of what the account may do: its sessions end and it signs in again as what it now is."""
    return any(before[key] != after[key] for key in ("email", "role", "member", "delegate_rank", "active"))


def _form(user: User | None) -> AccountForm:
    form = AccountForm(obj=user) if user is not None else AccountForm()
    lang = current_language()
    form.member.choices = [SelectChoice("", _("— none —"))] + [
        SelectChoice(m.slug, m.name(lang)) for m in db.session.scalars(select(Member).where(Member.active).order_by(Member.name_en))
    ]
    if user is not None and request.method == "GET":
        form.role.data = user.role.value
        form.member.data = user.member.slug if user.member else ""
        form.delegate_rank.data = user.delegate_rank.value if user.delegate_rank else ""
    return form


def _apply(form: AccountForm, user: User) -> list[tuple[str, str]]:
    """Copy the form onto `user`; return (field, message) problems, leaving `user` unchanged on any."""
    problems: list[tuple[str, str]] = []
    email = (form.email.data or "").strip().lower()
    clash = db.session.scalar(select(User.id).where(func.lower(User.email) == email, User.id != (user.id or -1)))
    if clash is not None:
        problems.append(("email", _("Another account already uses this address.")))
    role = Role(form.role.data)
    member: Member | None = None
    rank: DelegateRank | None = None
    if role is Role.DELEGATE:
        member = db.session.scalar(select(Member).where(Member.slug == form.member.data, Member.active))
        if member is None:
            problems.append(("member", _("A delegate must be bound to an active member.")))
        if not form.delegate_rank.data:
            problems.append(("delegate_rank", _("Choose primary or alternate.")))
        else:
            rank = DelegateRank(form.delegate_rank.data)
        if member is not None and rank is DelegateRank.PRIMARY:
            holder = db.session.scalar(select(User).where(
                User.member_id == member.id, User.delegate_rank == DelegateRank.PRIMARY, User.id != (user.id or -1)))
            if holder is not None:
                problems.append(("delegate_rank", _("%(member)s already has a primary delegate (%(name)s); add this one as an alternate.",
                                                    member=member.name(current_language()), name=holder.display_name)))
    elif form.member.data or form.delegate_rank.data:
        problems.append(("member", _("Only delegates are bound to a member; clear the member and rank.")))
    if problems:
        return problems
    user.email = email
    user.display_name = (form.display_name.data or "").strip()
    user.role = role
    user.member = member
    user.delegate_rank = rank
    user.locale = form.locale.data or "en"
    return []


@bp.get("/")
@requires(Permission.MANAGE_ACCOUNTS)
def index() -> str:
    users = db.session.scalars(select(User).order_by(User.role, User.display_name))
    return render_template("accounts/index.html", users=list(users), confirm_form=ConfirmForm(),
                           two_factor_on=two_factor.enrolled_user_ids())


def _form_page(user: User | None) -> Response | tuple[str, int]:
    form = _form(user)
    if form.validate_on_submit():
        target = user or User(active=True)
        link = None
        with write_transaction():  # checks, change and audit record under one write lock
            before = snapshot(user) if user else None
            problems = _apply(form, target)
            if not problems:
                if user is None:
                    db.session.add(target)
                try:
                    db.session.flush()
                except IntegrityError as e:
                    raise Conflict(_("Another change to this account or member happened at the same time; reload and try again.")) from e
                after = snapshot(target)
                record_action("account.create" if user is None else "account.update", target=f"user:{target.id}",
                              before=before, after=after)
                if before is not None and changes_authority(before, after):
                    sessions.end_all(target.id, SessionEnd.ACCOUNT)
                if user is None:
                    link = invite(target)
        if not problems:
            if link:
                return render_template("accounts/link.html", user=target, link=link, purpose="invitation"), 201
            if user is None:
                flash(_("Saved %(name)s. An invitation is on its way to %(email)s.", name=target.display_name,
                        email=target.email), "success")
                return redirect(url_for("accounts.index"))
            flash(_("Saved %(name)s.", name=target.display_name), "success")
            return redirect(url_for("accounts.index"))
        if user is not None:
            db.session.refresh(user)
        for field, message in problems:
            getattr(form, field).errors.append(message)
    return render_template("accounts/form.html", form=form, user=user), 422 if form.is_submitted() else 200


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_ACCOUNTS)
def create() -> Response | tuple[str, int]:
    return _form_page(None)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_ACCOUNTS)
def edit(user_id: int) -> Response | tuple[str, int]:
    return _form_page(account_or_404(user_id))


@bp.post("/<int:user_id>/link")
@requires(Permission.MANAGE_ACCOUNTS)
def issue_link(user_id: int) -> Response | tuple[str, int]:
    """A fresh invitation (no password yet) or reset link (password set): e-mailed when mail is set
    up, otherwise shown once to the admin. Earlier links of that kind stop working."""
    user = account_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not user.active:
        abort(409, _("Reactivate the account before issuing a link."))
    purpose = TokenPurpose.INVITATION if user.password_hash is None else TokenPurpose.RESET
    with write_transaction():
        raw = tokens.issue(user, purpose, current_user)
        mailed = mail_configured()
        if mailed:
            (messages.invitation if purpose is TokenPurpose.INVITATION else messages.password_reset)(user, raw)
        record_action(f"account.{purpose.value}_link", target=f"user:{user.id}", before=None,
                      after={"purpose": purpose.value, "mailed": mailed})
    if mailed:
        flash(_("A new link is on its way to %(email)s; earlier links no longer work.", email=user.email), "success")
        return redirect(url_for("accounts.invitations" if request.form.get("back") == "invitations" else "accounts.index"))
    return render_template("accounts/link.html", user=user, link=tokens.link_for(raw, purpose), purpose=purpose.value), 201


def invite(user: User) -> str | None:
    """Issue `user`'s invitation inside the caller's write transaction: e-mailed when mail is
    set up (None is returned), otherwise the link, for the administrator to pass on."""
    raw = tokens.issue(user, TokenPurpose.INVITATION, current_user)
    if mail_configured():
        messages.invitation(user, raw)
        return None
    return tokens.link_for(raw, TokenPurpose.INVITATION)


@bp.post("/<int:user_id>/active")
@requires(Permission.MANAGE_ACCOUNTS)
def set_active(user_id: int) -> Response:
    user = account_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("active") == "1"
    if user.id == current_user.id and not wanted:
        abort(409, _("You cannot deactivate your own account."))
    with write_transaction():
        if user.active != wanted:
            before = snapshot(user)
            user.active = wanted
            if not wanted:
                sessions.end_all(user.id, SessionEnd.ACCOUNT)
            record_action("account.activate" if wanted else "account.deactivate", target=f"user:{user.id}",
                          before=before, after=snapshot(user))
    flash(_("Saved %(name)s.", name=user.display_name), "success")
    return redirect(url_for("accounts.index"))
