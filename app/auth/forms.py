from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from app.text_input import clean_line

MIN_PASSWORD_LENGTH = 12


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), filters=[clean_line], validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=1024)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail address"), filters=[clean_line],
                       validators=[DataRequired(_l("Enter the e-mail address of your account.")), Length(max=254)])
    submit = SubmitField(_l("Send me a reset link"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(min=MIN_PASSWORD_LENGTH, max=1024, message=_l("Use at least %(min)d characters.", min=MIN_PASSWORD_LENGTH)),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Type the new password again.")),
                    EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Set password"))


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Language"), choices=[SelectChoice("en", "English"), SelectChoice("fr", "Français")])
    next = HiddenField()
    submit = SubmitField(_l("Change language"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Sign out"))
