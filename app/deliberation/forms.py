"""The chair's forms: a new proposal, a new version, a change of state; the reader's diff picker.

A version's text is typed as one Markdown document per language, split into clauses by their
`## <id> <heading>` lines (app/deliberation/text.py). `validate()` parses both documents and
puts each refusal on the document it is about; `clauses` then holds the parsed text.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from app.deliberation.text import ClauseText, DocumentError, parse_documents
from app.text_input import PlainText, clean_line, clean_multiline

MAX_TITLE = 200
MAX_NOTE = 2000

TEXT_HELP = _l("Start each clause on its own line with two # signs, its number and its heading, for example "
               "“## 2.a Who may join”; its text follows on the next lines. Use the same numbers in both "
               "languages. Markdown: *italics*, **bold**, lists with “-”, links as [text](https://…).")


class TitleFields(FlaskForm):
    """Declared before the text fields so that the page and its error summary list the titles first."""

    title_en = StringField(_l("Title in English"), validators=[Length(max=MAX_TITLE), PlainText()],
                           filters=[clean_line])
    title_fr = StringField(_l("Title in French"), validators=[Length(max=MAX_TITLE), PlainText()],
                           filters=[clean_line])


class VersionTextForm(FlaskForm):
    text_en = TextAreaField(_l("Text in English"), description=TEXT_HELP, filters=[clean_multiline])
    text_fr = TextAreaField(_l("Text in French"), description=_l(
        "The French text may follow later: a clause without French is marked “not yet translated”."),
        filters=[clean_multiline])
    note_en = TextAreaField(_l("What changed, in English (optional)"),
                            validators=[Optional(), Length(max=MAX_NOTE), PlainText(multiline=True)],
                            filters=[clean_multiline])
    note_fr = TextAreaField(_l("What changed, in French (optional)"),
                            validators=[Optional(), Length(max=MAX_NOTE), PlainText(multiline=True)],
                            filters=[clean_multiline])

    clauses: list[ClauseText] = []

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        try:
            self.clauses = parse_documents(self.text_en.data or "", self.text_fr.data or "")
        except DocumentError as refused:
            target = self.text_fr if refused.lang == "fr" else self.text_en
            target.errors = [*target.errors, refused.message]
            return False
        return valid


class ProposalForm(TitleFields, VersionTextForm):
    submit = SubmitField(_l("Save the draft proposal"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.title_en.data or self.title_fr.data):
            self.title_en.errors = [*self.title_en.errors, _l("Give the proposal a title, in English or in French.")]
            return False
        return valid


class NewVersionForm(VersionTextForm):
    base_version = HiddenField()
    submit = SubmitField(_l("Save as a new version"))


class StateForm(FlaskForm):
    target = RadioField(_l("New state"), choices=[], validate_choice=True)
    submit = SubmitField(_l("Change the state"))

