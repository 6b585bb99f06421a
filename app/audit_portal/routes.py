"""Public audit pages per opened motion: log, checkpoints, proofs, bundle, receipt checks.

No login is needed (a draft is not public: 404). Nothing here names the member behind a secret
ballot: entries come from the published leaves only, never from the ballot table's member.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from ballots.errors import FormatError
from ballots.leaves import AuditLeaf, BallotLeaf, CloseLeaf, KeyLeaf, OpenLeaf, parse_leaf
from ballots.note import b64encode, parse_vkey
from ballots.receipt import normalise_tracking_code

from app import board
from app.audit_portal import bp
from app.audit_portal.export import motion_bundle_bytes, motion_bundle_filename
from app.audit_portal.forms import ReceiptForm
from app.audit_portal.receipts import INVALID, FORKED, check_receipt
from app.audit_portal.verifications import verifications
from app.extensions import db
from app.i18n import current_language
from app.models import Member
from app.motions.models import Ballot, LogLeaf, Motion, MotionState, TransparencyLog
from app.motions.power_view import opened_report
from app.motions.service import MotionError
from app.whole_numbers import query_int
from app.witnesses import cosignature_facts, cosigned_note, witness_facts

PAGE_SIZE = 50


def public_motion_or_404(motion_id: int) -> tuple[Motion, TransparencyLog]:
    """An opened motion and its log; drafts and unknown ids are not public."""
    motion = db.session.get(Motion, motion_id)
    if motion is None or motion.state is MotionState.DRAFT or motion.log is None:
        abort(404)
    return motion, motion.log


def page_number(total: int) -> tuple[int, int]:
    """(page, pages) from ?page=N, clamped to the pages that exist."""
    pages = max(1, -(-total // PAGE_SIZE))
    page = request.args.get("page", 1, type=query_int) or 1
    return min(max(page, 1), pages), pages


@dataclass(frozen=True)
class Entry:
    index: int
    kind: str
    tracking_code: str
    at: str | None
    weight: int | None
    selection: str | None
    member: str | None  # recorded ballots only: the member's name from the leaf's member id
    proxy: str | None
    supersedes: int | None
    superseded: bool


def _selection_text(motion: Motion, selection: Any, lang: str) -> str:
    """The choice in the reader's language: option labels, not ids; a ranking in order with ">",
    approvals with commas; a blank ballot as a dash."""
    def label(option: Any) -> str:
        return motion.option_label(str(option), lang)

    if isinstance(selection, list):
        if not selection:
            return "—"
        return (", " if motion.method == "approval" else " > ").join(label(s) for s in selection)
    if selection is None:
        return "—"
    return label(selection)


def entries(motion: Motion, log: TransparencyLog, rows: list[LogLeaf]) -> list[Entry]:
    """What the published leaves say, one row per leaf (the ballot table is used only for the
    superseded flag, which the later leaf's `supersedes` field makes public anyway)."""
    superseded = set(db.session.scalars(select(Ballot.leaf_index).where(Ballot.motion_id == motion.id,
                                                                         Ballot.counted.is_(False))))
    parsed = [(row, parse_leaf(row.leaf)) for row in rows]
    slugs = {leaf.member for _, leaf in parsed if isinstance(leaf, BallotLeaf) and leaf.member}
    slugs |= {leaf.proxy for _, leaf in parsed if isinstance(leaf, BallotLeaf) and leaf.proxy}
    lang = current_language()
    names = {m.slug: m.name(lang) for m in db.session.scalars(select(Member).where(Member.slug.in_(slugs)))} if slugs else {}
    out = []
    for row, leaf in parsed:
        at: str | None = None
        if isinstance(leaf, BallotLeaf):
            out.append(Entry(row.index, "ballot", row.tracking_code, leaf.cast_at, leaf.weight,
                             _selection_text(motion, leaf.selection, lang), names.get(leaf.member or "", leaf.member),
                             names.get(leaf.proxy or "", leaf.proxy), leaf.supersedes, row.index in superseded))
            continue
        if isinstance(leaf, OpenLeaf):
            at = leaf.opened_at
        elif isinstance(leaf, CloseLeaf):
            at = leaf.closed_at
        elif isinstance(leaf, KeyLeaf):
            at = leaf.announced_at
        elif isinstance(leaf, AuditLeaf):
            at = leaf.at
        out.append(Entry(row.index, row.kind, row.tracking_code, at, None, None, None, None, None, False))
    return out


def key_facts(vkey: str) -> dict[str, str]:
    verifier = parse_vkey(vkey)
    return {"vkey": vkey, "name": verifier.name, "key_id": f"{verifier.key_id:08x}", "fingerprint": verifier.fingerprint}


@bp.get("/")
def index() -> str:
    motions = db.session.scalars(select(Motion).where(Motion.state != MotionState.DRAFT).order_by(Motion.id.desc()))
    return render_template("audit/index.html", motions=list(motions))


@bp.get("/key")
def signing_key() -> str:
    current = board.signer().vkey
    others = sorted(set(db.session.scalars(select(TransparencyLog.verifier_key))) - {current})
    return render_template("audit/key.html", key=key_facts(current), others=[key_facts(k) for k in others],
                           witnesses=witness_facts())


def _motion_page(motion: Motion, log: TransparencyLog, status: int = 200, **extra: Any) -> tuple[str, int]:
    page, pages = page_number(log.size)
    rows = board.leaves(log, (page - 1) * PAGE_SIZE, page * PAGE_SIZE)
    size, note = board.latest_signed(log) or (0, "")
    return render_template(
        "audit/motion.html", motion=motion, log=log, key=key_facts(log.verifier_key),
        checkpoint=cosigned_note(log, size, note), cosigned_by=cosignature_facts(log, size),
        entries=entries(motion, log, rows), page=page, pages=pages,
        closed=motion.state in (MotionState.CLOSED, MotionState.CERTIFIED), bundle_name=motion_bundle_filename(motion.id),
        form=extra.pop("form", None) or ReceiptForm(), base_url=request.url_root.rstrip("/"),
        verifications=verifications(motion), power=opened_report(motion), **extra,
    ), status


@bp.get("/motions/<int:motion_id>")
def motion(motion_id: int) -> tuple[str, int]:
    motion, log = public_motion_or_404(motion_id)
    raw = request.args.get("code", "").strip()
    if not raw:
        return _motion_page(motion, log)
    try:
        code = normalise_tracking_code(raw)
    except FormatError:
        return _motion_page(motion, log, 422, code=raw, code_error=_(
            "“%(code)s” is not a tracking code. A tracking code has 16 letters and digits in four groups, for example "
            "7K2M-Q9XA-4T1B-ZR8W: copy it from your receipt.",
            code=raw))
    row = board.find_by_tracking_code(log, code)
    if row is None:
        return render_template("audit/not_found.html", motion=motion, code=code), 404
    found = entries(motion, log, [row])[0]
    return _motion_page(motion, log, code=code, found=found, found_page=row.index // PAGE_SIZE + 1)


@bp.get("/motions/<int:motion_id>/bundle.json")
def bundle(motion_id: int) -> Response:
    motion, _log = public_motion_or_404(motion_id)
    try:
        data = motion_bundle_bytes(motion)
    except MotionError:
        abort(409, _("The bundle is published when the motion closes; this motion is still open."))
    return Response(data, mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename={motion_bundle_filename(motion.id)}"})


@bp.get("/motions/<int:motion_id>/checkpoint")
def checkpoint(motion_id: int) -> Response:
    _motion, log = public_motion_or_404(motion_id)
    size, note = board.latest_signed(log) or (0, "")
    return Response(cosigned_note(log, size, note), mimetype="text/plain")


@bp.get("/motions/<int:motion_id>/consistency")
def consistency(motion_id: int) -> tuple[Response, int]:
    """A consistency proof from an earlier size to the current one (RFC 9162 §2.1.4)."""
    _motion, log = public_motion_or_404(motion_id)
    size, note = board.latest_signed(log) or (0, "")
    old = request.args.get("old", type=query_int)
    if old is None or not 1 <= old <= size:
        return jsonify(error="bad old size", status=422,
                       message=f"old: got {request.args.get('old')!r}, want a whole number from 1 to {size}"), 422
    return jsonify(
        origin=log.origin, old_size=old, new_size=size,
        old_checkpoint=board.checkpoint_at(log, old), checkpoint=note,
        proof=[b64encode(h) for h in board.consistency_proof(log, old, size)],
    ), 200


@bp.route("/motions/<int:motion_id>/receipt", methods=["GET", "POST"])
def receipt(motion_id: int) -> tuple[str, int]:
    motion, log = public_motion_or_404(motion_id)
    form = ReceiptForm()
    if not form.is_submitted():
        return render_template("audit/receipt.html", motion=motion, form=form, outcome=None), 200
    if not form.validate():
        return render_template("audit/receipt.html", motion=motion, form=form, outcome=None), 422
    text = form.receipt.data or ""
    if form.upload.data:
        try:
            text = form.upload.data.read().decode("utf-8")
        except UnicodeDecodeError:
            form.upload.errors.append(_("The file is not UTF-8 text; upload the receipt exactly as downloaded."))
            return render_template("audit/receipt.html", motion=motion, form=form, outcome=None), 422
    if not text.strip():
        form.receipt.errors.append(_("Paste a receipt or choose its file."))
        return render_template("audit/receipt.html", motion=motion, form=form, outcome=None), 422
    outcome = check_receipt(motion, log, text)
    status = {INVALID: 422, FORKED: 409}.get(outcome.verdict, 200)
    return render_template("audit/receipt.html", motion=motion, form=form, outcome=outcome,
                           key=key_facts(log.verifier_key)), status


def pretty(text: str | None) -> str:
    """Indented JSON for display (None stays empty)."""
    return "" if text is None else json.dumps(json.loads(text), ensure_ascii=False, indent=2, sort_keys=True)


bp.add_app_template_filter(pretty, "pretty_json")


