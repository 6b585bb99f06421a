"""IRV and STV: py-vote-core's STV rounds turned into lipvote's explanation.

Both the reference (``ExactSTV``, one exact ballot dict per distinct ranking) and the fast
path (``PiledSTV``, one pile per candidate) run py-vote-core's own ``STV.calculate_results``;
this module reads the rounds it recorded, whichever way it was fed, and explains them
(docs/methods.md §2.5).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ._fractions import frac_str
from ._materiality import Recount, TieJudge
from ._outcome import Outcome, in_order, tie_record
from ._pycore import Number


@dataclass(frozen=True)
class StvCount:
    """A finished py-vote-core STV count and what the explanation needs to know of its ballots."""

    core: Any  # a py-vote-core STV (ExactSTV or PiledSTV) after calculate_results
    candidates: set[str]  # the options ranked on some ballot
    core_seats: int  # the seats py-vote-core filled: at most the number of candidates
    valid_weight: int  # the weight of the ballots ranking at least one option
    weight_naming: Callable[[set[str]], int]  # weight of the ballots naming one of these options
    first_choices: Callable[[], dict[str, Number]]  # each candidate's first-choice weight
    recount: Recount  # the winners of the same count with another tie-break order
    ballots: int  # the ballots ranking at least one option (sizes the recount budget)


def explain_stv(count: StvCount, options: Sequence[str], seats: int, order: list[str]) -> Outcome:
    """IRV (seats = 1) and STV: rounds, quota, transfers, ties and the seats filled."""
    core, candidates, core_seats = count.core, count.candidates, count.core_seats
    never_ranked = [o for o in order if o not in candidates]
    pos = {o: i for i, o in enumerate(order)}
    elected: list[str] = []
    rounds: list[dict[str, Any]] = []
    ties: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    quota = int(core.quota)
    judge = TieJudge(count.recount, frozenset(core.winners), order, count.ballots * len(candidates))
    for k, r in enumerate(core.rounds, start=1):
        tallies = r.get("tallies", {})
        reset = r.get("note") == "reset"
        if reset:
            # py-vote-core restarts from the original ballots restricted to the continuing
            # candidates and recomputes the Droop quota for the seats still open.
            valid = count.weight_naming(candidates - set(elected))
            quota = valid // (core_seats - len(elected) + 1) + 1
        row: dict[str, Any] = {
            "round": k,
            "quota": quota,
            "tallies": {o: frac_str(tallies[o]) for o in options if o in tallies},
            "elected": [],
            "eliminated": None,
            "surplus_factors": {},
            "transfers": {},
        }
        if reset:
            row["reset"] = True
        elif previous is not None:
            row["transfers"] = {
                o: frac_str(tallies[o] - previous[o]) for o in options if o in tallies and o in previous
            }
        if "winners" in r:
            new = sorted(r["winners"], key=lambda o: (-tallies[o], pos[o]))
            row["elected"] = new
            elected.extend(new)
            row["surplus_factors"] = {o: frac_str(Fraction(tallies[o] - quota, tallies[o])) for o in new}
        if "loser" in r:
            row["eliminated"] = r["loser"]
            if "tied_losers" in r:
                tied = in_order(r["tied_losers"], options)
                material = judge.material(tallies, tied, quota, core_seats - len(elected))
                ties.append(tie_record(f"round {k}", tied, [r["loser"]], "eliminated", material))
        rounds.append(row)
        previous = tallies
    remaining = [o for o in core.winners if o not in elected]
    last: dict[str, Any] = core.rounds[-1].get("tallies", {}) if core.rounds else {}
    if not last:
        last = count.first_choices()
    remaining.sort(key=lambda o: (-last.get(o, 0), pos[o]))
    elected.extend(remaining)
    filled: list[str] = []
    if core_seats < seats:
        need = seats - core_seats
        filled = never_ranked[:need]
        if len(never_ranked) > need:
            ties.append(tie_record("unranked fill", in_order(never_ranked, options), filled, "elected"))
        elected.extend(filled)
    detail = {
        "quota": int(core.quota),
        "valid_weight": count.valid_weight,
        "rounds": rounds,
        "elected_without_quota": remaining,
        "filled_from_unranked": filled,
    }
    return Outcome(tuple(elected), detail, ties)
