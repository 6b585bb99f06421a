"""The administrator's invitations page: delegates invited in bulk from a CSV file (check,
preview, send), and every invitation's state: accepted, waiting, expired or revoked, with the
e-mail's state; resend (`accounts.issue_link`) and revoke."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Conflict

from app.accounts import bp
from app.accounts import bulk_invitations as bulk
from app.accounts.forms import InvitationSendForm, InvitationUploadForm
from app.accounts.routes import account_or_404, invite, snapshot
from app.action_log import record_action
from app.database import write_transaction
from app.extensions import db
from app.forms import ConfirmForm
from app.mail.models import MailMessage, MailState
from app.mail.settings import configured as mail_configured
from app.models import AccountToken, Member, Role, TokenPurpose, User, utcnow
from app.policy import Permission, requires


@dataclass(frozen=True)
class InvitationRow:
    user: User
    accepted: bool
    link_until: datetime | None  # when the last link stops working, if it still works
    mail: MailState | None  # the state of the last invitation e-mail, if one was queued


def invitation_rows() -> list[InvitationRow]:
    """Every account that was ever invited, those still waiting first."""
    now = utcnow()
    last_token: dict[int, tuple[datetime, datetime | None]] = {}
    for user_id, expires_at, used_at in db.session.execute(
            select(AccountToken.user_id, AccountToken.expires_at, AccountToken.used_at)
            .where(AccountToken.purpose == TokenPurpose.INVITATION).order_by(AccountToken.id)):
        last_token[user_id] = (expires_at, used_at)  # a new link retires the earlier ones: the last one tells
    link_until = {user_id: expires_at if used_at is None and expires_at > now else None
                  for user_id, (expires_at, used_at) in last_token.items()}
    mail_state = {user_id: state for user_id, state in db.session.execute(  # the last message of each wins
        select(MailMessage.user_id, MailMessage.state).where(MailMessage.kind == "invitation").order_by(MailMessage.id))}
    users = db.session.scalars(select(User).where(User.id.in_(link_until)).order_by(User.display_name))
    rows = [InvitationRow(user, user.password_hash is not None, link_until[user.id], mail_state.get(user.id))
            for user in users]
    return sorted(rows, key=lambda row: row.accepted)


def _page(upload: InvitationUploadForm, problems: list[bulk.RowProblem] | None = None, status: int = 200) -> tuple[str, int]:
    rows = invitation_rows()
    return render_template("accounts/invitations.html", form=upload, problems=problems, rows=rows,
                           accepted=sum(1 for row in rows if row.accepted), confirm_form=ConfirmForm()), status


@bp.get("/invitations")
@requires(Permission.MANAGE_ACCOUNTS)
def invitations() -> tuple[str, int]:
    return _page(InvitationUploadForm())


@bp.post("/invitations/preview")
@requires(Permission.MANAGE_ACCOUNTS)
def preview_invitations() -> tuple[str, int]:
    form = InvitationUploadForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    data = form.file.data.read()
    result = bulk.check(data, bulk.Registry.current())
    if result.problems:
        return _page(form, result.problems, 422)
    members = {m.slug: m for m in db.session.scalars(select(Member).where(Member.slug.in_({i.member_slug for i in result.invitees})))}
    send = InvitationSendForm(csv=base64.b64encode(data).decode("ascii"))
    return render_template("accounts/invitations_preview.html", invitees=result.invitees, members=members,
                           form=send), 200


def _sent_file(form: InvitationSendForm) -> bytes:
    try:
        return base64.b64decode(form.csv.data or "", validate=True)
    except (binascii.Error, ValueError):
        abort(400)


@bp.post("/invitations/send")
@requires(Permission.MANAGE_ACCOUNTS)
def send_invitations() -> Response | tuple[str, int]:
    form = InvitationSendForm()
    if not form.validate_on_submit():
        abort(400)
    data = _sent_file(form)
    links: list[tuple[User, str]] = []
    with write_transaction():  # checked again under the write lock: the registry may have changed since the preview
        result = bulk.check(data, bulk.Registry.current())
        if not result.problems:
            links = create_and_invite(result.invitees)
    if result.problems:
        return _page(InvitationUploadForm(), result.problems, 422)
    if links:
        return render_template("accounts/invitation_links.html", links=links), 201
    flash(ngettext("%(num)d invitation is on its way.", "%(num)d invitations are on their way.",
                   len(result.invitees)), "success")
    return redirect(url_for("accounts.invitations"), 303)


def create_and_invite(invitees: list[bulk.Invitee]) -> list[tuple[User, str]]:
    """Create the delegates' accounts and invite them (inside the caller's write transaction);
    returns the links to pass on when mail is not configured."""
    members = {m.slug: m for m in db.session.scalars(select(Member).where(Member.slug.in_({i.member_slug for i in invitees})))}
    links = []
    for invitee in invitees:
        user = User(email=invitee.email, display_name=invitee.name, role=Role.DELEGATE, member=members[invitee.member_slug],
                    delegate_rank=invitee.rank, locale=invitee.language, active=True)
        db.session.add(user)
        try:
            db.session.flush()
        except IntegrityError as e:
            raise Conflict(_("Another change to these accounts or members happened at the same time; reload and try again.")) from e
        record_action("account.create", target=f"user:{user.id}", before=None, after={**snapshot(user), "by": "bulk invitation"})
        link = invite(user)
        if link is not None:
            links.append((user, link))
    return links


@bp.post("/<int:user_id>/invitation/revoke")
@requires(Permission.MANAGE_ACCOUNTS)
def revoke_invitation(user_id: int) -> Response:
    user = account_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if user.password_hash is not None:
        abort(409, _("%(name)s has already accepted the invitation.", name=user.display_name))
    with write_transaction():
        revoked = db.session.execute(
            update(AccountToken)
            .where(AccountToken.user_id == user_id, AccountToken.purpose == TokenPurpose.INVITATION,
                   AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow())
            .values(expires_at=utcnow())).rowcount  # type: ignore[attr-defined]
        db.session.execute(delete(MailMessage).where(MailMessage.user_id == user_id, MailMessage.kind == "invitation",
                                                     MailMessage.state != MailState.SENT))  # its link no longer works
        if revoked:
            record_action("account.invitation_revoked", target=f"user:{user_id}", before=None, after={"links": revoked})
    flash(_("The invitation of %(name)s no longer works.", name=user.display_name) if revoked
          else _("%(name)s had no invitation link that still worked.", name=user.display_name), "success")
    return redirect(url_for("accounts.invitations"))
