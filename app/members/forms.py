from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.members.validation import MAX_NAME, MAX_POPULATION
from app.i18n import current_language
from app.registry import HOLDER_TYPES, PROVINCES, SETTINGS, SIZE_CLASSES, province_name
from app.whole_numbers import WholeNumberField


class MemberForm(FlaskForm):
    slug = StringField(_l("Identifier"), validators=[DataRequired(), Length(min=3, max=64)],
                       description=_l("Short and permanent, e.g. halton-lip. Appears in ballots and exports."))
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=MAX_NAME)])
    name_fr = StringField(_l("Name in French"), validators=[DataRequired(), Length(max=MAX_NAME)])
    province = SelectField(_l("Province or territory"), choices=[SelectChoice(code, f"{code} — {en}") for code, (en, _fr) in PROVINCES.items()])
    setting = SelectField(_l("Urban or rural"), choices=[SelectChoice(k, v) for k, v in SETTINGS.items()])
    size_class = SelectField(_l("Size class"), choices=[SelectChoice(k, v) for k, v in SIZE_CLASSES.items()])
    population = WholeNumberField(_l("Population served"), grouping=True, validators=[Optional(), NumberRange(min=0, max=MAX_POPULATION)])
    holder_type = SelectField(_l("Contribution-agreement holder"), choices=[SelectChoice(k, v) for k, v in HOLDER_TYPES.items()])
    clusters = StringField(_l("Cluster tags"), validators=[Length(max=500)],
                           description=_l("Separate tags with semicolons, e.g. francophone; northern."))
    active = BooleanField(_l("Active (may vote)"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        lang = current_language()  # province names in the page's language, not English on a French page
        self.province.choices = [SelectChoice(code, f"{code} — {province_name(code, lang)}") for code in PROVINCES]

    def as_record(self) -> dict[str, object]:
        return {name: getattr(self, name).data for name in (
            "slug", "name_en", "name_fr", "province", "setting", "size_class",
            "population", "holder_type", "clusters", "active")}


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Choose a .csv file."))])
    submit = SubmitField(_l("Check and import"))


