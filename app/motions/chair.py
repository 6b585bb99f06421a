"""The chair at the desk: drafting, preview, the lifecycle steps, the live console and outcome.

Each lifecycle step has its own view and URL (`/<id>/open`, `/extend`, `/close`, `/certify`,
`/delete`), all through one confirmation page (`_lifecycle_page`). The chair in the room
(projector, duplicate, minutes) is `chair_room.py`; the delegate's pages are `delegate.py`.

Views stay thin: forms check input (`app.motions.forms`), `app.motions.service` changes state
inside `write_transaction()`, and `voting` computes weights and power. Every refusal is a page
with a message and a 4xx status; nothing is stored unless every check passed.
"""

from __future__ import annotations

import json
from collections import Counter
from fractions import Fraction
from typing import Any, Callable

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

import voting
from voting import weights as weight_policies

from app.action_log import record_action
from app.database import write_transaction
from app.display import SHORT_TIME_PATTERNS, as_utc, clock, machine_time, motion_state, number, percent, when_text
from app.extensions import db
from app.i18n import current_language
from app.models import Member, utcnow
from app.motions import bp, power_view, service
from app.forms import ConfirmForm
from app.motions.forms import (METHOD_LABELS, THRESHOLD_LABELS, ExtendForm, MotionForm, describe_policy,
                               option_rows, policy_key, to_local, to_utc)
from app.motions.models import Ballot, Meeting, Motion, MotionState, Proxy
from app.policy import Permission, requires
from app.registry import REGIONS
from app.results.view import Labels, headline

SECRET_WEIGHT_MIN_HOLDERS = 3


def motion_or_404(motion_id: int) -> Motion:
    return db.get_or_404(Motion, motion_id)


def locked_motion_or_404(motion_id: int) -> Motion:
    """The motion, locked and read afresh for a change (inside `write_transaction()`)."""
    try:
        return service.lock_motion(motion_id)
    except service.MotionError:
        abort(404)


def _require_state(motion: Motion, *states: MotionState) -> None:
    if motion.state not in states:
        abort(409, _("This motion is %(state)s; this action is not possible now.", state=motion_state(motion.state)))


def _meetings() -> list[tuple[int, str]]:
    lang = current_language()
    return [(m.id, m.title(lang)) for m in db.session.scalars(select(Meeting).order_by(Meeting.created_at.desc(), Meeting.id.desc()))]


def _federation() -> tuple[dict[str, Any] | None, list[dict[str, object]] | None]:
    """The eligible block and weight inputs of today's active members (None if there are none)."""
    members = service.eligible_members()
    if not members:
        return None, None
    inputs = [m.as_weight_input() for m in members]
    try:
        snapshot = weight_policies.compute_weights(weight_policies.PRESETS["equal"], inputs)
    except voting.VotingError:
        return None, inputs
    return service.eligible_block(snapshot.weights, members), inputs


def _record(motion: Motion) -> dict[str, Any]:
    return {
        "title_en": motion.title_en, "title_fr": motion.title_fr, "method": motion.method, "seats": motion.seats,
        "options": motion.options, "rules": motion.rules, "weight_policy": motion.weight_policy,
        "secret": motion.secret, "revote": motion.revote, "opens_at": motion.opens_at, "closes_at": motion.closes_at,
        "meeting_id": motion.meeting_id, "agenda_order": motion.agenda_order,
    }


# --- drafting --------------------------------------------------------------------------------


def _form_for(motion: Motion | None) -> MotionForm:
    policy = motion.weight_policy if motion is not None else None
    if motion is None or request.method == "POST":
        # A posted form is read from the post alone: a part the page hid for the chosen method
        # is not posted, and must fall back to its default, not to the stored draft's value.
        return MotionForm(meetings=_meetings(), policy=policy)
    return MotionForm(meetings=_meetings(), policy=policy, data={
        "title_en": motion.title_en, "title_fr": motion.title_fr, "text_en": motion.text_en, "text_fr": motion.text_fr,
        "method": motion.method, "seats": motion.seats,
        "options": [] if voting.method_rules(motion.method).fixed_options else option_rows(motion.options),
        "threshold": motion.rules.get("threshold", "majority_cast"),
        "quorum_members": (motion.rules.get("quorum") or {}).get("members") or "",
        "quorum_weight": (motion.rules.get("quorum") or {}).get("weight") or "",
        "dm_members": bool((motion.rules.get("double_majority") or {}).get("members")),
        "dm_regions": str((motion.rules.get("double_majority") or {}).get("regions") or ""),
        "weight_policy": policy_key(motion.weight_policy), "secret": motion.secret, "revote": motion.revote,
        "opens_at": to_local(motion.opens_at), "closes_at": to_local(motion.closes_at),
        "meeting_id": str(motion.meeting_id or ""), "agenda_order": motion.agenda_order,
    })


def _form_page(motion_id: int | None) -> Response | tuple[str, int]:
    motion = motion_or_404(motion_id) if motion_id is not None else None
    if motion is not None:
        _require_state(motion, MotionState.DRAFT)
    form = _form_for(motion)
    if form.is_submitted() and form.add_option.data:
        # "Add another option" without JavaScript: the same form back, with more blank rows.
        form.pad_option_rows(extra=1)
        return render_template("motions/chair_form.html", form=form, motion=motion), 200
    if form.is_submitted():
        valid = form.validate()
        eligible, members = _federation()
        clean = form.clean(eligible, members, motion.weight_policy if motion else None)
        if valid and clean is not None:
            with write_transaction():
                if motion_id is None:
                    target = Motion(created_by_id=current_user.id)
                    before = None
                else:
                    target = locked_motion_or_404(motion_id)
                    _require_state(target, MotionState.DRAFT)
                    before = _record(target)
                meeting_id = clean.meeting_id
                if clean.new_meeting:
                    title_en, title_fr = clean.new_meeting
                    meeting = Meeting(title_en=title_en, title_fr=title_fr)
                    db.session.add(meeting)
                    db.session.flush()
                    record_action("meeting.create", target=f"meeting:{meeting.id}", before=None,
                                  after={"title_en": title_en, "title_fr": title_fr})
                    meeting_id = meeting.id
                elif meeting_id is not None and db.session.get(Meeting, meeting_id) is None:
                    abort(422, _("That meeting no longer exists."))
                for name in ("title_en", "title_fr", "text_en", "text_fr", "method", "seats", "secret", "revote",
                             "opens_at", "closes_at", "agenda_order"):
                    setattr(target, name, getattr(clean, name))
                target.options_json = json.dumps(clean.options, ensure_ascii=False)
                target.rules_json = json.dumps(clean.rules, sort_keys=True)
                target.weight_policy_json = json.dumps(clean.weight_policy, sort_keys=True)
                target.meeting_id = meeting_id
                target.schedule_failure = None  # the chair has seen it and decided
                db.session.add(target)
                db.session.flush()
                record_action("motion.create" if before is None else "motion.update", target=f"motion:{target.id}",
                              before=before, after=_record(target))
                saved_id = target.id
            flash(_("Draft saved. Preview the weights before opening it."), "success")
            return redirect(url_for("motions.preview", motion_id=saved_id))
    status = 422 if form.is_submitted() else 200
    form.pad_option_rows()
    return render_template("motions/chair_form.html", form=form, motion=motion), status


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MOTIONS)
def create() -> Response | tuple[str, int]:
    return _form_page(None)


@bp.route("/<int:motion_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_MOTIONS)
def edit(motion_id: int) -> Response | tuple[str, int]:
    return _form_page(motion_id)


# --- preview ---------------------------------------------------------------------------------


def rare_weights(weights: dict[str, int]) -> list[tuple[int, list[str]]]:
    """Every weight value held by fewer than SECRET_WEIGHT_MIN_HOLDERS members, with its holders."""
    counts = Counter(weights.values())
    return [(value, sorted(k for k, w in weights.items() if w == value))
            for value in sorted(counts) if counts[value] < SECRET_WEIGHT_MIN_HOLDERS]


def pct(value: Fraction | float) -> str:
    """A share as a percentage with two decimals, in the page's locale ("12.50%", "12,50 %")."""
    return percent(Fraction(value), places=2)


@bp.get("/<int:motion_id>/preview")
@requires(Permission.MANAGE_MOTIONS)
def preview(motion_id: int) -> str:
    motion = motion_or_404(motion_id)
    try:
        if motion.state is MotionState.DRAFT:
            snapshot = service.weight_snapshot(motion)
        else:
            snapshot = weight_policies.recompute(motion.opening.snapshot if motion.opening else {})
    except (service.MotionError, voting.VotingError) as e:
        abort(409, str(e))
    rules = motion.opening.rules if motion.opening else motion.rules
    power = power_view.report(motion, snapshot.as_dict(), rules)
    members = power_view.members_of(power.snapshot)
    power.members = members
    conc = weight_policies.concentration(snapshot.weights)
    return render_template(
        "motions/chair_preview.html", motion=motion, snapshot=power.snapshot, power=power, concentration=conc,
        largest_pct=pct(Fraction(conc["largest"]["units"], conc["total"])), gini_pct=pct(Fraction(conc["gini"])),
        coalition_pct=pct(Fraction(conc["majority_coalition"]["units"], conc["total"])),
        rare=rare_weights(snapshot.weights) if motion.secret else [], members=members,
        policy_label=describe_policy(motion.weight_policy),
    )


def _rare_weights_of_draft(motion: Motion) -> dict[str, Any]:
    """The preview's warning for a secret draft: weights that fewer than three members hold."""
    try:
        snapshot = service.weight_snapshot(motion)
    except (service.MotionError, voting.VotingError):
        return {"rare": []}  # opening will refuse it with the reason
    rare = rare_weights(snapshot.weights)
    holders = {slug for _value, slugs in rare for slug in slugs}
    members = {m.slug: m for m in db.session.scalars(select(Member).where(Member.slug.in_(holders)))}
    return {"rare": rare, "rare_members": members}


# --- lifecycle -------------------------------------------------------------------------------


def _do_open(motion: Motion, form: Any) -> None:
    service.open_motion(motion)


def _do_close(motion: Motion, form: Any) -> None:
    service.close_motion(motion)


def _do_certify(motion: Motion, form: Any) -> None:
    service.certify_motion(motion)


def _do_extend(motion: Motion, form: Any) -> None:
    closes_at = to_utc(form.closes_at.data)
    if closes_at is None:
        raise service.MotionError(_("Give the new closing time."), 422)
    service.extend_motion(motion, closes_at)


def _do_delete(motion: Motion, form: Any) -> None:
    if db.session.scalar(select(func.count()).select_from(Proxy).where(Proxy.motion_id == motion.id)):
        raise service.MotionError(_("Proxies were given on this draft; it cannot be deleted."))
    record_action("motion.delete", target=f"motion:{motion.id}", before=_record(motion), after=None)
    db.session.delete(motion)


@bp.route("/<int:motion_id>/open", methods=["GET", "POST"], endpoint="open")
@requires(Permission.MANAGE_MOTIONS)
def open_motion(motion_id: int) -> Response | tuple[str, int]:
    return _lifecycle_page("open", motion_id, MotionState.DRAFT, _do_open, _(
        "The motion is open: delegates can vote, and its rules and weights are published in its public log."))


@bp.route("/<int:motion_id>/extend", methods=["GET", "POST"], endpoint="extend")
@requires(Permission.MANAGE_MOTIONS)
def extend_motion(motion_id: int) -> Response | tuple[str, int]:
    return _lifecycle_page("extend", motion_id, MotionState.OPEN, _do_extend, _("The closing time was changed."))


@bp.route("/<int:motion_id>/close", methods=["GET", "POST"], endpoint="close")
@requires(Permission.MANAGE_MOTIONS)
def close_motion(motion_id: int) -> Response | tuple[str, int]:
    return _lifecycle_page("close", motion_id, MotionState.OPEN, _do_close, _("The motion is closed and counted."))


@bp.route("/<int:motion_id>/certify", methods=["GET", "POST"], endpoint="certify")
@requires(Permission.MANAGE_MOTIONS)
def certify_motion(motion_id: int) -> Response | tuple[str, int]:
    return _lifecycle_page("certify", motion_id, MotionState.CLOSED, _do_certify, _("The result is certified."))


@bp.route("/<int:motion_id>/delete", methods=["GET", "POST"], endpoint="delete")
@requires(Permission.MANAGE_MOTIONS)
def delete_draft(motion_id: int) -> Response | tuple[str, int]:
    return _lifecycle_page("delete", motion_id, MotionState.DRAFT, _do_delete, _("The draft was deleted."))


def _lifecycle_page(action: str, motion_id: int, needed: MotionState, run: Callable[[Motion, Any], None],
                    done: str) -> Response | tuple[str, int]:
    """The confirmation page of one lifecycle step (GET), and the step itself (POST): `run` is
    called on the locked motion inside the write transaction, `done` is the message after it."""
    motion = motion_or_404(motion_id)
    _require_state(motion, needed)
    form: ConfirmForm | ExtendForm = ExtendForm() if action == "extend" else ConfirmForm()
    if action == "extend" and not form.is_submitted():
        form.closes_at.data = to_local(motion.closes_at)
    if form.validate_on_submit():
        try:
            with write_transaction():
                target = locked_motion_or_404(motion_id)
                _require_state(target, needed)
                run(target, form)
        except service.MotionError as e:
            abort(e.status, e.message)
        except voting.VotingError as e:
            abort(422, _("This motion cannot be %(action)s: %(reason)s", action=action, reason=str(e)))
        flash(done, "success")
        if action == "delete":
            return redirect(url_for("main.home"))
        if action in ("close", "certify"):
            return redirect(url_for("motions.outcome", motion_id=motion_id))
        return redirect(url_for("motions.console", motion_id=motion_id))
    status = 422 if form.is_submitted() else 200
    context: dict[str, Any] = {}
    if motion.state is MotionState.DRAFT:
        context["members"] = len(service.eligible_members())
        if action == "open" and motion.secret:
            context.update(_rare_weights_of_draft(motion))
    if motion.state is MotionState.OPEN:
        context["console"] = console_data(motion)
    if motion.state in (MotionState.CLOSED, MotionState.CERTIFIED):
        context["outcome"] = outcome_text(motion)
    return render_template("motions/chair_confirm.html", action=action, motion=motion, form=form, **context), status


# --- live console ----------------------------------------------------------------------------


def _share(part: int, whole: int) -> Fraction:
    return Fraction(part, whole) if whole else Fraction(0)


def outcome_text(motion: Motion) -> str | None:
    """The results page's one-sentence outcome (winners or carried/defeated, and why), or None
    before the count. Worded by app.results so the chair reads exactly what everyone reads."""
    result = motion.result
    if result is None:
        return None
    return headline(result, Labels(motion))


def time_left(seconds: int | None) -> str:
    """A countdown as "02:15:07", or "3 days, 02:15:07" (app/static/console.js writes the same)."""
    if seconds is None:
        return ""
    if seconds <= 0:
        return _("time is up; the motion closes now")
    days, rest = divmod(seconds, 86400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    if not days:
        return clock
    return ngettext("%(days)s day, %(clock)s", "%(days)s days, %(clock)s", days, days=number(days), clock=clock)


def _seconds_left(motion: Motion) -> int | None:
    if motion.state is not MotionState.OPEN or motion.closes_at is None:
        return None
    return max(0, int((as_utc(motion.closes_at) - as_utc(utcnow())).total_seconds()))


def _not_voted(committed: dict[str, Any], voted: set[str], lang: str) -> list[dict[str, Any]]:
    """Eligible members (as leaf 0 committed them) without a counted ballot, grouped by region."""
    waiting = [m for m in committed["members"] if m["id"] in committed["weights"] and m["id"] not in voted]
    names = {m.slug: m.name(lang) for m in db.session.scalars(
        select(Member).where(Member.slug.in_([m["id"] for m in waiting])))}
    groups: dict[str, list[dict[str, str]]] = {}
    for member in waiting:
        groups.setdefault(member["region"], []).append({"member": member["id"],
                                                        "name": names.get(member["id"], member["id"])})
    return [{"region": region, "label": str(REGIONS.get(region, region)),
             "members": sorted(groups[region], key=lambda m: m["name"].casefold())}
            for region in sorted(groups, key=lambda r: str(REGIONS.get(r, r)).casefold())]


def console_data(motion: Motion) -> dict[str, Any]:
    """Turnout, quorum, regions, voters and proxies of an opened motion, as plain JSON values.

    Eligibility comes from leaf 0 (the committed rules and weight snapshot), so the numbers are
    those the count will use, even if the registry changed after opening. Whether a member has
    voted is shown on every motion (as at a meeting's roll call); how it voted never is, and on a
    secret ballot neither when it voted nor with what weight (docs/decisions.md).
    """
    rules = service.committed_rules(motion)
    eligible = rules["eligible"]
    opening = motion.opening
    assert opening is not None  # committed_rules refused a motion not yet opened
    committed = opening.snapshot
    region_of = {slug: m["region"] for slug, m in opening.members.items()}
    lang = current_language()
    counted = db.session.execute(
        select(Ballot.weight, Ballot.cast_at, Member.slug, Member.name_en, Member.name_fr, Ballot.proxy_id)
        .join(Member, Member.id == Ballot.member_id)
        .where(Ballot.motion_id == motion.id, Ballot.counted)
        .order_by(Ballot.cast_at, Ballot.id)
    ).all()
    ballots, weight = len(counted), sum(row.weight for row in counted)
    quorum: dict[str, Any] = {}
    for key, cast in (("members", ballots), ("weight", weight)):
        required = (rules.get("quorum") or {}).get(key)
        if required is None:
            quorum[key] = None
            continue
        need_share = Fraction(required)
        need = voting.needed(need_share, eligible[key], strict=False)
        quorum[key] = {"required": required, "required_pct": pct(need_share), "cast": cast, "eligible": eligible[key],
                       "needed": need, "missing": max(0, need - cast), "met": cast >= need,
                       "cast_text": number(cast), "needed_text": number(need), "eligible_text": number(eligible[key]),
                       "missing_text": number(max(0, need - cast))}
    regions = []
    for region, block in sorted((eligible.get("regions") or {}).items()):
        in_region = [row for row in counted if region_of.get(row.slug) == region]
        region_weight = sum(r.weight for r in in_region)
        regions.append({"region": region, "label": str(REGIONS.get(region, region)), "ballots": len(in_region),
                        "members": block["members"], "weight": region_weight, "eligible_weight": block["weight"],
                        "weight_pct": pct(_share(region_weight, block["weight"])),
                        "ballots_text": number(len(in_region)), "members_text": number(block["members"]),
                        "weight_text": number(region_weight), "eligible_weight_text": number(block["weight"])})
    proxies = db.session.scalars(select(Proxy).where(Proxy.motion_id == motion.id, Proxy.revoked_at.is_(None))
                                 .order_by(Proxy.granted_at, Proxy.id)).all()
    voters = None if motion.secret else [
        {"member": row.slug, "name": row.name_fr if lang == "fr" else row.name_en, "weight": row.weight,
         "weight_text": number(row.weight), "cast_at": when_text(row.cast_at, SHORT_TIME_PATTERNS), "by_proxy": row.proxy_id is not None}
        for row in counted
    ]
    not_voted = _not_voted(committed, {row.slug for row in counted}, lang)
    closed = motion.state in (MotionState.CLOSED, MotionState.CERTIFIED)
    return {
        "motion": motion.id,
        "state": motion.state.value,
        "state_label": motion_state(motion.state),
        "updated_at": clock(utcnow()),
        "closes_at": when_text(motion.closes_at) or None,
        "closes_at_machine": machine_time(motion.closes_at) if motion.closes_at else None,
        "seconds_left": _seconds_left(motion),
        "turnout": {"ballots": ballots, "members": eligible["members"], "weight": weight,
                    "eligible_weight": eligible["weight"], "members_pct": pct(_share(ballots, eligible["members"])),
                    "weight_pct": pct(_share(weight, eligible["weight"])),
                    "ballots_text": number(ballots), "members_text": number(eligible["members"]),
                    "weight_text": number(weight), "eligible_weight_text": number(eligible["weight"])},
        "quorum": quorum,
        "quorum_met": all(q is None or q["met"] for q in quorum.values()),
        "regions": regions,
        "secret": motion.secret,
        "voters": voters,
        "not_voted": not_voted,
        "not_voted_count": sum(len(group["members"]) for group in not_voted),
        "proxies": [{"grantor": p.grantor.slug, "grantor_name": p.grantor.name(lang), "holder": p.holder.slug,
                     "holder_name": p.holder.name(lang), "used": p.used_at is not None} for p in proxies],
        "checkpoint_size": motion.log.size if motion.log else 0,
        "outcome": outcome_text(motion) if closed else None,
        "results_url": url_for("results.motion", motion_id=motion.id) if closed else None,
    }


def _opened_or_409(motion_id: int) -> Motion:
    motion = motion_or_404(motion_id)
    if motion.state is MotionState.DRAFT:
        abort(409, _("This motion has not been opened yet."))
    return motion


def _closed_or_409(motion_id: int) -> Motion:
    motion = motion_or_404(motion_id)
    if motion.state not in (MotionState.CLOSED, MotionState.CERTIFIED) or motion.result is None:
        abort(409, _("This motion has not been closed and counted yet."))
    return motion


@bp.get("/<int:motion_id>/console")
@requires(Permission.MANAGE_MOTIONS)
def console(motion_id: int) -> str:
    motion = _opened_or_409(motion_id)
    return render_template("motions/chair_console.html", motion=motion, data=console_data(motion))


@bp.get("/<int:motion_id>/console.json")
@requires(Permission.MANAGE_MOTIONS)
def console_json(motion_id: int) -> Response:
    return no_store_json(console_data(_opened_or_409(motion_id)))


def no_store_json(payload: dict[str, Any]) -> Response:
    """Live figures as JSON that no cache keeps: every refresh asks the server."""
    response = jsonify(payload)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:motion_id>/outcome")
@requires(Permission.MANAGE_MOTIONS)
def outcome(motion_id: int) -> str:
    """What the count decided, the page the chair lands on after "Close and count"."""
    motion = _closed_or_409(motion_id)
    return render_template("motions/chair_outcome.html", motion=motion, outcome=outcome_text(motion),
                           data=console_data(motion), next_item=next_agenda_item(motion))


def next_agenda_item(motion: Motion) -> Motion | None:
    """The meeting's next motion still to vote on (open or draft), after this one in agenda order."""
    if motion.meeting_id is None:
        return None
    later = (Motion.agenda_order > motion.agenda_order) | (
        (Motion.agenda_order == motion.agenda_order) & (Motion.id > motion.id))
    return db.session.scalars(
        select(Motion).where(Motion.meeting_id == motion.meeting_id, later,
                             Motion.state.in_((MotionState.OPEN, MotionState.DRAFT)))
        .order_by(Motion.agenda_order, Motion.id).limit(1)).first()


# --- the chair's home page -------------------------------------------------------------------


def agenda_order() -> tuple[Any, ...]:
    """Motions of a meeting in its agenda order; meetings in the order they were created, and
    motions outside any meeting after them."""
    return (Motion.meeting_id.is_(None), Motion.meeting_id, Motion.agenda_order, Motion.id)


def chair_motion_lists() -> dict[str, list[Motion]]:
    """Drafts, open motions and the ten most recently closed ones, for templates/main/home_chair.html."""
    def of(state: MotionState) -> list[Motion]:
        return list(db.session.scalars(select(Motion).where(Motion.state == state).order_by(*agenda_order())))

    return {
        "drafts": of(MotionState.DRAFT),
        "open": of(MotionState.OPEN),
        "closed": list(db.session.scalars(select(Motion).where(Motion.state.in_((MotionState.CLOSED, MotionState.CERTIFIED)))
                                          .order_by(Motion.closed_at.desc(), Motion.id.desc()).limit(10))),
    }


def open_motions_state(motions: list[Motion]) -> str:
    """Which motions are open, as one string: the chair's home reloads when it changes."""
    return ",".join(str(m.id) for m in motions)


@bp.get("/open.json")
@requires(Permission.MANAGE_MOTIONS)
def open_json() -> Response:
    """The live numbers of every open motion, for the chair's home (app/static/console.js)."""
    motions = chair_motion_lists()["open"]
    return no_store_json({"state": open_motions_state(motions),
                          "motions": {str(m.id): console_data(m) for m in motions}})


def chair_meetings() -> list[Meeting]:
    """Meetings with at least one motion, newest first, for the minutes and CSV links."""
    return list(db.session.scalars(select(Meeting).where(Meeting.motions.any())
                                   .order_by(Meeting.created_at.desc(), Meeting.id.desc())))


@bp.app_context_processor
def chair_helpers() -> dict[str, object]:
    return {
        "chair_motion_lists": chair_motion_lists,
        "chair_meetings": chair_meetings,
        "console_of": console_data,
        "open_motions_state": open_motions_state,
        "time_left": time_left,
        "method_label": lambda method: METHOD_LABELS.get(method, method),
    }
