"""One runner per method: feed py-vote-core (or count directly) and explain.

Every runner receives the aggregated, validated ballots and the tie-break order (a list:
earlier = favoured) and returns an :class:`Outcome`.  Ties are reported with a
``material`` flag: a material tie is one whose resolution can change who is elected; the
caller decides what to do with it when there is no seed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import permutations
from typing import Any

from py3votecore.plurality_at_large import PluralityAtLarge
from py3votecore.schulze_by_graph import SchulzeMethodByGraph
from py3votecore.schulze_stv import SchulzeSTV

from ._ingest import Group
from ._materiality import Budget, judging
from ._pairwise import pairwise_matrix, schulze_potential_winners, strongest_paths
from ._pycore import ExactSTV, Number, RankedPairsByGraph, exact_ballot
from ._outcome import Outcome, in_order, tie_record
from ._stv import StvCount, explain_stv


def _matrix_dict(m: list[list[int]], options: Sequence[str]) -> dict[str, dict[str, int]]:
    return {a: {b: m[i][j] for j, b in enumerate(options) if j != i} for i, a in enumerate(options)}


# --- plurality and approval --------------------------------------------------------------


def run_plurality(groups: Sequence[Group], options: Sequence[str], seats: int, order: list[str]) -> Outcome:
    # A zero-count ballot per option makes every option a candidate with a tally of 0.
    core_ballots: list[dict[str, Any]] = [{"count": 0, "ballot": [o]} for o in options]
    core_ballots += [{"count": g.weight, "ballot": [g.selection]} for g in groups if g.selection]
    core = PluralityAtLarge(core_ballots, tie_breaker=list(order), required_winners=seats)
    tallies = {o: int(core.tallies[o]) for o in options}
    ranked = sorted(options, key=lambda o: (-tallies[o], order.index(o)))
    winners = tuple(sorted(core.winners, key=lambda o: (-tallies[o], order.index(o))))
    ties = []
    if hasattr(core, "tied_winners"):
        tied = in_order(core.tied_winners, options)
        ties.append(tie_record("seats", tied, [o for o in winners if o in core.tied_winners], "elected"))
    return Outcome(winners, {"ranking": ranked}, ties)


def run_approval(groups: Sequence[Group], options: Sequence[str], seats: int, order: list[str]) -> Outcome:
    tallies = dict.fromkeys(options, 0)
    for g in groups:
        for o in g.selection:
            tallies[o] += g.weight
    ranked = sorted(options, key=lambda o: (-tallies[o], order.index(o)))
    winners = tuple(ranked[:seats])
    ties = []
    if seats < len(options) and tallies[ranked[seats - 1]] == tallies[ranked[seats]]:
        boundary = tallies[ranked[seats - 1]]
        tied = [o for o in options if tallies[o] == boundary]
        ties.append(tie_record("seats", tied, [o for o in winners if o in tied], "elected"))
    return Outcome(winners, {"ranking": ranked}, ties)


# --- IRV and STV (the reference: one exact py-vote-core ballot per distinct ranking) --------


def run_stv(groups: Sequence[Group], options: Sequence[str], seats: int, order: list[str]) -> Outcome:
    ranked = [g for g in groups if g.selection]
    candidates = {o for g in ranked for o in g.selection}
    core_seats = min(seats, len(candidates))
    ballots = [exact_ballot(g.weight, g.selection) for g in ranked]
    core = ExactSTV(ballots, tie_breaker=list(order), required_winners=core_seats)

    def weight_naming(continuing: set[str]) -> int:
        return sum(g.weight for g in ranked if not continuing.isdisjoint(g.selection))

    def first_choices() -> dict[str, Number]:
        totals: dict[str, Number] = dict.fromkeys(candidates, 0)
        for g in ranked:
            totals[g.selection[0]] += g.weight
        return totals

    def recount(tie_breaker: list[str]) -> frozenset[str]:
        again = ExactSTV([exact_ballot(g.weight, g.selection) for g in ranked], tie_breaker=tie_breaker,
                         required_winners=core_seats)
        return frozenset(again.winners)

    count = StvCount(core, candidates, core_seats, sum(g.weight for g in ranked), weight_naming, first_choices,
                     recount, sum(g.ballots for g in ranked))
    return explain_stv(count, options, seats, order)


# --- Condorcet methods ---------------------------------------------------------------------


def _edges(d: list[list[int]], options: Sequence[str]) -> dict[tuple[str, str], int]:
    return {(a, b): d[i][j] for i, a in enumerate(options) for j, b in enumerate(options) if i != j}


def run_schulze(groups: Sequence[Group], options: Sequence[str], seats: int, order: list[str]) -> Outcome:
    return schulze_from_matrix(pairwise_matrix([g for g in groups if g.selection], options), options, order)


def schulze_from_matrix(d: list[list[int]], options: Sequence[str], order: list[str]) -> Outcome:
    p = strongest_paths(d)
    potential = [options[i] for i in schulze_potential_winners(p)]
    ties = []
    if len(options) == 1:
        winner = options[0]
    else:
        core = SchulzeMethodByGraph(_edges(d, options), tie_breaker=list(order))
        winner = core.winner
        if getattr(core, "tied_winners", None):
            ties.append(tie_record("winners", in_order(core.tied_winners, options), [winner], "elected"))
    detail = {
        "pairwise": _matrix_dict(d, options),
        "strongest_paths": _matrix_dict(p, options),
        "potential_winners": potential,
    }
    return Outcome((winner,), detail, ties)


def _successors(edges: set[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for a, b in edges:
        out.setdefault(a, []).append(b)
    return out


def _reaches(edges: set[tuple[str, str]], start: str, goal: str) -> bool:
    """Whether a directed path leads from start to goal (O(V + E))."""
    successors = _successors(edges)
    stack, seen = [start], {start}
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for b in successors.get(node, ()):
            if b not in seen:
                seen.add(b)
                stack.append(b)
    return False


def _acyclic(edges: set[tuple[str, str]]) -> bool:
    """Whether the directed graph has no cycle: Kahn's algorithm, O(V + E).

    Ranked Pairs asks this once per group of equally strong pairs; a 40-option profile can
    have 390 such groups, so a per-edge reachability test here (O(V * E^2)) took minutes.
    """
    successors = _successors(edges)
    indegree: dict[str, int] = {}
    for a, b in edges:
        indegree.setdefault(a, 0)
        indegree[b] = indegree.get(b, 0) + 1
    ready = [node for node, d in indegree.items() if d == 0]
    removed = 0
    while ready:
        node = ready.pop()
        removed += 1
        for b in successors.get(node, ()):
            indegree[b] -= 1
            if indegree[b] == 0:
                ready.append(b)
    return removed == len(indegree)


def run_ranked_pairs(groups: Sequence[Group], options: Sequence[str], seats: int, order: list[str]) -> Outcome:
    return ranked_pairs_from_matrix(pairwise_matrix([g for g in groups if g.selection], options), options, order)


def ranked_pairs_from_matrix(d: list[list[int]], options: Sequence[str], order: list[str]) -> Outcome:
    idx = {o: i for i, o in enumerate(options)}
    if len(options) == 1:
        return Outcome((options[0],), {"pairwise": _matrix_dict(d, options), "pairs": []})
    core = RankedPairsByGraph(_edges(d, options), tie_breaker=list(order))
    n = len(options)
    # A Condorcet winner wins whatever order equal-strength pairs are locked in.
    condorcet = any(all(d[i][j] > d[j][i] for j in range(n) if j != i) for i in range(n))
    budget = Budget()
    pairs: list[dict[str, Any]] = []
    ties: list[dict[str, Any]] = []
    locked: set[tuple[str, str]] = set()
    unsure: list[tuple[int, int, int]] = []  # (tie, first pair, end) of groups the cycle rule calls material
    k = 0
    rounds = core.rounds
    while k < len(rounds):
        a, b = rounds[k]["pair"]
        strength = d[idx[a]][idx[b]]
        group_end = k
        while group_end < len(rounds) and d[idx[rounds[group_end]["pair"][0]]][idx[rounds[group_end]["pair"][1]]] == strength:
            group_end += 1
        group = rounds[k:group_end]
        if len(group) > 1:
            candidates = [tuple(r["pair"]) for r in group]
            live = {p for p in candidates if not _reaches(locked, p[1], p[0])}
            material = not condorcet and not _acyclic(locked | live)
            if material:
                unsure.append((len(ties), k, group_end))
            ties.append(
                tie_record(
                    f"pairs of strength {strength}",
                    [list(p) for p in sorted(candidates, key=lambda p: (idx[p[0]], idx[p[1]]))],
                    [list(p) for p in candidates],
                    "processing order",
                    material,
                )
            )
        for r in group:
            x, y = r["pair"]
            action = "locked" if r["action"] == "added" else "skipped"
            if action == "locked":
                locked.add((x, y))
            pairs.append(
                {"pair": [x, y], "strength": d[idx[x]][idx[y]], "opposition": d[idx[y]][idx[x]], "action": action}
            )
        k = group_end
    winner = core.winner
    if unsure and judging():
        sequence = [(p["pair"][0], p["pair"][1]) for p in pairs]
        for tie, start, end in unsure:
            ties[tie]["material"] = _pair_order_matters(sequence, start, end, winner, order, budget)
    if getattr(core, "tied_winners", None):
        ties.append(tie_record("winners", in_order(core.tied_winners, options), [winner], "elected"))
    return Outcome((winner,), {"pairwise": _matrix_dict(d, options), "pairs": pairs}, ties)


def _lock_winner(sequence: Sequence[tuple[str, str]], order: list[str]) -> str:
    """Ranked Pairs' winner when the pairs are taken in ``sequence``: lock each pair unless it
    closes a cycle; the unbeaten option earliest in the tie-break order wins (py-vote-core's
    rule, which the reported count follows)."""
    locked: set[tuple[str, str]] = set()
    for a, b in sequence:
        if not _reaches(locked, b, a):
            locked.add((a, b))
    beaten = {b for _, b in locked}
    return next(o for o in order if o not in beaten)


def _pair_order_matters(
    sequence: list[tuple[str, str]], start: int, end: int, winner: str, order: list[str], budget: Budget
) -> bool:
    """Whether some order of the equal pairs ``sequence[start:end]``, every other pair in its
    place, elects another winner; True, unchecked, when the recount budget cannot pay for it."""
    cost = len(sequence) * len(order)
    if not budget.affords(math.factorial(end - start) - 1, cost):
        return True
    for arrangement in permutations(sequence[start:end]):
        if list(arrangement) == sequence[start:end]:
            continue
        budget.spend(cost)
        if _lock_winner([*sequence[:start], *arrangement, *sequence[end:]], order) != winner:
            return True
    return False


def run_schulze_stv(groups: Sequence[Group], options: Sequence[str], seats: int, order: list[str]) -> Outcome:
    ranked = [g for g in groups if g.selection]
    d = pairwise_matrix(ranked, options)
    ties: list[dict[str, Any]] = []
    if seats >= len(options):
        return Outcome(tuple(options), {"pairwise": _matrix_dict(d, options)})
    core_ballots = []
    for g in ranked:
        ballot = {o: i + 1 for i, o in enumerate(g.selection)}
        bottom = len(g.selection) + 1
        for o in options:
            ballot.setdefault(o, bottom)
        core_ballots.append({"count": g.weight, "ballot": ballot})
    core = SchulzeSTV(core_ballots, tie_breaker=list(order), required_winners=seats, ballot_notation=SchulzeSTV.BALLOT_NOTATION_RANKING)
    winners = tuple(in_order(core.winners, options))
    if getattr(core, "tied_winners", None):
        tied_sets = sorted([in_order(s, options) for s in core.tied_winners], key=lambda s: [options.index(o) for o in s])
        ties.append(tie_record("winning sets", tied_sets, [list(winners)], "elected"))
    return Outcome(winners, {"pairwise": _matrix_dict(d, options)}, ties)


RUNNERS = {
    "plurality": run_plurality,
    "approval": run_approval,
    "irv": run_stv,
    "stv": run_stv,
    "schulze": run_schulze,
    "ranked_pairs": run_ranked_pairs,
    "schulze_stv": run_schulze_stv,
}

# The single-winner pairwise methods, from the weighted pairwise matrix alone.
MATRIX_RUNNERS = {
    "schulze": schulze_from_matrix,
    "ranked_pairs": ranked_pairs_from_matrix,
}
