from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import EmailField, HiddenField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from app.text_input import PlainText, clean_line

ROLE_CHOICES = [
    SelectChoice("delegate", _l("Delegate of a member")),
    SelectChoice("chair", _l("Chair")),
    SelectChoice("auditor", _l("Auditor")),
    SelectChoice("observer", _l("Observer")),
    SelectChoice("expert", _l("Subject-matter expert")),
    SelectChoice("admin", _l("Administrator")),
]
RANK_CHOICES = [
    SelectChoice("", _l("— not a delegate —")),
    SelectChoice("primary", _l("Primary delegate")),
    SelectChoice("alternate", _l("Alternate delegate")),
]
LOCALE_CHOICES = [SelectChoice("en", "English"), SelectChoice("fr", "Français")]


class AccountForm(FlaskForm):
    email = EmailField(_l("E-mail address"), filters=[clean_line],
                       validators=[DataRequired(), PlainText(), Email(check_deliverability=False), Length(max=254)])
    display_name = StringField(_l("Name"), filters=[clean_line], validators=[DataRequired(), PlainText(), Length(max=120)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    member = SelectField(_l("Member (delegates only)"), choices=[], validate_choice=True)
    delegate_rank = SelectField(_l("Delegate rank"), choices=RANK_CHOICES)
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)
    submit = SubmitField(_l("Save"))


class InvitationUploadForm(FlaskForm):
    file = FileField(_l("CSV file of delegates"), validators=[FileRequired(_l("Choose a CSV file.")),
                                                              FileAllowed(["csv", "txt"], _l("Choose a .csv file."))])
    submit = SubmitField(_l("Check the file"))


class InvitationSendForm(FlaskForm):
    csv = HiddenField(validators=[DataRequired()])  # the checked file, base64, checked again when sent
    submit = SubmitField(_l("Create the accounts and send the invitations"))
