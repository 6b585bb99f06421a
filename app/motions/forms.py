"""The chair's forms: drafting a motion, confirming a lifecycle step, extending the close.

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
from typing import Any, Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

import voting
from voting import weights as weight_policies

from app.display import federation_zone
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
MULTI_SEAT_METHODS = ("plurality", "approval", "stv", "schulze_stv")

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
MAX_OPTIONS = 40
MAX_LABEL = 200
# re.ASCII: without it \d also matches other scripts' digits, which int() then silently converts
FRACTION_RE = re.compile(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", re.ASCII)
PERCENT_RE = re.compile(r"\s*(\d{1,3}(?:\.\d{1,4})?)\s*%\s*", re.ASCII)
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


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


def options_to_text(options: list[dict[str, str]]) -> str:
    return "\n".join(f"{o['id']} | {o['en']} | {o['fr']}" for o in options)


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
    new_meeting: str | None
    agenda_order: int


class MotionForm(FlaskForm):
    title_en = StringField(_l("Title in English"), filters=[clean_line], validators=[DataRequired(), PlainText(), Length(max=300)])
    title_fr = StringField(_l("Title in French"), filters=[clean_line], validators=[DataRequired(), PlainText(), Length(max=300)])
    text_en = TextAreaField(_l("Text in English"), filters=[clean_multiline],
                            validators=[PlainText(multiline=True), Length(max=20000)],
                            description=_l("The motion as it will be put to the members (optional)."))
    text_fr = TextAreaField(_l("Text in French"), filters=[clean_multiline], validators=[PlainText(multiline=True), Length(max=20000)])
    method = SelectField(_l("Voting method"), choices=[SelectChoice(m, METHOD_LABELS.get(m, m)) for m in voting.METHODS],
                         default="yes_no")
    options_text = TextAreaField(
        _l("Options or candidates"), filters=[clean_multiline], validators=[PlainText(multiline=True), Length(max=20000)],
        description=_l("One per line: identifier | English label | French label, e.g. "
                       "“riverside | Riverside site | Site Riverside”. Identifiers use a–z, 0–9, - and _. "
                       "Ignored for yes/no motions, whose options are always yes, no and abstain."))
    seats = WholeNumberField(_l("Seats"), default=1, validators=[DataRequired(), NumberRange(min=1, max=MAX_OPTIONS)],
                         description=_l("How many winners. Only plurality, approval, STV and Schulze STV elect more "
                                        "than one; every other method needs 1."))
    threshold = SelectField(_l("Threshold (yes/no motions)"), default="majority_cast",
                            choices=[SelectChoice(t, THRESHOLD_LABELS.get(t, t)) for t in voting.RULE_THRESHOLDS],
                            description=_l("Other methods elect by their own rule and need the default here."))
    quorum_members = StringField(_l("Quorum by members (optional)"), validators=[Length(max=20)],
                                 description=_l("Share of eligible members that must vote, e.g. 1/2 or 50%."))
    quorum_weight = StringField(_l("Quorum by weight (optional)"), validators=[Length(max=20)],
                                description=_l("Share of eligible weight that must vote, e.g. 1/3 or 33%."))
    dm_members = BooleanField(_l("Double majority: the threshold must also be met by the number of members"))
    dm_regions = SelectField(
        _l("Double majority by region"), default="",
        choices=[SelectChoice("", _l("No regional majority")), SelectChoice("all", _l("Every region with eligible members"))]
        + [SelectChoice(str(k), _l("At least %(k)d region(s)", k=k)) for k in range(1, len(REGIONS) + 1)],
        description=_l("A region concurs when its yes weight exceeds its no weight (yes/no motions only)."))
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
    new_meeting = StringField(_l("Or create a meeting named"), filters=[clean_line], validators=[PlainText(), Length(max=200)])
    agenda_order = WholeNumberField(_l("Agenda order"), default=0, validators=[Optional(), NumberRange(min=0, max=999)])
    submit = SubmitField(_l("Save draft"))

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

    def _options(self, method: str) -> list[dict[str, str]] | None:
        if method == "yes_no":
            return [dict(o) for o in YES_NO_OPTIONS]
        out: list[dict[str, str]] = []
        for number, line in enumerate((self.options_text.data or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) > 3:
                self.fail("options_text", _l("Line %(n)d: want at most three parts separated by |.", n=number))
                return None
            option_id = parts[0]
            if not OPTION_ID_RE.fullmatch(option_id):
                self.fail("options_text", _l("Line %(n)d: “%(id)s” is not a valid identifier (a–z, 0–9, - and _, "
                                             "at most 40 characters).", n=number, id=option_id[:50]))
                return None
            en = clean_line(parts[1]) if len(parts) > 1 and parts[1] else option_id
            fr = clean_line(parts[2]) if len(parts) > 2 and parts[2] else en
            problem = text_problem(en + fr)
            if problem:
                self.fail("options_text", _l("Line %(n)d: %(problem)s", n=number, problem=problem))
                return None
            if len(en) > MAX_LABEL or len(fr) > MAX_LABEL:
                self.fail("options_text", _l("Line %(n)d: labels have at most %(max)d characters.", n=number, max=MAX_LABEL))
                return None
            if any(o["id"] == option_id for o in out):
                self.fail("options_text", _l("Line %(n)d: the identifier “%(id)s” is used twice.", n=number, id=option_id))
                return None
            twin = next((o for o in out if any(comparison_key(o[lang]) == comparison_key(label)
                                                for lang, label in (("en", en), ("fr", fr)))), None)
            if twin is not None:
                self.fail("options_text", _l("Line %(n)d: the label is the same as the label of “%(id)s”, or looks the "
                                             "same; delegates could not tell the two options apart.",
                                             n=number, id=twin["id"]))
                return None
            out.append({"id": option_id, "en": en, "fr": fr})
        if len(out) < 2:
            self.fail("options_text", _l("Give at least two options or candidates, one per line."))
            return None
        if len(out) > MAX_OPTIONS:
            self.fail("options_text", _l("At most %(max)d options.", max=MAX_OPTIONS))
            return None
        return out

    def _rules(self, method: str) -> dict[str, Any] | None:
        ok = True
        quorum: dict[str, str | None] = {}
        for key in ("members", "weight"):
            field = f"quorum_{key}"
            try:
                quorum[key] = parse_share(getattr(self, field).data or "")
            except ValueError:
                self.fail(field, _l("Write a share between 0 and 1 such as 1/2, or a percentage such as 50%."))
                ok = False
        regions_raw = self.dm_regions.data or ""
        regions: str | int | None = None if not regions_raw else ("all" if regions_raw == "all" else int(regions_raw))
        if method != "yes_no":
            if self.threshold.data != "majority_cast":
                self.fail("threshold", _l("Thresholds apply only to yes/no motions; keep the default for this method."))
                ok = False
            if self.dm_members.data or regions is not None:
                self.fail("dm_regions" if regions is not None else "dm_members",
                          _l("A double majority applies only to yes/no motions."))
                ok = False
        if not ok:
            return None
        return {"threshold": self.threshold.data, "quorum": quorum,
                "double_majority": {"members": bool(self.dm_members.data), "regions": regions}}

    def clean(self, eligible: dict[str, Any] | None, members: list[dict[str, object]] | None,
              stored_policy: dict[str, Any] | None = None) -> CleanMotion | None:
        """Check the submitted values; on a refusal the errors are on the fields and None returns.

        `eligible` and `members` describe the federation as it is now (the rules and weights are
        tried against it, as opening would); `stored_policy` is the draft's policy when it is kept.
        """
        method = self.method.data
        options = self._options(method)
        rules = self._rules(method)
        choice = self.weight_policy.data
        policy = dict(stored_policy or {}) if choice == CURRENT_POLICY else dict(weight_policies.PRESETS[choice])
        try:
            weight_policies.validate_policy(policy)
            if members:
                weight_policies.compute_weights(policy, members)
        except voting.VotingError as e:
            self.fail("weight_policy", _l("This weight policy cannot be applied: %(reason)s", reason=str(e)))
            return None
        seats = int(self.seats.data or 1)
        opens_at, closes_at = to_utc(self.opens_at.data), to_utc(self.closes_at.data)
        now = utcnow()
        if opens_at is not None and opens_at <= now:
            self.fail("opens_at", _l("The opening time must be in the future."))
        if closes_at is not None and closes_at <= now:
            self.fail("closes_at", _l("The closing time must be in the future."))
        if opens_at is not None and closes_at is not None and closes_at <= opens_at:
            self.fail("closes_at", _l("The closing time must be after the opening time."))
        new_meeting = (self.new_meeting.data or "").strip() or None
        if new_meeting and self.meeting_id.data:
            self.fail("new_meeting", _l("Choose an existing meeting or name a new one, not both."))
        if options is None or rules is None or self.errors:
            return None
        try:
            voting.check_feasible(method, len(options), seats)
        except voting.InvalidMotion as e:
            target = "options_text" if str(e).startswith("options") else "seats"
            self.fail(target, _l("This cannot be counted: %(reason)s", reason=str(e)))
            return None
        with_eligible = dict(rules, eligible=eligible or _placeholder_eligible())
        try:
            voting.validate_rules(with_eligible)
            voting.tally(method, [], options=[o["id"] for o in options], seats=seats, rules=with_eligible)
        except voting.InvalidMotion as e:
            message = str(e)
            target = ("quorum_members" if message.startswith("rules.quorum.members")
                      else "quorum_weight" if message.startswith("rules.quorum.weight")
                      else "dm_regions" if message.startswith("rules.double_majority.regions")
                      else "threshold" if message.startswith("rules.threshold") else "method")
            self.fail(target, _l("These rules cannot be applied: %(reason)s", reason=message))
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


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Confirm"))


class ExtendForm(FlaskForm):
    closes_at = AsciiDateTimeLocalField(_l("New closing time"), format=DATETIME_FORMAT, validators=[DataRequired()])
    submit = SubmitField(_l("Extend"))
