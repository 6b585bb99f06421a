from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileSize
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from ballots.receipt import MAX_RECEIPT_BYTES


class ReceiptForm(FlaskForm):
    """Paste a receipt or upload its file; the file wins when both are given."""

    receipt = TextAreaField(_l("Receipt"), validators=[Length(max=MAX_RECEIPT_BYTES)],
                            description=_l("Paste the receipt JSON (or a .tlog-proof text) exactly as downloaded."))
    upload = FileField(_l("Or upload the receipt file"), validators=[FileSize(max_size=MAX_RECEIPT_BYTES)])
    submit = SubmitField(_l("Verify the receipt"))


class VerifiedForm(FlaskForm):
    """An auditor records that the offline verifier accepted this motion's bundle."""

    root = StringField(_l("Root the verifier reported"), validators=[InputRequired(_l("Enter the root the verifier printed."))],
                       filters=[lambda text: "".join(text.split()).lower() if text else text],
                       description=_l("The 64 hexadecimal characters after “hash to the signed root” on the verifier's "
                                      "merkle root line."))
    confirm = BooleanField(_l("I ran the verifier on this motion's bundle with the key shown here, every check passed, "
                              "and the key's fingerprint is the one my federation published."),
                           validators=[InputRequired(_l("Confirm that every check passed, or do not record it."))])
    submit = SubmitField(_l("Record my verification"))
