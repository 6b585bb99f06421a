"""The chair in the room: the projector view, duplicating a motion, a meeting's minutes and CSV.

The projector view shows one motion in English and French side by side, each half rendered in
its own language (numbers and times included), and refreshes itself like the console. Minutes
and CSV list a meeting's motions in agenda order with the outcome in the results page's words.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from flask import Response, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from app.action_log import record_action
from app.csv_cells import spreadsheet_cell
from app.database import write_transaction
from app.display import as_utc, federation_zone, motion_state
from app.extensions import db
from app.i18n import current_language
from app.motions import bp
from app.motions.chair import (_opened_or_409, _record, agenda_order, console_data, locked_motion_or_404, no_store_json,
                               outcome_text)
from app.forms import ConfirmForm
from app.motions.forms import METHOD_LABELS, THRESHOLD_LABELS
from app.models import utcnow
from app.motions.models import Meeting, Motion, MotionState
from app.policy import Permission, requires
from app.results.words import fraction_words

LANGUAGES = ("en", "fr")
COUNTED = (MotionState.CLOSED, MotionState.CERTIFIED)


# --- the projector view ----------------------------------------------------------------------


def _present_data(motion: Motion) -> dict[str, Any]:
    """console_data in each language, for the two halves of the projector view."""
    data: dict[str, Any] = {"motion": motion.id, "state": motion.state.value}
    for lang in LANGUAGES:
        with force_locale(lang):
            data[lang] = console_data(motion)
    return data


def current_motion() -> Motion | None:
    """What the room is looking at: the first open motion in agenda order, else the last closed."""
    opened = db.session.scalars(select(Motion).where(Motion.state == MotionState.OPEN)
                                .order_by(*agenda_order()).limit(1)).first()
    if opened is not None:
        return opened
    return db.session.scalars(select(Motion).where(Motion.state.in_(COUNTED))
                              .order_by(Motion.closed_at.desc(), Motion.id.desc()).limit(1)).first()


def _present_page(motion: Motion | None, json_url: str) -> str:
    halves = []
    data = _present_data(motion) if motion is not None else None
    for lang in LANGUAGES:
        with force_locale(lang):
            halves.append(Markup(render_template("motions/_present_half.html", motion=motion,
                                                 data=data[lang] if data else None, half_lang=lang)))
    return render_template("motions/chair_present.html", motion=motion, halves=halves, json_url=json_url)


@bp.get("/<int:motion_id>/present")
@requires(Permission.MANAGE_MOTIONS)
def present(motion_id: int) -> str:
    motion = _opened_or_409(motion_id)
    return _present_page(motion, url_for("motions.present_json", motion_id=motion.id))


@bp.get("/<int:motion_id>/present.json")
@requires(Permission.MANAGE_MOTIONS)
def present_json(motion_id: int) -> Response:
    return no_store_json(_present_data(_opened_or_409(motion_id)))


@bp.get("/present")
@requires(Permission.MANAGE_MOTIONS)
def present_current() -> str:
    """The projector for a whole meeting: it follows the current motion (one address all day)."""
    return _present_page(current_motion(), url_for("motions.present_current_json"))


@bp.get("/present.json")
@requires(Permission.MANAGE_MOTIONS)
def present_current_json() -> Response:
    motion = current_motion()
    return no_store_json(_present_data(motion) if motion is not None else {"motion": None, "state": None})


# --- duplicate -------------------------------------------------------------------------------

COPIED = ("title_en", "title_fr", "text_en", "text_fr", "method", "seats", "options_json", "rules_json",
          "weight_policy_json", "secret", "revote", "meeting_id")


@bp.post("/<int:motion_id>/duplicate")
@requires(Permission.MANAGE_MOTIONS)
def duplicate(motion_id: int) -> Response:
    """A new draft with the same text, options, method, rules and weight policy; no schedule."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400, _("The form expired; go back and try again."))
    with write_transaction():
        source = locked_motion_or_404(motion_id)
        copy = Motion(created_by_id=current_user.id, **{name: getattr(source, name) for name in COPIED})
        copy.agenda_order = _next_agenda_item(source)
        db.session.add(copy)
        db.session.flush()
        record_action("motion.create", target=f"motion:{copy.id}", before=None,
                      after={**_record(copy), "duplicate_of": source.id})
        copy_id = copy.id
    flash(_("A copy was saved as a new draft. Change what differs, then open it."), "success")
    return redirect(url_for("motions.edit", motion_id=copy_id))


def _next_agenda_item(source: Motion) -> int:
    """The copy goes to the end of its meeting's agenda (a motion outside a meeting keeps 0)."""
    if source.meeting_id is None:
        return source.agenda_order
    orders = db.session.scalars(select(Motion.agenda_order).where(Motion.meeting_id == source.meeting_id)).all()
    return max(orders, default=0) + 1


# --- a meeting's minutes and results CSV ------------------------------------------------------


def meeting_or_404(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def rule_words(motion: Motion) -> str:
    """The threshold, quorum and double majorities of a motion, in the reader's language."""
    rules = motion.rules
    parts = []
    if motion.method == "yes_no":
        threshold = rules.get("threshold", "majority_cast")
        parts.append(str(THRESHOLD_LABELS.get(threshold, threshold)))
    else:
        parts.append(str(METHOD_LABELS.get(motion.method, motion.method)))
    quorum = rules.get("quorum") or {}
    if quorum.get("members"):
        parts.append(_("quorum of %(share)s of the members", share=fraction_words(quorum["members"])))
    if quorum.get("weight"):
        parts.append(_("quorum of %(share)s of the weight", share=fraction_words(quorum["weight"])))
    if not quorum.get("members") and not quorum.get("weight"):
        parts.append(_("no quorum"))
    double = rules.get("double_majority") or {}
    if double.get("members"):
        parts.append(_("also a majority of the members"))
    if double.get("regions"):
        regions = double["regions"]
        parts.append(_("also a majority in every region") if regions == "all"
                     else _("also a majority in %(n)s regions", n=regions))
    return "; ".join(parts)


def _local_iso(value: datetime | None) -> str:
    """A time for a spreadsheet: ISO 8601 in the federation's zone, its offset written."""
    if value is None:
        return ""
    return as_utc(value).astimezone(federation_zone()).isoformat(timespec="seconds")


def minutes_rows(meeting: Meeting) -> list[dict[str, Any]]:
    """One row per motion of the meeting, in agenda order."""
    rows = []
    for motion in sorted(meeting.motions, key=lambda m: (m.agenda_order, m.id)):
        result = motion.result if motion.state in COUNTED else None
        turnout = (result or {}).get("turnout")
        eligible = ((result or {}).get("rules") or {}).get("eligible") or {}
        quorum = (result or {}).get("quorum") or {}
        rows.append({
            "motion": motion, "item": motion.agenda_order, "title": motion.title(current_language()),
            "method": str(METHOD_LABELS.get(motion.method, motion.method)), "rule": rule_words(motion),
            "state": motion_state(motion.state), "certified": motion.state is MotionState.CERTIFIED,
            "opened_at": motion.opened_at, "closed_at": motion.closed_at, "certified_at": motion.certified_at,
            "ballots": turnout["ballots"] if turnout else None, "members": eligible.get("members"),
            "weight": turnout["weight"] if turnout else None, "eligible_weight": eligible.get("weight"),
            "quorum_met": (quorum.get("met") if quorum.get("required") else None) if result else None,
            "quorum_required": bool(quorum.get("required")),
            "outcome": outcome_text(motion) if result else None,
            "status": (result or {}).get("status"),
        })
    return rows


def quorum_words(row: dict[str, Any]) -> str:
    if row["outcome"] is None:
        return ""
    if not row["quorum_required"]:
        return _("not required")
    return _("met") if row["quorum_met"] else _("not met")


@bp.get("/meetings/<int:meeting_id>/minutes")
@requires(Permission.MANAGE_MOTIONS)
def minutes(meeting_id: int) -> str:
    meeting = meeting_or_404(meeting_id)
    return render_template("motions/chair_minutes.html", meeting=meeting, rows=minutes_rows(meeting),
                           quorum_words=quorum_words, now=utcnow())


@bp.get("/meetings/<int:meeting_id>/results.csv")
@requires(Permission.MANAGE_MOTIONS)
def results_csv(meeting_id: int) -> Response:
    meeting = meeting_or_404(meeting_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Agenda item"), _("Motion"), _("Method"), _("Rule"), _("State"), _("Opened"), _("Closed"),
                     _("Certified"), _("Members that voted"), _("Eligible members"), _("Weight that voted"),
                     _("Eligible weight"), _("Quorum"), _("Outcome")])
    for row in minutes_rows(meeting):
        writer.writerow([spreadsheet_cell(value) for value in (
            row["item"], row["title"], row["method"], row["rule"], row["state"], _local_iso(row["opened_at"]),
            _local_iso(row["closed_at"]), _local_iso(row["certified_at"]), row["ballots"], row["members"],
            row["weight"], row["eligible_weight"], quorum_words(row), row["outcome"] or "")])
    response = make_response(out.getvalue().encode("utf-8-sig"))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f"attachment; filename=lipvote-meeting-{meeting.id}-results.csv"
    return response

