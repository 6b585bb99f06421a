from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length

ROLE_CHOICES = [
    ("delegate", _l("Delegate of a member")),
    ("chair", _l("Chair")),
    ("auditor", _l("Auditor")),
    ("observer", _l("Observer")),
    ("admin", _l("Administrator")),
]
RANK_CHOICES = [("", _l("— not a delegate —")), ("primary", _l("Primary delegate")), ("alternate", _l("Alternate delegate"))]


class AccountForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    member = SelectField(_l("Member (delegates only)"), choices=[], validate_choice=True)
    delegate_rank = SelectField(_l("Delegate rank"), choices=RANK_CHOICES)
    locale = SelectField(_l("Language"), choices=[("en", "English"), ("fr", "Français")])
    submit = SubmitField(_l("Save"))
