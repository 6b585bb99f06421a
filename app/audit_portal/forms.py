from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileSize
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from ballots.receipt import MAX_RECEIPT_BYTES


class ReceiptForm(FlaskForm):
    """Paste a receipt or upload its file; the file wins when both are given."""

    receipt = TextAreaField(_l("Receipt"), validators=[Length(max=MAX_RECEIPT_BYTES)],
                            description=_l("Paste the receipt JSON (or a .tlog-proof text) exactly as downloaded."))
    upload = FileField(_l("Or upload the receipt file"), validators=[FileSize(max_size=MAX_RECEIPT_BYTES)])
    submit = SubmitField(_l("Verify the receipt"))
