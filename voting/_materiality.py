"""Whether a tie is material (docs/methods.md §4, "Material ties"): IRV and STV eliminations
here; Ranked Pairs groups of equal pairs use :class:`Budget` from ``voting._methods``.

A tie for elimination is material when breaking it differently could change who is elected:
some order of the tied options, every other option keeping its place in the tie-break order,
makes the count elect a different set.  Two tests decide it, the cheap one first:

1. **Batch elimination** (a proof, no recount): the tied options and, if needed, the next
   lowest ones form a set S whose combined tally is below every other continuing option's.
   Then every option of S is eliminated, whatever the order, before anything else happens,
   and the ballots end up in the same places: the order inside S cannot matter.
2. **Recount**: otherwise the count is run again for every other order of the tied options,
   within a fixed budget of work that depends only on the size of the profile; a tie the
   budget cannot settle is reported as material, as every tie was before.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from fractions import Fraction
from itertools import permutations

# Work allowed for recounts in one tally, in ballot-rounds: each recount costs
# (counted ballots) x (ranked options).  Half a second at worst on the default (piled) path,
# two seconds on the reference path (fast=False): 80 ballots ranking 40 options, 28 ties.
RECOUNT_BUDGET = 100_000

Recount = Callable[[list[str]], frozenset[str]]

# False while counting under format 1: every IRV/STV elimination tie was material, and a
# Ranked Pairs group of equal pairs material whenever its cycle rule said so (no recount).
_judging: ContextVar[bool] = ContextVar("judging_ties", default=True)


@contextmanager
def format_1_ties() -> Iterator[None]:
    """Within this block ties are called material as format 1 did, without recounting."""
    token = _judging.set(False)
    try:
        yield
    finally:
        _judging.reset(token)


def batch_eliminated(
    tallies: Mapping[str, Fraction], tied: Sequence[str], quota: int, seats_open: int
) -> bool:
    """Whether the lowest options, ``tied`` among them, are all eliminated in any order.

    S is the ``k`` lowest continuing options (k >= len(tied)).  It is eliminated as a batch
    when (a) the sum of its tallies is below the tally of every other continuing option, so
    the lowest is always in S however S's own ballots move; (b) eliminating all but one of
    S leaves more continuing options than open seats, so the count cannot stop and elect
    what is left of S; and (c) with more than one open seat, no other option can reach the
    quota before S is gone (it would be elected and its surplus could flow into S).  That
    last condition is not needed when one seat is open and the quota is more than half of
    the weight still in play (always so in IRV): the one option that reaches the quota on
    the way is the only one that ever can, and it ends the count whatever the order.
    """
    ascending = sorted(tallies.values())
    total = Fraction(0)
    for k in range(1, len(ascending)):
        total += ascending[k - 1]
        if k < len(tied):
            continue
        if len(ascending) - k < seats_open:
            return False
        if total >= ascending[k]:
            continue
        unique = seats_open == 1 and 2 * quota > sum(ascending)
        return unique or ascending[-1] + total < quota
    return False


class Budget:
    """What is left of :data:`RECOUNT_BUDGET` for one tally's recounts."""

    def __init__(self) -> None:
        self.left = RECOUNT_BUDGET

    def affords(self, recounts: int, cost: int) -> bool:
        return recounts * cost <= self.left

    def spend(self, cost: int) -> None:
        self.left -= cost


def judging() -> bool:
    """Whether ties are judged by recounting (format 2) or as format 1 did."""
    return _judging.get()


class TieJudge:
    """Judges the elimination ties of one count, recounting within :data:`RECOUNT_BUDGET`."""

    def __init__(self, recount: Recount, winners: frozenset[str], order: Sequence[str], cost: int) -> None:
        self._recount = recount
        self._winners = winners
        self._order = list(order)
        self._cost = max(cost, 1)
        self._budget = Budget()
        self._seen: dict[tuple[str, ...], frozenset[str]] = {tuple(self._order): winners}

    def material(self, tallies: Mapping[str, Fraction], tied: Sequence[str], quota: int, seats_open: int) -> bool:
        if not _judging.get():
            return True
        if batch_eliminated(tallies, tied, quota, seats_open):
            return False
        return self._some_order_changes_winners(tied)

    def _some_order_changes_winners(self, tied: Sequence[str]) -> bool:
        # Deterministic: the same profile always spends the same budget in the same way.
        if not self._budget.affords(math.factorial(len(tied)) - 1, self._cost):
            return True
        slots = sorted(self._order.index(o) for o in tied)
        for arrangement in permutations(self._order[s] for s in slots):
            order = list(self._order)
            for slot, option in zip(slots, arrangement):
                order[slot] = option
            if self._winners_with(order) != self._winners:
                return True
        return False

    def _winners_with(self, order: list[str]) -> frozenset[str]:
        key = tuple(order)
        if key not in self._seen:
            self._budget.spend(self._cost)
            self._seen[key] = self._recount(order)
        return self._seen[key]
