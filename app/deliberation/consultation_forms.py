"""The chair's form to start a consultation and the delegate's answer form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from voting import weights as weight_policies

from app.deliberation.consultation_models import MAX_COMMENT, Choice
from app.models import utcnow
from app.motions.forms import DATETIME_FORMAT, POLICY_LABELS, to_utc, zone_description
from app.text_input import PlainText, clean_multiline
from app.whole_numbers import AsciiDateTimeLocalField

CHOICE_LABELS: dict[str, Any] = {
    Choice.SUPPORT.value: _l("Support"),
    Choice.SUPPORT_CHANGES.value: _l("Support with changes"),
    Choice.OPPOSE.value: _l("Oppose"),
    Choice.ABSTAIN.value: _l("Abstain"),
}
CHOICE_HINTS: dict[str, Any] = {
    Choice.SUPPORT.value: _l("Your member supports this version as it is."),
    Choice.SUPPORT_CHANGES.value: _l("Your member supports it if some changes are made: say which in the comment."),
    Choice.OPPOSE.value: _l("Your member does not support this version."),
    Choice.ABSTAIN.value: _l("Your member takes no position."),
}


class ConsultationForm(FlaskForm):
    opens_at = AsciiDateTimeLocalField(_l("Opening time (optional)"), format=DATETIME_FORMAT, validators=[Optional()],
                                       description=_l("Leave it empty to open the consultation now."))
    closes_at = AsciiDateTimeLocalField(_l("Closing time"), format=DATETIME_FORMAT, validators=[DataRequired(
        message=_l("Enter the closing time: a date and an hour."))],
        description=_l("Members can answer and change their answer until this time."))
    confidential = BooleanField(_l("Confidential: show no group of fewer than 3 members and no member’s answer"))
    weight_policy = RadioField(_l("Weight policy for the weighted counts"), default="equal",
                               choices=[SelectChoice(key, POLICY_LABELS[key]) for key in weight_policies.PRESETS],
                               validators=[InputRequired(message=_l("Choose a weight policy."))])
    submit = SubmitField(_l("Start the consultation"))

    @staticmethod
    def zone() -> str:
        return zone_description()

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        now = utcnow()
        opens_at, closes_at = self.opens_at_utc, self.closes_at_utc
        if closes_at is not None and closes_at <= now:
            self.closes_at.errors = [*self.closes_at.errors, _l("The closing time must be in the future.")]
            valid = False
        elif closes_at is not None and opens_at is not None and closes_at <= opens_at:
            self.closes_at.errors = [*self.closes_at.errors, _l("The closing time must be after the opening time.")]
            valid = False
        return valid

    @property
    def opens_at_utc(self) -> datetime | None:
        return to_utc(self.opens_at.data)

    @property
    def closes_at_utc(self) -> datetime | None:
        return to_utc(self.closes_at.data)

    @property
    def policy(self) -> dict[str, Any]:
        return dict(weight_policies.PRESETS[self.weight_policy.data or "equal"])


class ResponseForm(FlaskForm):
    choice = RadioField(_l("What does your member think of this version?"), choices=[SelectChoice(k, v) for k, v in CHOICE_LABELS.items()],
                        validate_choice=False, validators=[InputRequired(message=_l("Choose an answer."))])
    comment = TextAreaField(_l("Comment (optional)"), filters=[clean_multiline],
                            validators=[Optional(), Length(max=MAX_COMMENT, message=_l(
                                "The comment is too long: at most %(max)d characters.")), PlainText(multiline=True)])
    member = HiddenField()
    revision = HiddenField(default="0")
    submit = SubmitField(_l("Send the answer"))

    def validate_choice(self, field: RadioField) -> None:
        if field.data not in CHOICE_LABELS:
            raise ValidationError(str(_l("Choose an answer.")))

    @property
    def revision_number(self) -> int:
        text = self.revision.data or "0"
        return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else -1
