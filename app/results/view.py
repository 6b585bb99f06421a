"""Turn a closed motion's published result into what the results page shows.

The result dict (docs/methods.md §6) already holds every number; this module only words it,
lays it out as tables and charts, and, for recorded ballots, breaks the counted ballots down by
the member attributes committed in the motion's opening leaf.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

import voting
from ballots.ballot_rules import counted_ballots
from ballots.leaves import BallotLeaf, parse_leaf

from app import board
from app.charts import Bar, Contest, Marker, chart_with_table, contests_with_table
from app.i18n import current_language
from app.motions.models import Motion
from app.registry import HOLDER_TYPES, REGIONS, SETTINGS, SIZE_CLASSES, province_name
from app.results.words import (
    THRESHOLD_NAMES,
    amount,
    comparison_words,
    fraction_words,
    frac,
    met_words,
    needed,
    number,
    percent,
    signed_amount,
)

RANKED = voting.RANKED_METHODS
CONDORCET = ("schulze", "ranked_pairs")


@dataclass
class ResultsView:
    headline: str
    chart_heading: str = ""
    arithmetic: list[str] = field(default_factory=list)
    charts: list[Any] = field(default_factory=list)
    rounds: dict[str, Any] | None = None
    round_story: list[str] = field(default_factory=list)  # IRV: what each round did, in words
    pairwise: dict[str, Any] | None = None
    strongest: dict[str, Any] | None = None
    pairs: list[dict[str, Any]] | None = None
    regions: list[list[str]] | None = None
    ties: list[dict[str, str]] = field(default_factory=list)
    ties_decided_nothing: bool = False  # ties were met, but no order of breaking them could change who won
    tie_order: list[str] = field(default_factory=list)
    breakdowns: list[dict[str, Any]] = field(default_factory=list)


class Labels:
    def __init__(self, motion: Motion) -> None:
        self.motion = motion
        self.lang = current_language()

    def option(self, option_id: str) -> str:
        return self.motion.option_label(option_id, self.lang)

    def options(self, ids: list[str]) -> str:
        return ", ".join(self.option(o) for o in ids)


# --- sentences ---------------------------------------------------------------------------------


def _members_voted(voted: int, eligible: int | None) -> str:
    """"12 of 20 members voted": French agrees the verb and noun with the count (ngettext)."""
    if eligible is None:
        return ngettext("%(voted)s member voted", "%(voted)s members voted", voted, voted=number(voted))
    # English keeps "members" after "of 20" even for 1, so both English forms are the same.
    return ngettext("%(voted)s of %(eligible)s members voted", "%(voted)s of %(eligible)s members voted", voted,
                    voted=number(voted), eligible=number(eligible))


def _turnout_words(result: dict[str, Any]) -> str:
    turnout = result["turnout"]
    eligible = (result["rules"] or {}).get("eligible")
    if eligible:
        return _("%(members_voted)s, with %(weight)s of %(total)s units",
                 members_voted=_members_voted(turnout["ballots"], eligible["members"]),
                 weight=number(turnout["weight"]), total=number(eligible["weight"]))
    return _("%(members_voted)s, with %(weight)s units", members_voted=_members_voted(turnout["ballots"], None),
             weight=number(turnout["weight"]))


def _test_words(test: dict[str, Any], unit: str) -> str:
    """One threshold test (weights or headcounts) with its exact arithmetic."""
    required = frac(test["required"]) or Fraction(0)
    base = test["base"]
    if base == 0:
        return _("%(unit)s: nobody voted yes or no, so the %(threshold)s threshold cannot be reached: not met.",
                 unit=unit, threshold=THRESHOLD_NAMES[test["threshold"]])
    basis = _("of the yes and no votes") if test["basis"] == "votes_cast" else _("of everything eligible")
    return _("%(unit)s: yes %(yes)s, no %(no)s; yes = %(yes)s / %(base)s = %(share)s (%(pct)s) %(basis)s. "
             "The %(threshold)s rule needs %(cmp)s %(required)s, that is %(need)s of %(base)s: %(met)s.",
             unit=unit, yes=number(test["yes"]), no=number(test["no"]), base=number(base), share=test["yes_share"],
             pct=percent(frac(test["yes_share"])), basis=basis, threshold=THRESHOLD_NAMES[test["threshold"]],
             cmp=comparison_words(test["comparison"]), required=fraction_words(test["required"]),
             need=number(needed(required, base, test["comparison"])), met=met_words(test["met"]))


def _quorum_words(quorum: dict[str, Any]) -> list[str]:
    if not quorum["required"]:
        return [_("No quorum was required.")]
    out = []
    for key, unit in (("members", _("members")), ("weight", _("units"))):
        q = quorum[key]
        if q is None:
            continue
        out.append(_("Quorum by %(unit)s: %(cast)s of %(eligible)s voted = %(share)s (%(pct)s); at least %(required)s "
                     "was needed, that is %(need)s: %(met)s.", unit=unit, cast=number(q["cast"]),
                     eligible=number(q["eligible"]), share=q["share"], pct=percent(frac(q["share"])),
                     required=fraction_words(q["required"]),
                     need=number(needed(frac(q["required"]) or Fraction(0), q["eligible"], ">=")), met=met_words(q["met"])))
    return out


def yes_no_headline(result: dict[str, Any]) -> str:
    test = result["detail"]["weight_test"]
    turnout = result["turnout"]
    eligible = (result["rules"] or {}).get("eligible") or {}
    verdict = _("Carried") if result["carried"] else _("Defeated")
    required = frac(test["required"]) or Fraction(0)
    if test["base"] == 0:
        return _("%(verdict)s: %(turnout)s; nobody voted yes or no.", verdict=verdict, turnout=_turnout_words(result))
    basis = _("units cast for yes or no") if test["basis"] == "votes_cast" else _("eligible units")
    reached = test["met"]
    sentence = _("%(verdict)s: %(members_voted)s; yes had %(yes)s of %(base)s %(basis)s "
                 "(%(pct)s), %(relation)s the %(threshold)s threshold of %(need)s (%(cmp)s %(required)s).",
                 verdict=verdict,
                 members_voted=_members_voted(turnout["ballots"], eligible.get("members", turnout["ballots"])),
                 yes=number(test["yes"]), base=number(test["base"]), basis=basis, pct=percent(frac(test["yes_share"])),
                 relation=_("reaching") if reached else _("short of"), threshold=THRESHOLD_NAMES[test["threshold"]],
                 need=number(needed(required, test["base"], test["comparison"])), cmp=comparison_words(test["comparison"]),
                 required=test["required"])
    if reached and not result["carried"]:
        sentence += " " + _("The motion still fails because a double-majority test below was not met.")
    return sentence


def _single_winner(result: dict[str, Any]) -> str | None:
    if result["seats"] != 1 or len(result["winners"]) != 1 or result["status"] not in ("elected", "tie_resolved"):
        return None
    return str(result["winners"][0])


def condorcet_winner(options: list[str], pairwise: dict[str, dict[str, int]]) -> str | None:
    """The option that more weight prefers to each other option, one by one, if there is one."""
    for a in options:
        if all(pairwise[a][b] > pairwise[b][a] for b in options if b != a):
            return a
    return None


def _versus(winner: str, others: list[str], values: dict[str, dict[str, int]], labels: Labels) -> str:
    """ "Montréal 3,360 to 2,477; Halifax 3,100 to 2,737": the winner's number first; semicolons,
    since option labels may hold commas."""
    return "; ".join(_("%(option)s %(ours)s to %(theirs)s", option=labels.option(o), ours=number(values[winner][o]),
                       theirs=number(values[o][winner])) for o in others)


def _pair_words(pair: dict[str, Any], labels: Labels) -> str:
    return _("%(winner)s over %(loser)s (%(strength)s to %(opposition)s)", winner=labels.option(pair["pair"][0]),
             loser=labels.option(pair["pair"][1]), strength=number(pair["strength"]),
             opposition=number(pair["opposition"]))


def _irv_reason(result: dict[str, Any], winner: str, labels: Labels) -> str:
    last = result["detail"]["rounds"][-1]
    tallies = {o: frac(t) or Fraction(0) for o, t in last["tallies"].items()}
    continuing = sum(tallies.values(), Fraction(0))
    ours = tallies.get(winner, Fraction(0))
    share = percent(ours / continuing) if continuing else "—"
    if continuing and 2 * ours > continuing:
        return _("In round %(round)d, %(winner)s had %(weight)s of the %(continuing)s units still in the count "
                 "(%(pct)s), a majority of them.", round=last["round"], winner=labels.option(winner),
                 weight=amount(ours), continuing=amount(continuing), pct=share)
    return _("In round %(round)d, %(winner)s was the last option left, with %(weight)s of the %(continuing)s units "
             "still in the count (%(pct)s).", round=last["round"], winner=labels.option(winner),
             weight=amount(ours), continuing=amount(continuing), pct=share)


def reason(result: dict[str, Any], labels: Labels) -> str | None:
    """The one fact that decided a single-winner ranked count, in the method's own words; None for
    the other methods, whose headline already says it."""
    winner = _single_winner(result)
    detail = result.get("detail") or {}
    if winner is None or result["method"] not in ("irv", *CONDORCET) or not detail:
        return None
    if result["method"] == "irv":
        return _irv_reason(result, winner, labels)
    options = result["options"]
    others = [o for o in options if o != winner]
    if condorcet_winner(options, detail["pairwise"]) == winner:
        return _("%(winner)s beats every other option head to head: %(list)s.", winner=labels.option(winner),
                 list=_versus(winner, others, detail["pairwise"], labels))
    if result["method"] == "schulze":
        paths = detail["strongest_paths"]
        strictly = all(paths[winner][o] > paths[o][winner] for o in others)
        relation = _("stronger than") if strictly else _("at least as strong as")
        return _("No option beats every other head to head, so chains of head-to-head wins decide: %(winner)s's "
                 "strongest path to each other option is %(relation)s that option's path back: %(list)s.",
                 winner=labels.option(winner), relation=relation, list=_versus(winner, others, paths, labels))
    skipped = [p for p in detail["pairs"] if p["action"] == "skipped" and p["pair"][1] == winner]
    text = _("No option beats every other head to head. Locking the head-to-head wins from the strongest down, and "
             "skipping any that would close a cycle, leaves %(winner)s beaten by no locked win.",
             winner=labels.option(winner))
    if skipped:
        text += " " + _("Skipped because they would have closed a cycle: %(pairs)s.",
                        pairs="; ".join(_pair_words(p, labels) for p in skipped))
    return text


def headline(result: dict[str, Any], labels: Labels) -> str:
    """The outcome in one or two sentences: the verdict, then, for a single-winner ranked count,
    the fact that decided it (`reason`); other methods keep the turnout in the sentence."""
    status = result["status"]
    if status == "no_quorum":
        return _("No decision: the quorum was not met (%(turnout)s).", turnout=_turnout_words(result))
    if result["method"] == "yes_no":
        return yes_no_headline(result)
    if status == "no_votes":
        return _("No decision: every ballot was blank (%(turnout)s).", turnout=_turnout_words(result))
    if status == "tie_unresolved":
        return _("No decision yet: a tie could not be broken.")
    winners = labels.options(result["winners"])
    why = reason(result, labels)
    if why is not None:
        text = _("%(winner)s wins.", winner=winners) + " " + why
    elif result["seats"] == 1:
        text = _("%(winner)s wins: %(turnout)s.", winner=winners, turnout=_turnout_words(result))
    else:
        text = _("Elected to %(seats)d seats: %(winners)s (%(turnout)s).", seats=result["seats"], winners=winners,
                 turnout=_turnout_words(result))
    if status == "tie_resolved":
        text += " " + _("A tie was broken by the published tie-break order; see below.")
    return text


# --- charts and tables --------------------------------------------------------------------------


def totals_chart(result: dict[str, Any], labels: Labels) -> Any:
    method = result["method"]
    totals = result["totals"]
    weight = result["turnout"]["weight"] - result["turnout"]["blank_weight"]
    winners = set(result["winners"])
    marker = None
    if method == "yes_no":
        test = (result.get("detail") or {}).get("weight_test")
        base = test["base"] if test else totals["yes"]["weight"] + totals["no"]["weight"]
        denominators = {o: base for o in ("yes", "no")}
        if test and test["base"]:
            need = needed(frac(test["required"]) or Fraction(0), test["base"], test["comparison"])
            marker = Marker(need, _("threshold %(need)s", need=number(need)))
        title = _("Votes by weight")
        description = _("Units for yes, no and abstain; the line marks the units yes needed.")
        highlight = {"yes"} if result["carried"] else set()
    else:
        denominators = {o: weight for o in totals}
        title = _("First preferences by weight") if method in RANKED else _("Approvals by weight") \
            if method == "approval" else _("Votes by weight")
        description = _("Units per option; winners are drawn in green.")
        highlight = winners
    bars, rows = [], []
    for option in result["options"]:
        t = totals[option]
        base = denominators.get(option)
        share = percent(Fraction(t["weight"], base)) if base else "—"
        text = f"{number(t['weight'])} ({share})" if base else number(t["weight"])
        bars.append(Bar(labels.option(option), t["weight"], text, highlight=option in highlight,
                        muted=method == "yes_no" and option == "abstain"))
        rows.append([labels.option(option), number(t["ballots"]), number(t["weight"]), share])
    headers = [_("Option"), _("Ballots"), _("Units"), _("Share")]
    return chart_with_table("chart-totals", title, bars, headers=headers, rows=rows, description=description, marker=marker)


def final_round_chart(result: dict[str, Any], labels: Labels) -> Any:
    """IRV: the last round, which decided it, against half of the weight still in the count."""
    last = result["detail"]["rounds"][-1]
    tallies = {o: frac(t) or Fraction(0) for o, t in last["tallies"].items()}
    continuing = sum(tallies.values(), Fraction(0))
    bars, rows = [], []
    for option in result["options"]:
        if option not in tallies:
            continue
        share = percent(tallies[option] / continuing) if continuing else "—"
        bars.append(Bar(labels.option(option), tallies[option], f"{amount(tallies[option])} ({share})",
                        highlight=option in result["winners"]))
        rows.append([labels.option(option), amount(tallies[option]), share])
    title = _("Round %(round)d, the last: units still in the count", round=last["round"])
    marker = Marker(continuing / 2, _("half")) if continuing else None
    return chart_with_table("chart-final-round", title, bars, headers=[_("Option"), _("Units"), _("Share")], rows=rows,
                            description=_("Units per option in the last round; the line marks half of the units still "
                                          "in the count."), marker=marker)


def contests_chart(result: dict[str, Any], winner: str, labels: Labels) -> Any:
    """Schulze and Ranked Pairs: the winner against each other option, head to head (or, for a
    Schulze win without a Condorcet winner, by strongest paths), which is what decided it."""
    detail = result["detail"]
    name = labels.option(winner)
    by_paths = result["method"] == "schulze" and condorcet_winner(result["options"], detail["pairwise"]) != winner
    values = detail["strongest_paths"] if by_paths else detail["pairwise"]
    if by_paths:
        title = _("Strongest paths: %(winner)s against each other option", winner=name)
        description = _("For each other option, the strength of %(winner)s's strongest path to it (green) and of its "
                        "strongest path back (blue); green past the middle line means %(winner)s's path is stronger.",
                        winner=name)
    else:
        title = _("Head to head: %(winner)s against each other option", winner=name)
        description = _("For each other option, the units that rank %(winner)s above it (green) and below it (blue); "
                        "green past the middle line is a head-to-head win.", winner=name)
    contests, rows = [], []
    for other in result["options"]:
        if other == winner:
            continue
        ours, theirs = values[winner][other], values[other][winner]
        contests.append(Contest(_("against %(option)s", option=labels.option(other)), ours, theirs,
                                _("%(ours)s to %(theirs)s", ours=number(ours), theirs=number(theirs))))
        rows.append([labels.option(other), number(ours), number(theirs)])
    headers = [_("Other option"), _("For %(winner)s", winner=name), _("For the other option")]
    return contests_with_table("chart-head-to-head", title, contests, headers=headers, rows=rows,
                               description=description, half_label=_("half"))


def irv_story(result: dict[str, Any], labels: Labels) -> list[str]:
    """IRV in words, one sentence per round: who was eliminated and where their ballots went."""
    rounds = result["detail"]["rounds"]
    story = []
    for i, r in enumerate(rounds):
        if r["eliminated"] is None:
            continue
        eliminated = r["eliminated"]
        after = rounds[i + 1] if i + 1 < len(rounds) else None
        moved = []
        if after is not None:
            moved = [_("%(weight)s to %(option)s", weight=amount(frac(t)), option=labels.option(o))
                     for o, t in after["transfers"].items() if o != eliminated and t != "0/1"]
            kept = sum((frac(t) or Fraction(0) for o, t in after["transfers"].items() if o != eliminated), Fraction(0))
            exhausted = (frac(r["tallies"][eliminated]) or Fraction(0)) - kept
            if exhausted > 0:
                moved.append(_("%(weight)s stopped counting (no next choice left)", weight=amount(exhausted)))
        moved_words = ", ".join(moved) if moved else _("none had a next choice still in the count")
        tie = next((t for t in result.get("ties", []) if t["stage"] == f"round {r['round']}"
                    and t["effect"] == "eliminated"), None)
        if tie is not None:
            story.append(_("Round %(round)d: %(tied)s were tied for the least weight (%(weight)s); the tie-break "
                           "order eliminated %(option)s (%(material)s); its ballots moved on: %(moved)s.",
                           round=r["round"], tied=labels.options(tie["tied"]),
                           option=labels.option(eliminated), weight=amount(r["tallies"][eliminated]),
                           material=_("this could change who won") if tie["material"]
                           else _("any order gives the same winner"), moved=moved_words))
            continue
        story.append(_("Round %(round)d: %(option)s had the least weight (%(weight)s) and was eliminated; its ballots "
                       "moved on: %(moved)s.", round=r["round"],
                       option=labels.option(eliminated), weight=amount(r["tallies"][eliminated]),
                       moved=moved_words))
    winner = _single_winner(result)
    if winner is not None:
        story.append(_irv_reason(result, winner, labels))
    return story


def rounds_table(result: dict[str, Any], labels: Labels) -> dict[str, Any]:
    detail = result["detail"]
    rounds = detail["rounds"]
    rows = []
    for option in result["options"]:
        cells = []
        for r in rounds:
            if option not in r["tallies"]:
                cells.append({"text": "", "note": ""})
                continue
            note = ""
            if option in r["elected"]:
                note = _("wins") if result["method"] == "irv" else _("elected")
            elif r["eliminated"] == option:
                note = _("eliminated")
            transfer = r["transfers"].get(option)
            cells.append({"text": amount(r["tallies"][option]),
                          "transfer": signed_amount(transfer) if transfer and transfer != "0/1" else "", "note": note})
        rows.append({"option": labels.option(option), "cells": cells, "won": option in result["winners"]})
    return {
        "quota": number(detail["quota"]), "valid": number(detail["valid_weight"]),
        "numbers": [r["round"] for r in rounds], "quotas": [number(r["quota"]) for r in rounds],
        "resets": [bool(r.get("reset")) for r in rounds], "rows": rows,
        "factors": [{labels.option(o): f"{f} ({percent(frac(f))})" for o, f in r["surplus_factors"].items()} for r in rounds],
        "without_quota": labels.options(detail["elected_without_quota"]),
        "from_unranked": labels.options(detail["filled_from_unranked"]),
    }


def matrix(options: list[str], values: dict[str, dict[str, int]], labels: Labels) -> dict[str, Any]:
    rows = []
    for a in options:
        cells = []
        for b in options:
            if a == b:
                cells.append({"text": "—", "wins": False})
            else:
                cells.append({"text": number(values[a][b]), "wins": values[a][b] > values[b][a]})
        rows.append({"option": labels.option(a), "cells": cells})
    return {"columns": [labels.option(o) for o in options], "rows": rows}


def stage_words(stage: str) -> str:
    """Where a tie arose, in the reader's language (the engine names it in English)."""
    kind, _space, count = stage.rpartition(" ")
    if kind == "round" and count.isdigit():
        return _("Round %(n)d", n=int(count))
    if kind == "pairs of strength" and count.isdigit():
        return _("Pairs of strength %(strength)s", strength=number(int(count)))
    named = {"seats": _("The last seats"), "winners": _("The winner"), "winning sets": _("The winning sets"),
             "unranked fill": _("Seats filled from options nobody ranked")}
    return named.get(stage, stage)


def ties(result: dict[str, Any], labels: Labels) -> list[dict[str, str]]:
    def name(item: Any) -> str:
        if isinstance(item, list):
            return " > ".join(labels.option(o) for o in item) if result["method"] == "ranked_pairs" \
                else "{" + labels.options(item) + "}"
        return labels.option(item)

    effects = {"elected": _("elected"), "eliminated": _("eliminated"), "processing order": _("order of processing")}
    return [{"stage": stage_words(t["stage"]), "tied": ", ".join(name(x) for x in t["tied"]),
             "chosen": ", ".join(name(x) for x in t["chosen"]) if t["chosen"] is not None else _("not decided"),
             "effect": effects.get(t["effect"], t["effect"]),
             "material": _("yes") if t["material"] else _("no, it could not change who won")}
            for t in result["ties"]]


# --- breakdown of recorded ballots --------------------------------------------------------------


def counted_with_attributes(motion: Motion) -> list[tuple[int, Any, dict[str, Any]]]:
    """Counted ballots of a recorded motion with the casting member's attributes as committed in
    leaf 0 (the weight snapshot), exactly the ballots the tally counted."""
    attributes = motion.opening.members if motion.opening else {}
    parsed = ((row.index, parse_leaf(row.leaf)) for row in board.leaves(motion.log)  # type: ignore[arg-type]
              if row.kind == "ballot")
    counted = counted_ballots((index, leaf) for index, leaf in parsed if isinstance(leaf, BallotLeaf))
    return [(leaf.weight, leaf.selection, attributes[leaf.member]) for _index, leaf in counted
            if leaf.member in attributes]


def _group_label(attribute: str, value: str, lang: str) -> str:
    tables: dict[str, dict[str, Any]] = {"region": REGIONS, "setting": SETTINGS, "size_class": SIZE_CLASSES,
                                         "holder_type": HOLDER_TYPES}
    if attribute == "province":
        return province_name(value, lang)
    return str(tables.get(attribute, {}).get(value, value))


def breakdowns(motion: Motion, result: dict[str, Any], labels: Labels) -> list[dict[str, Any]]:
    if motion.secret or result["turnout"]["ballots"] == 0:
        return []
    ballots = counted_with_attributes(motion)
    if not ballots:
        return []
    names = {"region": _("Region"), "province": _("Province or territory"), "setting": _("Urban or rural"),
             "size_class": _("Size class"), "holder_type": _("Contribution-agreement holder")}
    out = []
    for attribute in voting.ATTRIBUTES:
        data = voting.breakdown(motion.method, ballots, attribute, options=result["options"])
        rows = []
        for value, group in data["groups"].items():
            rows.append([_group_label(attribute, value, labels.lang), number(group["ballots"]), number(group["weight"])]
                        + [number(group["totals"][o]["weight"]) for o in result["options"]])
        out.append({"attribute": attribute, "name": names.get(attribute, attribute), "rows": rows})
    return out


# --- the whole page -----------------------------------------------------------------------------


def build(motion: Motion) -> ResultsView:
    result = motion.result or {}
    labels = Labels(motion)
    view = ResultsView(headline=headline(result, labels))
    view.arithmetic = _quorum_words(result["quorum"])
    if reason(result, labels) is not None:
        view.arithmetic.insert(0, _("Turnout: %(turnout)s.", turnout=_turnout_words(result)))
    detail = result.get("detail")
    if result["method"] == "yes_no" and detail:
        view.arithmetic.append(_test_words(detail["weight_test"], _("By weight")))
        if detail["members_test"]:
            view.arithmetic.append(_test_words(detail["members_test"], _("By members (one member, one vote)")))
        regions = detail["regions_test"]
        if regions:
            view.arithmetic.append(_("Regional majority: yes must outweigh no in %(required)d of the %(counted)d regions "
                                     "with eligible members; %(concurring)d did: %(met)s.", required=regions["required"],
                                     counted=regions["counted_regions"], concurring=regions["concurring"],
                                     met=met_words(regions["met"])))
            view.regions = [[_group_label("region", rid, labels.lang), number(r["ballots"]), number(r["yes_weight"]),
                             number(r["no_weight"]), percent(frac(r["yes_share"])),
                             (_("yes") if r["concurs"] else _("no")) if r["counted"] else _("not counted")]
                            for rid, r in regions["regions"].items()]
    winner = _single_winner(result)
    if detail and result["method"] == "irv":
        view.chart_heading = _("The last round")
        view.charts.append(final_round_chart(result, labels))
    elif detail and winner is not None and result["method"] in CONDORCET:
        view.chart_heading = _("What decided it")
        view.charts.append(contests_chart(result, winner, labels))
    else:
        view.chart_heading = _("First preferences") if result["method"] in RANKED else _("Votes")
        view.charts.append(totals_chart(result, labels))
    if detail and result["method"] in ("irv", "stv"):
        view.rounds = rounds_table(result, labels)
        if result["method"] == "irv":
            view.round_story = irv_story(result, labels)
    if detail and "pairwise" in detail:
        view.pairwise = matrix(result["options"], detail["pairwise"], labels)
    if detail and "strongest_paths" in detail:
        view.strongest = matrix(result["options"], detail["strongest_paths"], labels)
        if len(detail["potential_winners"]) > 1:
            view.arithmetic.append(_("Options with no stronger path against them: %(names)s; the published tie-break "
                                     "order chose among them.", names=labels.options(detail["potential_winners"])))
    if detail and "pairs" in detail:
        view.pairs = [{"pair": f"{labels.option(p['pair'][0])} > {labels.option(p['pair'][1])}",
                       "strength": number(p["strength"]), "opposition": number(p["opposition"]),
                       "locked": p["action"] == "locked"} for p in detail["pairs"]]
    view.ties = ties(result, labels)
    view.ties_decided_nothing = bool(result["ties"]) and not any(t["material"] for t in result["ties"])
    order = result["tie_break"]["order"]
    view.tie_order = [labels.option(o) for o in order] if order else []
    view.breakdowns = breakdowns(motion, result, labels)
    return view
