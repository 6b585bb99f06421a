"""What a delegate must know before voting, in words: their weight, the rule, the deadline.

The motion, ballot and review pages show the same facts from here. The names and the
arithmetic are not derived again: threshold names and "needed" amounts come from
`app.results.words` (the results page's own words), the threshold's share, comparison and
basis from the tally engine's `threshold_test`, and an opened motion's rules and weights are
read from its leaf 0 (what the count will use), a draft's from its settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup

from app.display import number, percent, when
from app.models import Member
from app.motions import service
from app.motions.models import Motion, MotionState
from app.results.words import THRESHOLD_NAMES, comparison_words, frac, fraction_words, needed
from voting._rules import threshold_test  # the engine's own threshold table (share, comparison, basis)

SHARE_WORDS: dict[Fraction, Any] = {
    Fraction(1, 2): _l("half"),
    Fraction(2, 3): _l("two thirds"),
    Fraction(3, 4): _l("three quarters"),
}


@dataclass(frozen=True)
class Fact:
    term: str
    text: str | Markup


@dataclass(frozen=True)
class WeightShare:
    weight: int
    total: int

    @property
    def share(self) -> Fraction:
        return Fraction(self.weight, self.total)

    def words(self) -> str:
        """ "365 of 10,000 units (3.65%)" """
        return _("%(weight)s of %(total)s units (%(share)s)", weight=number(self.weight), total=number(self.total),
                 share=percent(self.share, 2))


def committed_weights(motion: Motion) -> dict[str, int]:
    """Leaf 0's weights (parsed once: `Motion.opening`)."""
    return service.committed_weights(motion)


def is_opened(motion: Motion) -> bool:
    return motion.state is not MotionState.DRAFT and motion.opening is not None


def weight_of(motion: Motion, member: Member) -> WeightShare | None:
    """The member's committed weight and the eligible total; None before opening or when not eligible."""
    if not is_opened(motion):
        return None
    weights = committed_weights(motion)
    if member.slug not in weights:
        return None
    return WeightShare(weights[member.slug], sum(weights.values()))


def is_eligible(motion: Motion, member: Member) -> bool:
    """A draft's list is not fixed yet (it is fixed at opening): every active member may vote then."""
    if not is_opened(motion):
        return member.active
    return member.slug in committed_weights(motion)


def weight_words(motion: Motion, member: Member) -> str:
    share = weight_of(motion, member)
    if share is not None:
        return share.words()
    if not is_opened(motion):
        return _("Fixed when the motion opens, for every member at once.")
    return _("None: this member was not on the list of eligible members when the motion opened.")


def _rules(motion: Motion) -> dict[str, Any]:
    rules = motion.opening.rules if is_opened(motion) and motion.opening else motion.rules
    return {
        "threshold": rules.get("threshold") or "majority_cast",
        "quorum": {"members": None, "weight": None, **(rules.get("quorum") or {})},
        "double_majority": {"members": False, "regions": None, **(rules.get("double_majority") or {})},
        "eligible": rules.get("eligible"),
    }


def _share_words(required: Fraction) -> str:
    return str(SHARE_WORDS[required]) if required in SHARE_WORDS else fraction_words(f"{required.numerator}/{required.denominator}")


def threshold_words(motion: Motion) -> str:
    """ "Yes needs at least two thirds of the units cast for yes or no (rule: two-thirds)." """
    rules = _rules(motion)
    name = rules["threshold"]
    eligible_total = (rules["eligible"] or {}).get("weight")
    test = threshold_test(name, 0, 0, eligible_total)
    required = frac(test["required"]) or Fraction(1, 2)
    words = {"rule": THRESHOLD_NAMES[name], "cmp": comparison_words(test["comparison"]), "share": _share_words(required)}
    if required == 1:
        return _("Carried only if nobody votes no: every unit cast for yes or no must be for yes (rule: %(rule)s).", **words)
    if test["basis"] == "eligible":
        if eligible_total:
            return _("Yes needs %(cmp)s %(share)s of all eligible units, that is %(need)s of %(total)s units (rule: %(rule)s).",
                     need=number(needed(required, eligible_total, test["comparison"])), total=number(eligible_total), **words)
        return _("Yes needs %(cmp)s %(share)s of all eligible units (rule: %(rule)s).", **words)
    return _("Yes needs %(cmp)s %(share)s of the units cast for yes or no (rule: %(rule)s).", **words)


def abstention_words(motion: Motion) -> str:
    if motion.method != "yes_no":
        return _("A blank ballot counts towards the quorum, not for any option.")
    rules = _rules(motion)
    if threshold_test(rules["threshold"], 0, 0, 1)["basis"] == "eligible":
        return _("An abstention counts towards the quorum. Since yes needs a share of all eligible units, "
                 "abstaining has the same effect as voting no.")
    return _("An abstention counts towards the quorum but is not a vote cast: it helps neither yes nor no.")


def quorum_words(motion: Motion) -> str:
    rules = _rules(motion)
    eligible = rules["eligible"] or {}
    sentences = []
    for key in ("members", "weight"):
        required = rules["quorum"][key]
        if required is None:
            continue
        share = frac(required) or Fraction(0)
        words = {"share": _share_words(share) if share in SHARE_WORDS else percent(share)}
        total = eligible.get(key)
        if total:
            words.update(need=number(needed(share, total, ">=")), total=number(total))
        if key == "members":
            sentences.append(_("At least %(share)s of the members must vote (%(need)s of %(total)s).", **words) if total
                             else _("At least %(share)s of the members must vote.", **words))
        else:
            sentences.append(_("The members who vote must hold at least %(share)s of the units (%(need)s of %(total)s units).",
                               **words) if total else _("The members who vote must hold at least %(share)s of the units.", **words))
    if not sentences:
        return _("None: the result stands however many members vote.")
    return " ".join([*sentences, _("Without the quorum there is no decision.")])


def double_majority_words(motion: Motion) -> list[Fact]:
    if motion.method != "yes_no":
        return []
    dm = _rules(motion)["double_majority"]
    facts = []
    if dm["members"]:
        facts.append(Fact(_("Majority of members"),
                          _("Yes must also meet the same threshold counted by members, one member one vote.")))
    regions = dm["regions"]
    if regions == "all":
        facts.append(Fact(_("Regional majority"),
                          _("In every region, yes must have more units than no among the ballots cast there.")))
    elif regions is not None:
        counted = sum(1 for r in ((_rules(motion)["eligible"] or {}).get("regions") or {}).values() if r.get("members"))
        text = ngettext("In at least %(k)s region, yes must have more units than no among the ballots cast there.",
                        "In at least %(k)s regions, yes must have more units than no among the ballots cast there.",
                        int(regions), k=number(int(regions)))
        if counted:
            text += " " + _("There are %(n)s regions with members.", n=number(counted))
        facts.append(Fact(_("Regional majority"), text))
    return facts


def closing_words(motion: Motion) -> str | Markup:
    if motion.closes_at is not None:
        return when(motion.closes_at)
    return _("When the chair closes the vote (no time is set).")


def rule_facts(motion: Motion) -> list[Fact]:
    """The rule and the deadline, in the order a voter needs them."""
    facts = []
    if motion.method == "yes_no":
        facts.append(Fact(_("To carry"), threshold_words(motion)))
    facts.append(Fact(_("Abstentions") if motion.method == "yes_no" else _("Blank ballots"), abstention_words(motion)))
    facts.append(Fact(_("Quorum"), quorum_words(motion)))
    facts.extend(double_majority_words(motion))
    facts.append(Fact(_("Voting closes"), closing_words(motion)))
    return facts
