"""The arithmetic of a consultation's results, with exact fractions and nothing else.

Plain values in, plain values out: no Flask, no database (the web layer turns rows into
`Answer`s and the results into words). docs/deliberation.md works one example by hand.

- A member is *in support* when it answered "support" or "support with changes".
- A grouping (IRCC region, province, ...) splits the responding members into groups; a member
  in several clusters counts in each, a member in none in the group `NO_CLUSTER`.
- Each group gets counts per answer, per member and by weight.
- Group-aware agreement (as in Polis): the product over the groups of (s + 1) / (n + 2), where
  s is the group's members in support and n its members who responded. A group *leans in
  support* when its factor is above 1/2, which is the same as a strict majority of its
  responses (2s > n). The sentence about a grouping is read from those factors (`Spread`).
- Confidential consultations show no group of fewer than `MIN_CELL` members: small groups are
  merged into one "other groups" row, which takes in the smallest shown group while it is
  itself too small; a grouping that cannot be shown that way is hidden whole.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterable, Sequence

CHOICES = ("support", "support_changes", "oppose", "abstain")
SUPPORTING = frozenset({"support", "support_changes"})
GROUPINGS = ("region", "province", "setting", "size_class", "holder_type", "cluster")
NO_CLUSTER = "-"
OTHER_GROUPS = "*"
MIN_CELL = 3


@dataclass(frozen=True)
class Answer:
    """One member's response with what the breakdown needs of the member."""

    member: str
    choice: str
    weight: int
    region: str
    province: str
    setting: str
    size_class: str
    holder_type: str
    clusters: tuple[str, ...] = ()

    def groups(self, grouping: str) -> tuple[str, ...]:
        if grouping == "cluster":
            return self.clusters or (NO_CLUSTER,)
        return (str(getattr(self, grouping)),)


@dataclass
class Cell:
    """The responses of one group, by member (a member merged in twice still counts once)."""

    group: str
    answers: dict[str, Answer] = field(default_factory=dict)
    merged: tuple[str, ...] = ()  # the groups an "other groups" row stands for

    def add(self, answer: Answer) -> None:
        self.answers[answer.member] = answer

    def absorb(self, other: Cell) -> None:
        self.answers.update(other.answers)
        self.merged += other.merged or (other.group,)

    @property
    def members(self) -> dict[str, int]:
        """Members per answer."""
        counts = dict.fromkeys(CHOICES, 0)
        for answer in self.answers.values():
            counts[answer.choice] += 1
        return counts

    @property
    def weights(self) -> dict[str, int]:
        """Weight per answer."""
        sums = dict.fromkeys(CHOICES, 0)
        for answer in self.answers.values():
            sums[answer.choice] += answer.weight
        return sums

    @property
    def responses(self) -> int:
        return len(self.answers)

    @property
    def in_support(self) -> int:
        return sum(1 for a in self.answers.values() if a.choice in SUPPORTING)

    @property
    def weight(self) -> int:
        return sum(a.weight for a in self.answers.values())

    @property
    def weight_in_support(self) -> int:
        return sum(a.weight for a in self.answers.values() if a.choice in SUPPORTING)

    @property
    def support_share(self) -> Fraction | None:
        return Fraction(self.in_support, self.responses) if self.responses else None

    @property
    def weight_share(self) -> Fraction | None:
        return Fraction(self.weight_in_support, self.weight) if self.weight else None

    @property
    def factor(self) -> Fraction:
        """(s + 1) / (n + 2): the group's smoothed estimate of support."""
        return Fraction(self.in_support + 1, self.responses + 2)

    @property
    def leans_in_support(self) -> bool:
        return self.factor > Fraction(1, 2)


class Spread(str, enum.Enum):
    """What a grouping says about where the support comes from."""

    BROAD = "broad"  # every group leans in support
    ONE_GROUP = "one_group"  # a majority overall, but only one group leans in support
    SOME_GROUPS = "some_groups"  # some groups lean in support, others do not
    NONE = "none"  # no group leans in support
    SINGLE = "single"  # the responses all come from one group: nothing to compare


@dataclass
class Breakdown:
    grouping: str
    cells: list[Cell]
    hidden: bool = False  # confidential and too few members to show any row

    @property
    def agreement(self) -> Fraction:
        product = Fraction(1)
        for cell in self.cells:
            product *= cell.factor
        return product

    @property
    def leaning(self) -> int:
        return sum(1 for cell in self.cells if cell.leans_in_support)

    def spread(self, overall_majority: bool) -> Spread:
        if len(self.cells) <= 1:
            return Spread.SINGLE
        if self.leaning == len(self.cells):
            return Spread.BROAD
        if self.leaning == 0:
            return Spread.NONE
        if self.leaning == 1 and overall_majority:
            return Spread.ONE_GROUP
        return Spread.SOME_GROUPS


@dataclass
class Results:
    total: Cell
    breakdowns: list[Breakdown]
    confidential: bool

    @property
    def headline_hidden(self) -> bool:
        return self.confidential and 0 < self.total.responses < MIN_CELL

    @property
    def majority_in_support(self) -> bool:
        return 2 * self.total.in_support > self.total.responses


def tally(answers: Iterable[Answer], *, confidential: bool) -> Results:
    answers = list(answers)
    total = Cell("")
    for answer in answers:
        total.add(answer)
    breakdowns = [breakdown(answers, grouping, confidential=confidential) for grouping in GROUPINGS]
    return Results(total=total, breakdowns=breakdowns, confidential=confidential)


def breakdown(answers: Sequence[Answer], grouping: str, *, confidential: bool) -> Breakdown:
    cells: dict[str, Cell] = {}
    for answer in answers:
        for group in answer.groups(grouping):
            cells.setdefault(group, Cell(group)).add(answer)
    ordered = sorted(cells.values(), key=lambda c: c.group)
    if not confidential:
        return Breakdown(grouping, ordered)
    return suppress_small_cells(grouping, ordered)


def suppress_small_cells(grouping: str, cells: list[Cell]) -> Breakdown:
    """Merge every group under MIN_CELL members into one row; grow that row with the smallest
    shown groups until it reaches MIN_CELL; hide the grouping if even that cannot be done."""
    shown = [c for c in cells if c.responses >= MIN_CELL]
    small = [c for c in cells if c.responses < MIN_CELL]
    if not small:
        return Breakdown(grouping, shown)
    other = Cell(OTHER_GROUPS)
    for cell in small:
        other.absorb(cell)
    shown.sort(key=lambda c: (c.responses, c.group))
    while other.responses < MIN_CELL and shown:
        other.absorb(shown.pop(0))
    if other.responses < MIN_CELL:
        return Breakdown(grouping, [], hidden=True)
    shown.sort(key=lambda c: c.group)
    return Breakdown(grouping, [*shown, other])
