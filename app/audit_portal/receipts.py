"""Check a pasted or uploaded receipt against a motion's log as the server shows it now.

Three verdicts, said in plain words on the page:

* **included**: the receipt is genuine (signed checkpoint, inclusion proof, tracking code) and
  the log the server shows now is an extension of the log the receipt was issued from, with the
  same leaf at the same index;
* **forked**: the receipt is genuine, but the current log does not contain it (the log is
  shorter than the receipt's checkpoint, no consistency proof joins the two checkpoints, or a
  different leaf sits at that index): evidence that the server changed its history;
* **invalid**: the text is not a receipt of this motion's log, or one of its own checks fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ballots.errors import BallotsError, FormatError
from ballots.leaves import BallotLeaf
from ballots.receipt import TLOG_PROOF_HEADER, parse_receipt, receipt_from_tlog_proof, verify_receipt

from app import board
from app.extensions import db
from app.motions.models import Ballot, LogLeaf, Motion, TransparencyLog

INCLUDED = "included"
FORKED = "forked"
INVALID = "invalid"


@dataclass(frozen=True)
class ReceiptOutcome:
    verdict: str
    message: str
    index: int | None = None
    tracking_code: str | None = None
    counted: bool | None = None  # for a ballot leaf found in the log: still counted, or superseded


def _parse(text: str) -> object:
    """A tlog-proof as the signed note needs it (a textarea sends CRLF, and the paste was stripped of
    its final newline), else the text as it is (receipt JSON)."""
    lines = text.replace("\r\n", "\n")
    if lines.startswith(TLOG_PROOF_HEADER + "\n"):
        return receipt_from_tlog_proof(lines.rstrip("\n") + "\n")
    return text


def check_receipt(motion: Motion, log: TransparencyLog, text: str) -> ReceiptOutcome:
    """Verify `text` (receipt JSON or a c2sp tlog-proof) offline, then against the current log."""
    try:
        parsed = parse_receipt(_parse(text.strip()))
    except BallotsError as e:
        return ReceiptOutcome(INVALID, _("This is not a lipvote receipt: %(reason)s", reason=str(e)))
    if parsed.origin != log.origin:
        return ReceiptOutcome(INVALID, _("This receipt belongs to another log (%(origin)s), not to this motion (%(want)s).",
                                         origin=parsed.origin, want=log.origin))
    try:
        own = verify_receipt(_parse(text.strip()), log.verifier_key)
    except BallotsError as e:
        return ReceiptOutcome(INVALID, _("The receipt does not check out on its own: %(reason)s", reason=str(e)))
    size = own.checkpoint.size
    current_size, current_checkpoint = board.latest_signed(log) or (0, "")
    if size > current_size:
        return ReceiptOutcome(FORKED, _("The receipt was signed for a log of %(n)d entries, but the server now shows only "
                                        "%(m)d: the log was cut back. Keep this receipt and tell the auditors.",
                                        n=size, m=current_size), own.index, own.tracking_code)
    stored = db.session.get(LogLeaf, (log.id, own.index))
    if stored is None or stored.leaf != own.leaf_text:
        return ReceiptOutcome(FORKED, _("The log now shows a different entry at index %(index)d than your receipt: the "
                                        "history was changed. Keep this receipt and tell the auditors.", index=own.index),
                              own.index, own.tracking_code)
    try:
        verify_receipt(_parse(text.strip()), log.verifier_key, checkpoint=current_checkpoint,
                       consistency_proof=board.consistency_proof(log, size, current_size))
    except FormatError as e:
        return ReceiptOutcome(INVALID, _("The receipt could not be read: %(reason)s", reason=str(e)))
    except BallotsError as e:
        return ReceiptOutcome(FORKED, _("The current log is not an extension of the log your receipt was issued from "
                                        "(%(reason)s). Keep this receipt and tell the auditors.", reason=str(e)),
                              own.index, own.tracking_code)
    counted = None
    if isinstance(own.leaf, BallotLeaf):
        counted = db.session.scalar(select(Ballot.counted).where(Ballot.motion_id == motion.id,
                                                                 Ballot.leaf_index == own.index))
    index, code = own.index, own.tracking_code
    if counted is False:
        message = _("Included: entry %(index)d of this motion's log, tracking code %(code)s. A later ballot of the same "
                    "member replaced it, so it is in the log but not counted.", index=index, code=code)
    else:
        message = _("Included: entry %(index)d of this motion's log, tracking code %(code)s, and the log the server shows "
                    "now still contains it unchanged.", index=index, code=code)
    return ReceiptOutcome(INCLUDED, message, index, code, counted)
