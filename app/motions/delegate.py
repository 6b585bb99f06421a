"""The delegate's pages: ballots, review, receipts, receipt check, changed votes, proxies.

Casting is ballot page (GET) -> review (POST, nothing stored) -> cast (POST, one write
transaction through `service.cast`) -> redirect to the receipt page (GET). Every refusal from
the service (`MotionError`) becomes its HTTP status with the service's message; nothing is
stored. Who may open which ballot or receipt is decided in `app.policy`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any, NoReturn, Sequence

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BuildError

from ballots.leaves import BallotLeaf, parse_leaf
from ballots.receipt import receipt_to_tlog_proof

from app import board
from app.qr import qr_svg
from app.extensions import db
from app.forms import ConfirmForm
from app.models import Member, User
from app.motions import bp, proxies, service
from app.motions.ballot_forms import (
    BallotForm,
    Prefill,
    ProxyForm,
    SelectionError,
    is_ranked,
    parse_selection,
    prefill,
    selection_fields,
    submitted_marks,
)
from app.motions.models import Ballot, Motion, MotionState, Proxy, TransparencyLog
from app.motions.power_view import opened_report
from app.motions.rule_words import WeightShare, committed_weights, is_eligible, rule_facts, weight_words
from app.i18n import current_language
from app.policy import Permission, can, may_view_receipt, requires

VOTABLE = (MotionState.DRAFT, MotionState.OPEN)


# --- lookups and refusals --------------------------------------------------------------------


@cache
def _motion_and_log_statement() -> Select[Motion]:
    return select(Motion).where(Motion.id == bindparam("motion_id")).options(joinedload(Motion.log))


def _motion_and_log(motion_id: int) -> Motion:
    """The motion (404 if none) with its log in the same statement: the ballot, review and receipt
    pages read both, and the log would otherwise be a second statement."""
    motion = db.session.scalar(_motion_and_log_statement(), {"motion_id": motion_id})
    if motion is None:
        abort(404)
    return motion


def _refuse(error: service.MotionError) -> NoReturn:
    abort(error.status, description=error.message)


def _caster(motion: Motion, slug: str | None) -> service.Caster:
    """The service's answer to "may the current user cast this member's ballot now?", or its refusal."""
    try:
        return service.check_caster(motion, current_user, service.ballot_member(current_user, slug))
    except service.MotionError as e:
        _refuse(e)


not_eligible_words = service.not_eligible_message


def _counted(motion: Motion, member: Member) -> Ballot | None:
    return service.counted_ballot(motion, member)


def _ballots_of(motion: Motion, member: Member) -> list[Ballot]:
    return list(db.session.scalars(select(Ballot).where(Ballot.motion_id == motion.id, Ballot.member_id == member.id)
                                   .order_by(Ballot.leaf_index)))


# --- the delegate's list ---------------------------------------------------------------------


@dataclass(frozen=True)
class BallotRow:
    """One (motion, member) a delegate may act on, and where that ballot stands."""

    motion: Motion
    member: Member
    by_proxy: bool  # the user casts this member's ballot as its proxy holder
    proxy_to: Member | None  # this member (the user's own) gave its vote to that member
    status: str  # "not_open", "not_yet", "voted", "changed", "proxy_given", "not_eligible", "closed"
    receipt_index: int | None


@dataclass(frozen=True)
class _BallotsCast:
    """How many ballots a member has cast on a motion, and the leaf of the one counted."""

    count: int
    counted_index: int | None


NONE_CAST = _BallotsCast(0, None)


def _row(motion: Motion, member: Member, user: User, cast: _BallotsCast, own_proxy_holder: Member | None) -> BallotRow:
    proxy_to = own_proxy_holder if member.id == user.member_id else None
    if cast.counted_index is not None:
        status = "changed" if cast.count > 1 else "voted"
    elif proxy_to is not None:
        status = "proxy_given"
    elif not is_eligible(motion, member):
        status = "not_eligible"
    elif motion.state is MotionState.DRAFT:
        status = "not_open"
    elif motion.state is MotionState.OPEN:
        status = "not_yet"
    else:
        status = "closed"
    return BallotRow(motion, member, member.id != user.member_id, proxy_to, status, cast.counted_index)


def _rows(user: User, motions: Sequence[Motion]) -> list[BallotRow]:
    """A row per (motion, member the user casts for), in three queries whatever their number.

    The ballots are counted by the database, one row per (motion, member): a member that changed
    its vote many times in a long meeting costs no more than one that voted once."""
    represented = service.members_user_may_cast_for(user, motions)
    member_ids = {member.id for r in represented.values() for member in r.members}
    cast: dict[tuple[int, int], _BallotsCast] = {}
    if member_ids:
        for motion_id, member_id, count, counted_index in db.session.execute(
                _ballots_cast_by_members(), {"motion_ids": [m.id for m in motions], "member_ids": sorted(member_ids)}):
            cast[(motion_id, member_id)] = _BallotsCast(int(count), counted_index)
    return [_row(motion, member, user, cast.get((motion.id, member.id), NONE_CAST), represented[motion.id].own_proxy_holder)
            for motion in motions for member in represented[motion.id].members]


def rows_for(user: User, motion: Motion) -> list[BallotRow]:
    return _rows(user, [motion])


def delegate_rows(user: User, states: tuple[MotionState, ...] = VOTABLE) -> list[BallotRow]:
    motions = db.session.scalars(_motions_in_states(), {"states": list(states)}).all()
    return _rows(user, motions)


# The statements every receipt page and the delegate's home page run are built once, with their
# values as parameters (as the casting service's are).


@cache
def _motions_in_states() -> Select[Motion]:
    return (select(Motion).where(Motion.state.in_(bindparam("states", expanding=True)))
            .order_by(Motion.state.desc(), Motion.agenda_order, Motion.id.desc()))


@cache
def _ballots_cast_by_members() -> Select[tuple[int, int, int, int | None]]:
    return (select(Ballot.motion_id, Ballot.member_id, func.count(),
                   func.max(case((Ballot.counted, Ballot.leaf_index))))
            .where(Ballot.motion_id.in_(bindparam("motion_ids", expanding=True)),
                   Ballot.member_id.in_(bindparam("member_ids", expanding=True)))
            .group_by(Ballot.motion_id, Ballot.member_id))


@cache
def _ballot_at_leaf() -> Select[Ballot]:
    return select(Ballot).where(Ballot.motion_id == bindparam("motion_id"), Ballot.leaf_index == bindparam("index"))


@bp.app_context_processor
def delegate_helpers() -> dict[str, object]:
    """`delegate_ballot_rows()` for the delegate's home page (evaluated only where a template calls it)."""

    def delegate_ballot_rows() -> list[BallotRow]:
        if not may_cast_any():
            return []
        return delegate_rows(current_user)

    return {"delegate_ballot_rows": delegate_ballot_rows}


def next_awaiting(user: User, after: Motion | None = None) -> BallotRow | None:
    """The first open motion (agenda order) on which a member this user votes for has not voted yet."""
    return next((row for row in delegate_rows(user, (MotionState.OPEN,))
                 if row.status == "not_yet" and (after is None or row.motion.id != after.id)), None)


def may_cast_any() -> bool:
    return can(Permission.CAST_BALLOT) and current_user.member is not None


@bp.get("/ballots")
@requires(Permission.CAST_BALLOT)
def ballots() -> str:
    closed = delegate_rows(current_user, (MotionState.CLOSED, MotionState.CERTIFIED))
    return render_template("motions/ballot_index.html", rows=delegate_rows(current_user),
                           closed_rows=[r for r in closed if r.receipt_index is not None])


@bp.get("/<int:motion_id>/vote")
@requires(Permission.CAST_BALLOT)
def vote(motion_id: int) -> str:
    motion = db.get_or_404(Motion, motion_id)
    rows = rows_for(current_user, motion)
    history = {row.member.id: _ballots_of(motion, row.member) for row in rows}
    return render_template("motions/ballot_motion.html", motion=motion, rows=rows, history=history,
                           rules=rule_facts(motion), weights={row.member.id: weight_words(motion, row.member) for row in rows},
                           not_eligible_words=not_eligible_words, power=opened_report(motion))


# --- casting ---------------------------------------------------------------------------------
#
# The views parse the form and ask the casting service; every rule and its wording is there.


def _ballot_page(motion: Motion, caster: service.Caster, form: BallotForm, marks: Prefill,
                 error: str | None = None, status: int = 200) -> tuple[str, int]:
    member = caster.member
    return render_template(
        "motions/ballot_form.html", motion=motion, member=member, holder=caster.holder, form=form,
        previous=caster.previous, chosen=marks.chosen, ranks=marks.ranks, error=error,
        ranked=is_ranked(motion.method), rules=rule_facts(motion), weight=weight_words(motion, member),
    ), status


@bp.get("/<int:motion_id>/ballot")
@requires(Permission.CAST_BALLOT)
def ballot(motion_id: int) -> tuple[str, int]:
    motion = _motion_and_log(motion_id)
    caster = _caster(motion, request.args.get("member"))
    form = BallotForm(formdata=None, member=caster.member.slug)
    return _ballot_page(motion, caster, form, prefill(motion.method, motion.option_ids, request.args))


def _posted_fields() -> MultiDict[str, str]:
    return MultiDict([(k, v) for k, v in request.form.items(multi=True)])


def _posted_selection(motion: Motion, form: BallotForm) -> Any:
    """The selection a posted ballot describes (SelectionError when it describes none)."""
    if not form.validate_on_submit():
        abort(422, description=_("The ballot form is incomplete. Reload the ballot and try again."))
    labels = {o: motion.option_label(o, current_language()) for o in motion.option_ids}
    return parse_selection(motion.method, motion.option_ids, _posted_fields(), labels)


def _shown_again(motion: Motion, form: BallotForm, message: str) -> tuple[str, int]:
    """A refused ballot, shown again (422) with the reason and what the voter had marked."""
    marks = submitted_marks(motion.method, motion.option_ids, _posted_fields())
    return _ballot_page(motion, _caster(motion, request.form.get("member")), form, marks, error=message, status=422)


@bp.post("/<int:motion_id>/ballot/review")
@requires(Permission.CAST_BALLOT)
def review(motion_id: int) -> tuple[str, int]:
    motion = _motion_and_log(motion_id)
    caster = _caster(motion, request.form.get("member"))
    form = BallotForm()
    try:
        selection = _posted_selection(motion, form)
        service.check_selection(motion, selection)
    except SelectionError as e:
        return _shown_again(motion, form, str(e))
    except service.MotionError as e:
        return _shown_again(motion, form, e.message)
    member = caster.member
    fields = selection_fields(motion.method, motion.option_ids, selection)
    grouped: dict[str, list[str]] = {}
    for name, value in fields:
        grouped.setdefault(name, []).append(value)
    change_url = url_for("motions.ballot", motion_id=motion.id, member=member.slug, **grouped)
    return render_template("motions/ballot_review.html", motion=motion, member=member, holder=caster.holder, form=form,
                           selection=selection, fields=fields, previous=caster.previous,
                           change_url=change_url, rules=rule_facts(motion), weight=weight_words(motion, member)), 200


@bp.post("/<int:motion_id>/ballot/cast")
@requires(Permission.CAST_BALLOT)
def cast(motion_id: int) -> Response | tuple[str, int]:
    motion = db.get_or_404(Motion, motion_id)
    form = BallotForm()
    try:
        selection = _posted_selection(motion, form)
        receipt = service.cast(motion_id, current_user.id, request.form.get("member"), selection)
    except SelectionError as e:
        return _shown_again(motion, form, str(e))
    except service.MotionError as e:
        if e.status != 422:
            _refuse(e)
        return _shown_again(motion, form, e.message)
    flash(_("Your ballot was cast. Keep this receipt: its tracking code lets you find your ballot in the public log."),
          "success")
    return redirect(url_for("motions.receipt", motion_id=motion_id, index=receipt.index), code=303)


# --- receipts --------------------------------------------------------------------------------


def _receipt_ballot(motion: Motion, index: int) -> tuple[Ballot, Member | None, TransparencyLog]:
    """The ballot stored at leaf `index` and its log, if the current user may see its receipt (else 404/403)."""
    ballot_row = db.session.scalar(_ballot_at_leaf(), {"motion_id": motion.id, "index": index})
    log = motion.log
    if ballot_row is None or log is None:
        abort(404)
    proxy = db.session.get(Proxy, ballot_row.proxy_id) if ballot_row.proxy_id else None
    holder = proxy.holder if proxy else None
    if not may_view_receipt(current_user, ballot_row.member, holder):
        abort(403, description=_("Only the delegates of the member who cast this ballot may see its receipt."))
    return ballot_row, holder, log


def audit_url(motion_id: int, code: str) -> str:
    """The public audit page that finds this tracking code (absolute, for the QR code)."""
    try:
        return url_for("audit.motion", motion_id=motion_id, code=code, _external=True)
    except BuildError:
        return f"{request.url_root.rstrip('/')}/audit/motions/{motion_id}?code={code}"


def audit_link_qr(text: str) -> str:
    return qr_svg(text, _("QR code of the audit link"))


@bp.get("/<int:motion_id>/receipts/<int:index>")
@requires(Permission.CAST_BALLOT)
def receipt(motion_id: int, index: int) -> str:
    motion = _motion_and_log(motion_id)
    ballot_row, holder, log = _receipt_ballot(motion, index)
    data = board.receipt_for(log, index)
    leaf = parse_leaf(str(data["leaf"]))
    code = str(data["tracking_code"])
    link = audit_url(motion.id, code)
    weights = committed_weights(motion)
    weight = int(getattr(leaf, "weight", ballot_row.weight))
    return render_template("motions/receipt.html", motion=motion, ballot=ballot_row, holder=holder, receipt=data,
                           leaf=leaf, selection=leaf.selection if isinstance(leaf, BallotLeaf) else None,
                           code_groups=code.split("-"), weight=WeightShare(weight, sum(weights.values())),
                           same_weight=sum(1 for w in weights.values() if w == weight),
                           next_row=next_awaiting(current_user, after=motion), audit_link=link, qr=audit_link_qr(link))


def _download(body: str, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:motion_id>/receipts/<int:index>/receipt.json")
@requires(Permission.CAST_BALLOT)
def receipt_json(motion_id: int, index: int) -> Response:
    motion = _motion_and_log(motion_id)
    log = _receipt_ballot(motion, index)[2]
    data = board.receipt_for(log, index)
    return _download(json.dumps(data, ensure_ascii=False, indent=2) + "\n",
                     f"lipvote-receipt-motion-{motion.id}-leaf-{index}.json", "application/json")


@bp.get("/<int:motion_id>/receipts/<int:index>/tlog-proof")
@requires(Permission.CAST_BALLOT)
def receipt_tlog_proof(motion_id: int, index: int) -> Response:
    motion = db.get_or_404(Motion, motion_id)
    log = _receipt_ballot(motion, index)[2]
    return _download(receipt_to_tlog_proof(board.receipt_for(log, index)),
                     f"lipvote-receipt-motion-{motion.id}-leaf-{index}.tlog-proof", "text/plain")


# --- proxies ---------------------------------------------------------------------------------
#
# The views parse the form and call `app.motions.proxies`, which holds the rules.


def _proxy_member() -> Member:
    try:
        return proxies.grantor_for(current_user)
    except service.MotionError as e:
        _refuse(e)


def _holder_choices(motion: Motion, grantor: Member) -> list[tuple[str, str]]:
    givers = set(db.session.scalars(select(Proxy.grantor_id).where(Proxy.motion_id == motion.id, Proxy.revoked_at.is_(None))))
    lang = current_language()
    return [(m.slug, m.name(lang)) for m in service.eligible_members() if m.id != grantor.id and m.id not in givers]


@bp.route("/<int:motion_id>/proxy", methods=["GET", "POST"])
@requires(Permission.CAST_BALLOT)
def proxy(motion_id: int) -> Response | tuple[str, int]:
    motion = db.get_or_404(Motion, motion_id)
    grantor = _proxy_member()
    form = ProxyForm()
    form.holder.choices = _holder_choices(motion, grantor)
    if request.method == "POST":
        if not form.validate_on_submit():
            return _proxy_page(motion, grantor, form, 422)
        try:
            holder = proxies.grant(motion_id, current_user.id, form.holder.data)
        except service.MotionError as e:
            _refuse(e)
        flash(_("The delegates of %(holder)s may now cast your member's ballot on this motion.", holder=holder),
              "success")
        return redirect(url_for("motions.proxy", motion_id=motion_id), code=303)
    return _proxy_page(motion, grantor, form, 200)


def _proxy_page(motion: Motion, grantor: Member, form: ProxyForm, status: int) -> tuple[str, int]:
    received = db.session.scalars(select(Proxy).where(Proxy.motion_id == motion.id, Proxy.holder_id == grantor.id,
                                                      Proxy.revoked_at.is_(None))).all()
    return render_template("motions/proxy.html", motion=motion, grantor=grantor, form=form,
                           given=service.live_proxy(motion, grantor), received=received,
                           voted=_counted(motion, grantor), revoke_form=ConfirmForm(),
                           open_for_proxies=motion.state in VOTABLE), status


@bp.post("/<int:motion_id>/proxy/revoke")
@requires(Permission.CAST_BALLOT)
def revoke_proxy(motion_id: int) -> Response:
    motion = db.get_or_404(Motion, motion_id)
    _proxy_member()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(422, description=_("The form expired. Reload the page and try again."))
    try:
        proxies.revoke(motion.id, current_user.id)
    except service.MotionError as e:
        _refuse(e)
    flash(_("The proxy is revoked: your member's delegates may vote again."), "success")
    return redirect(url_for("motions.proxy", motion_id=motion_id), code=303)
