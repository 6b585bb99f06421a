"""Read, validate and aggregate weighted ballots in one pass.

Identical ballots are merged into one entry carrying the number of ballots and their total
weight, so every later step works on distinct selections only.  Validation of the
selection itself runs once per distinct raw selection; the error still names the index of
the first ballot that carried it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import InvalidBallot

if TYPE_CHECKING:
    from .fast.rankings import Rankings

RANKED = frozenset({"irv", "stv", "schulze", "ranked_pairs", "schulze_stv"})
YES_NO_CHOICES = ("yes", "no", "abstain")

# A canonical selection: str for yes_no/plurality ("" = blank), tuple[str, ...] otherwise (() = blank).
Selection = Any


class Group(NamedTuple):
    selection: Selection
    region: str | None
    ballots: int
    weight: int


@dataclass(frozen=True)
class Ingested:
    groups: tuple[Group, ...]  # sorted by (selection, region); () when rankings is set
    ballots: int
    weight: int
    blank_ballots: int
    blank_weight: int
    rankings: Rankings | None = None  # set by the fast path (voting.fast), never here

    def counted(self) -> list[Group]:
        return [g for g in self.groups if g.selection]


def _blank(sel: object) -> bool:
    if sel is None:
        return True
    if isinstance(sel, (str, list, tuple, set, frozenset)):
        return len(sel) == 0
    return False


def _canonical(method: str, raw: object, index: int, options: Sequence[str], position: dict[str, int]) -> Selection:
    scalar = method in ("yes_no", "plurality")
    if _blank(raw):
        return "" if scalar else ()
    if scalar:
        if not isinstance(raw, str):
            raise InvalidBallot(index, "selection", f"got {type(raw).__name__}, want one option id (str)")
        if raw not in position:
            raise InvalidBallot(index, "selection", f"got unknown option {raw!r}, want one of {list(options)}")
        return raw
    if method == "approval":
        if isinstance(raw, (str, bytes)) or not isinstance(raw, (tuple, frozenset)):
            raise InvalidBallot(index, "selection", f"got {type(raw).__name__}, want a collection of option ids")
    elif not isinstance(raw, tuple):
        raise InvalidBallot(index, "selection", f"got {type(raw).__name__}, want a list of option ids, most preferred first")
    # Fast path: the items were hashed with the key already; only str ids are position keys.
    distinct = set(raw)
    if len(distinct) == len(raw) and distinct <= position.keys():
        return tuple(sorted(raw, key=position.__getitem__)) if method == "approval" else raw
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, str) or item not in position:
            raise InvalidBallot(index, "selection", f"got unknown option {item!r}, want one of {list(options)}")
        if item in seen:
            raise InvalidBallot(index, "selection", f"option {item!r} appears more than once")
        seen.add(item)
    if method == "approval":
        return tuple(sorted(raw, key=position.__getitem__))
    return raw


def ingest(
    method: str,
    ballots: Iterable[Any],
    options: Sequence[str],
    regions: frozenset[str] | None,
) -> Ingested:
    """Aggregate ``ballots``; ``regions`` is the set of allowed region ids when regions are needed."""
    raw_groups = _read_ballots(ballots, need_region=regions is not None)
    n_ballots = sum(e[0] for e in raw_groups.values())
    total_weight = sum(e[1] for e in raw_groups.values())
    merged = _check_selections(method, raw_groups, options, regions)
    del raw_groups
    groups = _as_groups(method, merged)
    blank = [g for g in groups if not g.selection]
    return Ingested(
        groups=groups,
        ballots=n_ballots,
        weight=total_weight,
        blank_ballots=sum(g.ballots for g in blank),
        blank_weight=sum(g.weight for g in blank),
    )


# A raw group: [ballots, weight, index of its first ballot], keyed by the selection as given
# (with its region when regions are needed).
RawGroups = dict[Any, list[int]]


def _read_ballots(ballots: Iterable[Any], need_region: bool) -> RawGroups:
    """Step 1: check each ballot's shape, weight and region type; group identical ones."""
    raw_groups: RawGroups = {}
    try:
        iterator = iter(ballots)
    except TypeError as e:
        raise InvalidBallot(0, "ballots", f"got {type(ballots).__name__}, want an iterable of tuples") from e
    get = raw_groups.get
    for index, ballot in enumerate(iterator):
        if type(ballot) is tuple or type(ballot) is list:
            size = len(ballot)
        else:
            raise InvalidBallot(index, None, f"got {type(ballot).__name__}, want a (weight, selection[, region]) tuple")
        if size == 2:
            weight, sel = ballot
            region = None
        elif size == 3:
            weight, sel, region = ballot
        else:
            raise InvalidBallot(index, None, f"got a tuple of {size} items, want (weight, selection[, region])")
        if type(weight) is not int:
            if isinstance(weight, int) and not isinstance(weight, bool):
                weight = int(weight)
            else:
                raise InvalidBallot(index, "weight", f"got {weight!r}, want a positive integer")
        if weight <= 0:
            raise InvalidBallot(index, "weight", f"got {weight}, want a positive integer")
        if type(sel) is list:
            sel = tuple(sel)
        elif type(sel) is set:
            sel = frozenset(sel)
        if need_region:
            if region is None:
                raise InvalidBallot(index, "region", "missing, required by the regional double majority")
            key: Any = (sel, region)
        else:
            if region is not None and not isinstance(region, str):
                raise InvalidBallot(index, "region", f"got {type(region).__name__}, want a region id (str)")
            key = sel
        try:
            entry = get(key)
        except TypeError as e:
            raise InvalidBallot(
                index, "selection", f"got unhashable {type(sel).__name__}, want an option id or a list of option ids"
            ) from e
        if entry is None:
            raw_groups[key] = [1, weight, index]
        else:
            entry[0] += 1
            entry[1] += weight
    return raw_groups


def _check_selections(
    method: str, raw_groups: RawGroups, options: Sequence[str], regions: frozenset[str] | None
) -> dict[tuple[Any, str | None], list[int]]:
    """Step 2: check each distinct selection and region once; merge equal canonical forms."""
    position = {o: i for i, o in enumerate(options)}
    known = position.keys()
    ranked = method in RANKED
    merged: dict[tuple[Any, str | None], list[int]] = {}
    for key, entry in raw_groups.items():
        if regions is not None:
            sel, region = key
            if not isinstance(region, str) or region not in regions:
                raise InvalidBallot(entry[2], "region", f"got {region!r}, want one of {sorted(regions)}")
        else:
            sel, region = key, None
        if ranked and type(sel) is tuple and sel:
            # Fast path for a ranking: distinct known ids, kept as given.
            distinct = set(sel)
            canon = sel if len(distinct) == len(sel) and distinct <= known else _canonical(
                method, sel, entry[2], options, position
            )
        else:
            canon = _canonical(method, sel, entry[2], options, position)
        slot = merged.get((canon, region))
        if slot is None:
            merged[(canon, region)] = entry
        else:
            slot[0] += entry[0]
            slot[1] += entry[1]
    return merged


def _as_groups(method: str, merged: dict[tuple[Any, str | None], list[int]]) -> tuple[Group, ...]:
    """Step 3: the merged entries as :class:`Group` tuples, in a fixed order where it matters."""
    items = list(merged.items())
    del merged
    if method == "schulze_stv":
        # py-vote-core's Schulze STV sums floats in ballot order: fix that order.  Keys are
        # unique and of one type, so plain tuple order never compares the count lists.
        # Every other method is counted with exact integers or Fractions and does not
        # depend on the order of the distinct ballots.
        items.sort()
    keys = [k for k, _ in items]
    values = [v for _, v in items]
    del items
    first, second = itemgetter(0), itemgetter(1)
    # tuple.__new__ builds the named tuples at C speed (a million distinct rankings).
    return tuple(
        map(
            tuple.__new__,
            repeat(Group),
            zip(map(first, keys), map(second, keys), map(first, values), map(second, values)),
        )
    )
