"""The delegate's forms: a ballot's fields in the browser <-> the selection the casting service takes.

A ballot is posted as plain form fields, the same on the ballot page, the review page (as
hidden fields) and the cast request, so one parser reads all three:

* ``yes_no`` and ``plurality``: one field ``choice`` = an option id, or ``""`` for a blank
  ballot (plurality only offers the blank explicitly; yes/no has its own "abstain" option).
* ``approval``: ``choice`` repeated, once per approved option; none = a blank ballot.
* ranked methods: ``rank-<option id>`` = ``1`` .. ``n`` or ``""`` (not ranked) per option;
  options left unranked are simply not on the ballot (a truncated ranking); none = blank.
  The ranks given must be exactly 1, 2, .. k (ASCII digits, each once): ranks 1 and 3 are
  refused, never read as 1 and 2, since a ballot is not changed behind the voter's back.

Besides those, only ``csrf_token``, ``member`` and ``submit`` are accepted. Anything else (a
``weight``, an unknown ``rank-x``) is refused: a browser showing our page never sends it, so it
is a forged or stale request and nothing may be stored. The selection is then validated
again by the casting service with the tally engine's own ballot checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.validators import DataRequired

import voting

from app.whole_numbers import parse_whole_number

RANKED = voting.RANKED_METHODS  # the tally engine says which methods take a ranking
RANK_PREFIX = "rank-"
ALLOWED_FIELDS = frozenset({"csrf_token", "member", "submit", "choice"})
MAX_RECEIPT_TEXT = 4 << 20


class SelectionError(ValueError):
    """A ballot's form fields do not describe a valid selection (the message is shown as is)."""


class BallotForm(FlaskForm):
    """CSRF and the member the ballot is cast for; the choice fields are read by `parse_selection`."""

    member = HiddenField(validators=[DataRequired()])


class ProxyForm(FlaskForm):
    holder = SelectField(_l("Give our vote to"), validators=[DataRequired()],
                         description=_l("The delegates of this member will be able to cast your member's ballot on this motion."))
    submit = SubmitField(_l("Give the proxy"))


def is_ranked(method: str) -> bool:
    return method in RANKED


def parse_selection(method: str, option_ids: Sequence[str], form: MultiDict[str, str],
                    labels: Mapping[str, str] | None = None) -> Any:
    """The selection described by `form`, in the shape `service.cast` takes; `labels` name the
    options in messages (the voter knows them by their labels, not their identifiers).

    Raises SelectionError for unexpected fields, unknown options and repeated or impossible ranks.
    """
    known = set(option_ids)
    for name in form.keys():
        if name in ALLOWED_FIELDS:
            continue
        if is_ranked(method) and name.startswith(RANK_PREFIX) and name[len(RANK_PREFIX):] in known:
            continue
        raise SelectionError(_("Unexpected field %(name)s: this form does not send it. Reload the ballot and try again.",
                               name=repr(name)))
    if is_ranked(method):
        if "choice" in form:
            raise SelectionError(_("Unexpected field %(name)s: this form does not send it. Reload the ballot and try again.",
                                   name="'choice'"))
        return _ranking(option_ids, form, labels or {})
    choices = form.getlist("choice")
    for value in choices:
        if value and value not in known:
            raise SelectionError(_("Unknown option %(option)s.", option=repr(value)))
    if method == "approval":
        if len(set(choices)) != len(choices):
            raise SelectionError(_("An option was ticked more than once."))
        chosen = set(c for c in choices if c)
        return [o for o in option_ids if o in chosen]
    if len(choices) > 1:
        raise SelectionError(_("Choose only one option."))
    if not choices:
        raise SelectionError(_("Choose one option."))
    return choices[0]


def _ranking(option_ids: Sequence[str], form: MultiDict[str, str], labels: Mapping[str, str]) -> list[str]:
    n = len(option_ids)

    def name(option: str) -> str:
        return labels.get(option) or repr(option)

    by_rank: dict[int, str] = {}
    for option in option_ids:
        values = form.getlist(RANK_PREFIX + option)
        if len(values) > 1:
            raise SelectionError(_("Option %(option)s was given more than one rank.", option=name(option)))
        raw = values[0].strip() if values else ""
        if raw == "":
            continue
        rank = _rank_number(raw)
        if not 1 <= rank <= n:
            raise SelectionError(_("The rank of %(option)s must be a number from 1 to %(n)d, or no rank.",
                                   option=name(option), n=n))
        if rank in by_rank:
            raise SelectionError(_("Rank %(rank)d is given to both %(a)s and %(b)s; give each rank to one option only.",
                                   rank=rank, a=name(by_rank[rank]), b=name(option)))
        by_rank[rank] = option
    missing = next((r for r in range(1, len(by_rank) + 1) if r not in by_rank), None)
    if missing is not None:
        raise SelectionError(_("Rank %(missing)d is not given, but rank %(highest)d is. Number the options you rank "
                               "1, 2, 3 and so on without a gap, or leave the later ones unranked.",
                               missing=missing, highest=max(by_rank)))
    return [by_rank[r] for r in range(1, len(by_rank) + 1)]


def _rank_number(raw: str) -> int:
    """The rank typed, or 0 (out of range) when it is not ASCII digits."""
    try:
        return parse_whole_number(raw)
    except ValueError:
        return 0


def submitted_marks(method: str, option_ids: Sequence[str], form: MultiDict[str, str]) -> Prefill:
    """What a refused ballot had marked, to show it again with the error: known options, and ranks in
    range (gaps and repeats included, since those are what the voter must see and correct)."""
    known = set(option_ids)
    if is_ranked(method):
        ranks = {o: _rank_number(form.get(RANK_PREFIX + o, "").strip()) for o in option_ids}
        return Prefill(frozenset(), {o: r for o, r in ranks.items() if 1 <= r <= len(option_ids)})
    return Prefill(frozenset(c for c in form.getlist("choice") if c in known or (c == "" and method == "plurality")), {})


def selection_fields(method: str, option_ids: Sequence[str], selection: Any) -> list[tuple[str, str]]:
    """The form fields that describe `selection` (the inverse of `parse_selection`)."""
    if is_ranked(method):
        position = {option: i + 1 for i, option in enumerate(selection or [])}
        return [(RANK_PREFIX + o, str(position[o])) for o in option_ids if o in position]
    if method == "approval":
        return [("choice", o) for o in (selection or [])]
    return [("choice", selection or "")]


def is_blank(selection: Any) -> bool:
    return not selection


@dataclass(frozen=True)
class Prefill:
    """What the ballot page shows as already chosen (from the "Change" link's query)."""

    chosen: frozenset[str]
    ranks: dict[str, int]


def prefill(method: str, option_ids: Sequence[str], args: MultiDict[str, str]) -> Prefill:
    """Best-effort: a malformed query just shows an empty ballot."""
    fields = MultiDict([(k, v) for k, v in args.items(multi=True) if k != "member"])
    try:
        selection = parse_selection(method, option_ids, fields)
    except SelectionError:
        return Prefill(frozenset(), {})
    if is_ranked(method):
        return Prefill(frozenset(selection), {o: i + 1 for i, o in enumerate(selection)})
    if method == "approval":
        return Prefill(frozenset(selection), {})
    return Prefill(frozenset([selection]), {})
