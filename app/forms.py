"""Forms that several areas share."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class ConfirmForm(FlaskForm):
    """A confirmation page's one button (and its CSRF token)."""

    submit = SubmitField(_l("Confirm"))
