from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

CODE_HELP = _l("The 6-digit code your authenticator app shows, or one of your recovery codes.")


class SignInCodeForm(FlaskForm):
    code = StringField(_l("Authentication code"), description=CODE_HELP, validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Verify"))


class EnrolForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"), description=_l("6 digits, for example 123456."),
                       validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Turn on two-factor authentication"))


class RegenerateForm(FlaskForm):
    code = StringField(_l("Authentication code"), description=CODE_HELP, validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Generate new recovery codes"))


class TurnOffForm(FlaskForm):
    code = StringField(_l("Authentication code"), description=CODE_HELP, validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Turn off two-factor authentication"))
