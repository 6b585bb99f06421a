"""The chair's forms: drafting a motion, confirming a lifecycle step, extending the close.

The motion form shows only what the chosen method takes: which thresholds, double majorities
and seat counts apply is asked of the tally engine (`voting.method_rules`), never restated here.
Options are rows of an English and a French label; their identifiers are derived from the labels
(`option_id_for`) and kept when a draft is edited.

`MotionForm.clean()` turns a submitted form into the values a `Motion` row stores, checking
them with the tally engine's own validators (`voting.check_feasible`, `voting.validate_rules`,
`voting.weights.validate_policy`, then a dry run of `voting.tally` on no ballots), so a draft
that saves is a draft that can open and be counted. Each refusal lands on the field it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from fractions import Fraction
from typing import Any, Callable, Sequence

from babel.dates import get_timezone_location, get_timezone_name
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from slugify import slugify
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, RadioField, SelectField, StringField,
                     SubmitField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

import voting
from voting import weights as weight_policies

from app.display import FORMAT_LOCALES, federation_zone
from app.i18n import current_language
from app.models import utcnow
from app.registry import REGIONS
from app.text_input import PlainText, clean_line, clean_multiline, comparison_key, text_problem
from app.whole_numbers import AsciiDateTimeLocalField, WholeNumberField

METHOD_LABELS: dict[str, Any] = {
    "yes_no": _l("Yes or no (with abstention)"),
    "plurality": _l("Plurality: one choice each, most weight wins"),
    "approval": _l("Approval: approve any number of options"),
    "irv": _l("Instant runoff: ranked ballots, one winner"),
    "stv": _l("Single transferable vote: ranked ballots, several seats"),
    "schulze": _l("Schulze: ranked ballots, one winner by pairwise comparison"),
    "ranked_pairs": _l("Ranked Pairs: ranked ballots, one winner by locked pairwise wins"),
    "schulze_stv": _l("Schulze STV: ranked ballots, several seats, proportional"),
}

THRESHOLD_LABELS: dict[str, Any] = {
    "majority_cast": _l("Majority of the votes cast (yes more than half of yes + no)"),
    "absolute_majority": _l("Absolute majority (yes more than half of all eligible weight)"),
    "two_thirds": _l("Two thirds of the votes cast"),
    "three_quarters": _l("Three quarters of the votes cast"),
    "unanimity": _l("Unanimity of the votes cast"),
}

POLICY_LABELS: dict[str, Any] = {
    "equal": _l("Equal: every member the same weight"),
    "tiered_1_2_3": _l("Tiered by size: small 1, medium 2, large 3"),
    "regional_parity": _l("Regional parity: each region the same total, shared equally within it"),
    "blended_half_population": _l("Blended: half equal, half by population served"),
    "population_capped": _l("By population served"),
}
CURRENT_POLICY = "current"

YES_NO_OPTIONS = [
    {"id": "yes", "en": "Yes", "fr": "Oui"},
    {"id": "no", "en": "No", "fr": "Non"},
    {"id": "abstain", "en": "Abstain", "fr": "Abstention"},
]
OPTION_ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
OPTION_ID_MAX = 40
MAX_OPTIONS = 40
BLANK_OPTION_ROWS = 2  # shown after the filled ones, so a chair without JavaScript can add options
MIN_OPTION_ROWS = 4
MAX_LABEL = 200
# The form field that shows a rules error, by the setting the tally engine names (`InvalidMotion.field`).
RULE_FIELDS = {"rules.quorum.members": "quorum_members", "rules.quorum.weight": "quorum_weight",
               "rules.double_majority.regions": "dm_regions", "rules.threshold": "threshold"}
# re.ASCII: without it \d also matches other scripts' digits, which int() then silently converts
FRACTION_RE = re.compile(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", re.ASCII)
PERCENT_RE = re.compile(r"\s*(\d{1,3}(?:\.\d{1,4})?)\s*%\s*", re.ASCII)
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
MISSING_LABEL = {"en": _l("Option %(n)d: give its label in English."), "fr": _l("Option %(n)d: give its label in French.")}
LABEL_PROBLEM = {"en": _l("Option %(n)d, in English: %(problem)s"), "fr": _l("Option %(n)d, in French: %(problem)s")}


def _label(choices: dict[str, Any], key: str) -> Any:
    return choices.get(key, key)


def to_utc(local: datetime | None) -> datetime | None:
    """A naive datetime-local value, read in LIPVOTE_TIMEZONE, as an aware UTC datetime."""
    if local is None:
        return None
    return local.replace(tzinfo=federation_zone()).astimezone(timezone.utc)


def to_local(value: datetime | None) -> datetime | None:
    """A stored UTC datetime as the naive local time a datetime-local input shows."""
    if value is None:
        return None
    return value.astimezone(federation_zone()).replace(tzinfo=None)


def option_rows(options: list[dict[str, str]]) -> list[dict[str, str]]:
    """A motion's stored options as the rows of the form."""
    return [{"option_id": o["id"], "en": o["en"], "fr": o["fr"]} for o in options]


def option_id_for(en: str, fr: str, taken: set[str]) -> str:
    """A stable ASCII identifier from an option's labels, unique among `taken`: "Site Riverside" -> "site-riverside"."""
    base = (slugify(en, max_length=OPTION_ID_MAX - 4, word_boundary=True)
            or slugify(fr, max_length=OPTION_ID_MAX - 4, word_boundary=True) or "option")
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def methods_where(applies: Callable[[voting.MethodRules], bool]) -> list[str]:
    """The methods whose rules (as the tally engine states them) satisfy `applies`."""
    return [m for m in voting.METHODS if applies(voting.method_rules(m))]


def zone_description() -> str:
    """The federation's zone in plain words: "Eastern Time (Toronto)", "heure de l’Est (Toronto)"."""
    locale = FORMAT_LOCALES.get(current_language(), "en_CA")
    zone = federation_zone()
    name = get_timezone_name(zone, "long", zone_variant="generic", locale=locale)
    return f"{name} ({get_timezone_location(zone, locale=locale, return_city=True)})"


def parse_share(raw: str) -> str | None:
    """"1/2", "2 / 3" or "50%" -> "1/2"; "" -> None; raise ValueError for anything else."""
    raw = (raw or "").strip()
    if not raw:
        return None
    m = FRACTION_RE.fullmatch(raw)
    if m:
        num, den = int(m.group(1)), int(m.group(2))
        if den == 0:
            raise ValueError(raw)
        value = Fraction(num, den)
    else:
        p = PERCENT_RE.fullmatch(raw)
        if p is None:
            raise ValueError(raw)
        value = Fraction(p.group(1)) / 100
    if not 0 < value <= 1:
        raise ValueError(raw)
    return f"{value.numerator}/{value.denominator}"


def describe_policy(policy: dict[str, Any]) -> str:
    """A preset's name (or the policy kind) with its limits, written from the policy itself."""
    key = policy_key(policy)
    text = str(POLICY_LABELS[key]) if key in POLICY_LABELS else str(_l("Custom policy: %(kind)s", kind=policy.get("kind", "?")))
    limits = []
    if policy.get("cap"):
        limits.append(str(_l("no member above %(cap)s of the total", cap=policy["cap"])))
    if policy.get("floor"):
        limits.append(str(_l("none below %(floor)s", floor=policy["floor"])))
    return f"{text} ({', '.join(limits)})" if limits else text


def policy_key(policy: dict[str, Any]) -> str:
    """The preset a stored policy is, or CURRENT_POLICY when it is none of them."""
    return weight_policies.preset_name(policy) or CURRENT_POLICY


@dataclass
class CleanMotion:
    """The values a Motion row stores, after every check passed."""

    title_en: str
    title_fr: str
    text_en: str
    text_fr: str
    method: str
    seats: int
    options: list[dict[str, str]]
    rules: dict[str, Any]
    weight_policy: dict[str, Any]
    secret: bool
    revote: bool
    opens_at: datetime | None
    closes_at: datetime | None
    meeting_id: int | None
    new_meeting: tuple[str, str] | None  # (English, French)
    agenda_order: int


class OptionRow(Form):
    """One option: its labels, and the identifier it already has when a draft is edited."""

    option_id = HiddenField(filters=[lambda value: (value or "").strip()])
    en = StringField(_l("In English"), filters=[clean_line])
    fr = StringField(_l("In French"), filters=[clean_line])


class MotionForm(FlaskForm):
    title_en = StringField(_l("Title in English"), filters=[clean_line],
                           validators=[DataRequired(_l("Give the title in English.")), PlainText(), Length(max=300)])
    title_fr = StringField(_l("Title in French"), filters=[clean_line],
                           validators=[DataRequired(_l("Give the title in French.")), PlainText(), Length(max=300)])
    text_en = TextAreaField(_l("Text in English"), filters=[clean_multiline],
                            validators=[PlainText(multiline=True), Length(max=20000)],
                            description=_l("The motion as it will be put to the members (optional)."),
                            render_kw={"rows": 4})
    text_fr = TextAreaField(_l("Text in French"), filters=[clean_multiline],
                            validators=[PlainText(multiline=True), Length(max=20000)],
                            description=_l("The same, in French (optional)."), render_kw={"rows": 4})
    method = RadioField(_l("Voting method"), choices=[SelectChoice(m, METHOD_LABELS.get(m, m)) for m in voting.METHODS],
                        default="yes_no")
    options = FieldList(FormField(OptionRow), min_entries=MIN_OPTION_ROWS, max_entries=MAX_OPTIONS + 10)
    add_option = SubmitField(_l("Add another option"))
    seats = WholeNumberField(_l("Seats"), default=1, validators=[Optional(), NumberRange(min=1, max=MAX_OPTIONS)],
                             description=_l("How many winners."))
    threshold = SelectField(_l("Threshold"), default="majority_cast",
                            choices=[SelectChoice(t, THRESHOLD_LABELS.get(t, t)) for t in voting.RULE_THRESHOLDS])
    quorum_members = StringField(_l("Quorum by members (optional)"), validators=[Length(max=20)],
                                 description=_l("Share of eligible members that must vote, e.g. 1/2 or 50%."))
    quorum_weight = StringField(_l("Quorum by weight (optional)"), validators=[Length(max=20)],
                                description=_l("Share of eligible weight that must vote, e.g. 1/3 or 33%."))
    dm_members = BooleanField(_l("Double majority: the threshold must also be met by the number of members"))
    dm_regions = SelectField(
        _l("Double majority by region"), default="",
        choices=[SelectChoice("", _l("No regional majority")), SelectChoice("all", _l("Every region with eligible members"))]
        + [SelectChoice(str(k), _l("At least %(k)d region(s)", k=k)) for k in range(1, len(REGIONS) + 1)],
        description=_l("A region concurs when its yes weight exceeds its no weight."))
    weight_policy = SelectField(_l("Weight policy"), default="equal",
                                choices=[SelectChoice(k, k) for k in weight_policies.PRESETS],
                                description=_l("How member attributes become vote weights; preview them before opening."))
    secret = BooleanField(_l("Secret ballot (the published log does not name members)"))
    revote = BooleanField(_l("Delegates may change their vote until the motion closes"))
    opens_at = AsciiDateTimeLocalField(_l("Open automatically at (optional)"), format=DATETIME_FORMAT,
                                       validators=[Optional()])
    closes_at = AsciiDateTimeLocalField(_l("Close automatically at (optional)"), format=DATETIME_FORMAT,
                                        validators=[Optional()])
    meeting_id = SelectField(_l("Meeting"), default="", choices=[SelectChoice("", _l("No meeting"))])
    new_meeting_en = StringField(_l("Or create a meeting: its name in English"), filters=[clean_line],
                                 validators=[PlainText(), Length(max=200)])
    new_meeting_fr = StringField(_l("Its name in French"), filters=[clean_line], validators=[PlainText(), Length(max=200)])
    agenda_order = WholeNumberField(_l("Agenda order"), default=0, validators=[Optional(), NumberRange(min=0, max=999)])
    submit = SubmitField(_l("Save draft"))

    # Which methods each part of the form applies to, as the tally engine states it.
    OPTION_METHODS = methods_where(lambda r: not r.fixed_options)
    SEAT_METHODS = methods_where(lambda r: r.several_seats)
    THRESHOLD_METHODS = methods_where(lambda r: len(r.thresholds) > 1)
    DOUBLE_MAJORITY_METHODS = methods_where(lambda r: r.double_majority)

    def __init__(self, *args: Any, meetings: Sequence[tuple[int, str]] = (),
                 policy: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meeting_id.choices = [SelectChoice("", _l("No meeting"))] + [SelectChoice(str(i), title) for i, title in meetings]
        self.current_policy = policy if policy is not None and policy_key(policy) == CURRENT_POLICY else None
        choices = [SelectChoice(k, describe_policy(p)) for k, p in weight_policies.PRESETS.items()]
        if self.current_policy is not None:
            choices.insert(0, SelectChoice(CURRENT_POLICY, _l("Keep this motion's policy: %(policy)s",
                                                              policy=describe_policy(self.current_policy))))
        self.weight_policy.choices = choices

    def fail(self, field: str, message: Any) -> None:
        getattr(self, field).errors.append(message)

    @staticmethod
    def zone() -> str:
        return zone_description()

    def pad_option_rows(self, extra: int = 0) -> None:
        """Blank rows after the filled ones, and `extra` more rows than there are, so options can be
        added without JavaScript."""
        filled = sum(1 for entry in self.options if (entry.en.data or entry.fr.data))
        wanted = min(max(filled + BLANK_OPTION_ROWS, MIN_OPTION_ROWS, len(self.options) + extra), self.options.max_entries)
        while len(self.options) < wanted:
            self.options.append_entry()

    def _options(self, method: str) -> list[dict[str, str]] | None:
        fixed = voting.method_rules(method).fixed_options
        if fixed:
            return [dict(o) for o in YES_NO_OPTIONS if o["id"] in fixed]
        rows: list[tuple[int, Any, str, str]] = []
        ok = True
        for number, entry in enumerate(self.options, start=1):
            en, fr = entry.en.data or "", entry.fr.data or ""
            if not en and not fr:
                continue
            for field, label, language in ((entry.en, en, "en"), (entry.fr, fr, "fr")):
                if not label:
                    field.errors.append(MISSING_LABEL[language] % {"n": number})
                    ok = False
                    continue
                problem = text_problem(label)
                if not problem and len(label) > MAX_LABEL:
                    problem = _l("Labels have at most %(max)d characters.", max=MAX_LABEL)
                if problem:
                    field.errors.append(LABEL_PROBLEM[language] % {"n": number, "problem": problem})
                    ok = False
            rows.append((number, entry, en, fr))
        if not ok:
            return None
        first = self.options[0].en
        if len(rows) < 2:
            first.errors.append(_l("Give at least two options or candidates."))
            return None
        if len(rows) > MAX_OPTIONS:
            first.errors.append(_l("At most %(max)d options.", max=MAX_OPTIONS))
            return None
        out: list[dict[str, str]] = []
        for number, entry, en, fr in rows:
            twin = next((o for o in out if any(comparison_key(o[lang]) == comparison_key(label)
                                                for lang, label in (("en", en), ("fr", fr)))), None)
            if twin is not None:
                entry.en.errors.append(_l("Option %(n)d: its label is the same as the label of “%(other)s”, or looks "
                                          "the same; delegates could not tell the two options apart.",
                                          n=number, other=twin["en"]))
                return None
            out.append({"id": "", "en": en, "fr": fr})
        # Identifiers a draft already has are kept (a tampered one is replaced), then new ones are derived.
        taken: set[str] = set()
        for (number, entry, en, fr), option in zip(rows, out):
            kept = entry.option_id.data or ""
            if OPTION_ID_RE.fullmatch(kept) and kept not in taken:
                option["id"] = kept
                taken.add(kept)
        for option in out:
            if not option["id"]:
                option["id"] = option_id_for(option["en"], option["fr"], taken)
                taken.add(option["id"])
        return out

    def _rules(self, method: str) -> dict[str, Any] | None:
        ok = True
        allowed = voting.method_rules(method)
        quorum: dict[str, str | None] = {}
        for key in ("members", "weight"):
            field = f"quorum_{key}"
            try:
                quorum[key] = parse_share(getattr(self, field).data or "")
            except ValueError:
                self.fail(field, _l("Write a share between 0 and 1 such as 1/2, or a percentage such as 50%."))
                ok = False
        regions_raw = "" if self.dm_regions.errors else (self.dm_regions.data or "")
        regions: str | int | None = None if not regions_raw else ("all" if regions_raw == "all" else int(regions_raw))
        # Reached only without JavaScript: the page hides what the chosen method does not take.
        if self.threshold.data not in allowed.thresholds:
            self.fail("threshold", _l("This method elects by its own rule and takes no threshold: choose “%(default)s”.",
                                      default=THRESHOLD_LABELS["majority_cast"]))
            ok = False
        if not allowed.double_majority and (self.dm_members.data or regions is not None):
            self.fail("dm_regions" if regions is not None else "dm_members",
                      _l("A double majority applies only to yes or no motions."))
            ok = False
        if not ok:
            return None
        return {"threshold": self.threshold.data, "quorum": quorum,
                "double_majority": {"members": bool(self.dm_members.data), "regions": regions}}

    def _seats(self, method: str) -> int:
        seats = int(self.seats.data or 1)
        if seats != 1 and not voting.method_rules(method).several_seats:
            self.fail("seats", _l("This method elects one winner: set the number of seats to 1."))
        return seats

    def _policy(self, members: list[dict[str, object]] | None,
                stored_policy: dict[str, Any] | None) -> dict[str, Any] | None:
        """The chosen weight policy, tried on today's members as opening would; None if refused."""
        if self.weight_policy.errors:
            return None
        choice = self.weight_policy.data
        policy = dict(stored_policy or {}) if choice == CURRENT_POLICY else dict(weight_policies.PRESETS[choice])
        try:
            weight_policies.validate_policy(policy)
            if members:
                weight_policies.compute_weights(policy, members)
        except voting.VotingError as e:
            self.fail("weight_policy", _l("This weight policy cannot be applied: %(reason)s", reason=str(e)))
            return None
        return policy

    def _new_meeting(self) -> tuple[str, str] | None:
        en, fr = (self.new_meeting_en.data or "").strip(), (self.new_meeting_fr.data or "").strip()
        if not en and not fr:
            return None
        if self.meeting_id.data:
            self.fail("new_meeting_en", _l("Choose an existing meeting or name a new one, not both."))
        elif not en:
            self.fail("new_meeting_en", _l("Give the new meeting’s name in English too."))
        elif not fr:
            self.fail("new_meeting_fr", _l("Give the new meeting’s name in French too."))
        return en, fr

    def clean(self, eligible: dict[str, Any] | None, members: list[dict[str, object]] | None,
              stored_policy: dict[str, Any] | None = None) -> CleanMotion | None:
        """Check the submitted values; on a refusal the errors are on the fields and None returns.

        `eligible` and `members` describe the federation as it is now (the rules and weights are
        tried against it, as opening would); `stored_policy` is the draft's policy when it is kept.
        """
        # Every check runs, even after a field failed, so the summary lists every problem at once.
        method = self.method.data
        method_known = not self.method.errors
        options = self._options(method) if method_known else None
        if options is None:  # errors added after validation are not yet in FieldList.errors
            self.options.errors = [entry.errors for entry in self.options]
        rules = self._rules(method) if method_known else None
        seats = self._seats(method) if method_known else 1
        policy = self._policy(members, stored_policy)
        opens_at, closes_at = to_utc(self.opens_at.data), to_utc(self.closes_at.data)
        now = utcnow()
        if opens_at is not None and opens_at <= now:
            self.fail("opens_at", _l("The opening time must be in the future."))
        if closes_at is not None and closes_at <= now:
            self.fail("closes_at", _l("The closing time must be in the future."))
        if opens_at is not None and closes_at is not None and closes_at <= opens_at:
            self.fail("closes_at", _l("The closing time must be after the opening time."))
        new_meeting = self._new_meeting()
        if options is None or rules is None or policy is None or self.errors:
            return None
        try:
            voting.check_feasible(method, len(options), seats)
        except voting.InvalidMotion as e:
            if e.field == "options" or seats > len(options):
                self.fail("seats", _l("There are more seats than options: give at least as many options as seats."))
            else:
                self.fail("seats", _l("This cannot be counted: %(reason)s", reason=str(e)))
            return None
        with_eligible = dict(rules, eligible=eligible or _placeholder_eligible())
        try:
            voting.validate_rules(with_eligible)
            voting.tally(method, [], options=[o["id"] for o in options], seats=seats, rules=with_eligible)
        except voting.InvalidMotion as e:
            self.fail(RULE_FIELDS.get(e.field or "", "method"), _l("These rules cannot be applied: %(reason)s", reason=str(e)))
            return None
        return CleanMotion(
            title_en=self.title_en.data.strip(), title_fr=self.title_fr.data.strip(),
            text_en=(self.text_en.data or "").strip(), text_fr=(self.text_fr.data or "").strip(),
            method=method, seats=seats, options=options, rules=rules, weight_policy=policy,
            secret=bool(self.secret.data), revote=bool(self.revote.data), opens_at=opens_at, closes_at=closes_at,
            meeting_id=int(self.meeting_id.data) if self.meeting_id.data else None, new_meeting=new_meeting,
            agenda_order=int(self.agenda_order.data or 0),
        )


def _placeholder_eligible() -> dict[str, Any]:
    """An eligible block with one member in every region, for drafting before any member exists."""
    regions = {r: {"members": 1, "weight": 1} for r in REGIONS}
    return {"members": len(regions), "weight": len(regions), "regions": regions}


class ExtendForm(FlaskForm):
    closes_at = AsciiDateTimeLocalField(_l("New closing time"), format=DATETIME_FORMAT, validators=[DataRequired()])
    submit = SubmitField(_l("Extend"))

    @staticmethod
    def zone() -> str:
        return zone_description()
