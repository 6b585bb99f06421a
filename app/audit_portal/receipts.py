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
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
    message: str  # what it means and what to do, in the reader's language
    index: int | None = None
    tracking_code: str | None = None
    counted: bool | None = None  # for a ballot leaf found in the log: still counted, or superseded
    details: str | None = None  # the technical line, for auditors (the verifier's own words)
    counted_index: int | None = None  # for a replaced ballot: the entry of the same member that counts
    other_motion: Motion | None = None  # a receipt of another motion's log on this server


def _parse(text: str) -> object:
    """A tlog-proof as the signed note needs it (a textarea sends CRLF, and the paste was stripped of
    its final newline), else the text as it is (receipt JSON)."""
    lines = text.replace("\r\n", "\n")
    if lines.startswith(TLOG_PROOF_HEADER + "\n"):
        return receipt_from_tlog_proof(lines.rstrip("\n") + "\n")
    return text


TELL_AUDITORS = _l("Keep your receipt exactly as it is and tell the auditors: this is what receipts are for.")


def _unreadable(reason: str) -> ReceiptOutcome:
    return ReceiptOutcome(INVALID, _("This text is not a receipt we can read. Paste the whole receipt exactly as it was "
                                     "shown after you voted, or upload the file you downloaded then, and try again."),
                          details=reason)


def _counted_entry(motion: Motion, index: int) -> int | None:
    """The entry that counts for the member whose ballot sits at `index` (after later ballots)."""
    member_id = db.session.scalar(select(Ballot.member_id).where(Ballot.motion_id == motion.id,
                                                                 Ballot.leaf_index == index))
    if member_id is None:
        return None
    return db.session.scalar(select(Ballot.leaf_index).where(Ballot.motion_id == motion.id,
                                                             Ballot.member_id == member_id, Ballot.counted.is_(True)))


def _included(motion: Motion, own: Any) -> ReceiptOutcome:
    index, code = own.index, own.tracking_code
    counted = None
    if isinstance(own.leaf, BallotLeaf):
        counted = db.session.scalar(select(Ballot.counted).where(Ballot.motion_id == motion.id,
                                                                 Ballot.leaf_index == index))
    if counted is False:
        replacement = _counted_entry(motion, index)
        if replacement is not None:
            message = _("Entry %(index)d (tracking code %(code)s) is in the log, unchanged, but it no longer counts: it "
                        "was replaced by a later ballot of the same member, and entry %(counted)d is the one counted.",
                        index=index, code=code, counted=replacement)
        else:
            message = _("Entry %(index)d (tracking code %(code)s) is in the log, unchanged, but it no longer counts: "
                        "a later ballot of the same member replaced it.", index=index, code=code)
        return ReceiptOutcome(INCLUDED, message, index, code, False, counted_index=replacement)
    if counted:
        message = _("Entry %(index)d of this motion's log, tracking code %(code)s, is in the log the server shows now, "
                    "unchanged, and it is counted.", index=index, code=code)
    else:
        message = _("Entry %(index)d of this motion's log, tracking code %(code)s, is in the log the server shows now, "
                    "unchanged.", index=index, code=code)
    return ReceiptOutcome(INCLUDED, message, index, code, counted)


def check_receipt(motion: Motion, log: TransparencyLog, text: str) -> ReceiptOutcome:
    """Verify `text` (receipt JSON or a c2sp tlog-proof) offline, then against the current log."""
    try:
        parsed = parse_receipt(_parse(text.strip()))
    except BallotsError as e:
        return _unreadable(str(e))
    if parsed.origin != log.origin:
        other = db.session.scalar(select(Motion).join(TransparencyLog, Motion.log_id == TransparencyLog.id)
                                  .where(TransparencyLog.origin == parsed.origin))
        return ReceiptOutcome(INVALID, _("This receipt is for another motion: each motion has its own log. Check it on "
                                         "the audit page of the motion you voted on."),
                              details=f"origin: got {parsed.origin}, want {log.origin}", other_motion=other)
    try:
        own = verify_receipt(_parse(text.strip()), log.verifier_key)
    except FormatError as e:
        return _unreadable(str(e))
    except BallotsError as e:
        return ReceiptOutcome(INVALID, _("This receipt does not match its own signature and proof: it was changed after "
                                         "it was issued, or this server did not issue it. Use the receipt exactly as you "
                                         "downloaded it. If you did not change it, keep it and tell the auditors."),
                              details=str(e))
    size = own.checkpoint.size
    current_size, current_checkpoint = board.latest_signed(log) or (0, "")
    if size > current_size:
        return ReceiptOutcome(FORKED, _("The log on this server is now shorter than when your receipt was issued: "
                                        "entries were removed.") + " " + str(TELL_AUDITORS), own.index, own.tracking_code,
                              details=f"checkpoint size: receipt {size}, server now {current_size}")
    stored = db.session.get(LogLeaf, (log.id, own.index))
    if stored is None or stored.leaf != own.leaf_text:
        return ReceiptOutcome(FORKED, _("The log now holds a different entry where your ballot was (entry %(index)d): "
                                        "its history was changed.", index=own.index) + " " + str(TELL_AUDITORS),
                              own.index, own.tracking_code,
                              details=f"leaf {own.index}: the stored leaf differs from the receipt's leaf")
    try:
        verify_receipt(_parse(text.strip()), log.verifier_key, checkpoint=current_checkpoint,
                       consistency_proof=board.consistency_proof(log, size, current_size))
    except FormatError as e:
        return _unreadable(str(e))
    except BallotsError as e:
        return ReceiptOutcome(FORKED, _("The log the server shows now does not continue the log your receipt was issued "
                                        "from: its history was changed.") + " " + str(TELL_AUDITORS),
                              own.index, own.tracking_code, details=str(e))
    return _included(motion, own)
