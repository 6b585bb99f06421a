"""Read, validate and aggregate weighted ballots in one pass.

Identical ballots are merged into one entry carrying the number of ballots and their total
weight, so every later step works on distinct selections only.  Validation of the
selection itself runs once per distinct raw selection; the error still names the index of
the first ballot that carried it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ._ranks import FLOAT_EXACT, Positions, code_dtype, positions, preference_order, ranked_counts
from .errors import InvalidBallot

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
class Rankings:
    """Every ballot of a pairwise method, ungrouped, as arrays (see :func:`ingest_rankings`)."""

    positions: Positions  # one row per ballot, see _ranks
    weights: NDArray[np.int64]
    first_ballots: list[int]  # per option: ballots ranking it first
    first_weight: list[int]  # per option: their weight
    counted: bool  # some ballot is not blank
    order: NDArray[np.signedinteger[Any]] | None = None  # see _ranks.preference_order; on request


@dataclass(frozen=True)
class Ingested:
    groups: tuple[Group, ...]  # sorted by (selection, region); () when rankings is set
    ballots: int
    weight: int
    blank_ballots: int
    blank_weight: int
    rankings: Rankings | None = None

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
            raise InvalidBallot(index, f"selection: got {type(raw).__name__}, want one option id (str)")
        if raw not in position:
            raise InvalidBallot(index, f"selection: got unknown option {raw!r}, want one of {list(options)}")
        return raw
    if method == "approval":
        if isinstance(raw, (str, bytes)) or not isinstance(raw, (tuple, frozenset)):
            raise InvalidBallot(index, f"selection: got {type(raw).__name__}, want a collection of option ids")
    elif not isinstance(raw, tuple):
        raise InvalidBallot(index, f"selection: got {type(raw).__name__}, want a list of option ids, most preferred first")
    # Fast path: the items were hashed with the key already; only str ids are position keys.
    distinct = set(raw)
    if len(distinct) == len(raw) and distinct <= position.keys():
        return tuple(sorted(raw, key=position.__getitem__)) if method == "approval" else raw
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, str) or item not in position:
            raise InvalidBallot(index, f"selection: got unknown option {item!r}, want one of {list(options)}")
        if item in seen:
            raise InvalidBallot(index, f"selection: option {item!r} appears more than once")
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
    need_region = regions is not None
    raw_groups: dict[Any, list[int]] = {}
    try:
        iterator = iter(ballots)
    except TypeError as e:
        raise InvalidBallot(0, f"ballots: got {type(ballots).__name__}, want an iterable of tuples") from e
    get = raw_groups.get
    for index, ballot in enumerate(iterator):
        if type(ballot) is tuple or type(ballot) is list:
            size = len(ballot)
        else:
            raise InvalidBallot(index, f"got {type(ballot).__name__}, want a (weight, selection[, region]) tuple")
        if size == 2:
            weight, sel = ballot
            region = None
        elif size == 3:
            weight, sel, region = ballot
        else:
            raise InvalidBallot(index, f"got a tuple of {size} items, want (weight, selection[, region])")
        if type(weight) is not int:
            if isinstance(weight, int) and not isinstance(weight, bool):
                weight = int(weight)
            else:
                raise InvalidBallot(index, f"weight: got {weight!r}, want a positive integer")
        if weight <= 0:
            raise InvalidBallot(index, f"weight: got {weight}, want a positive integer")
        if type(sel) is list:
            sel = tuple(sel)
        elif type(sel) is set:
            sel = frozenset(sel)
        if need_region:
            if region is None:
                raise InvalidBallot(index, "region: missing, required by the regional double majority")
            key: Any = (sel, region)
        else:
            if region is not None and not isinstance(region, str):
                raise InvalidBallot(index, f"region: got {type(region).__name__}, want a region id (str)")
            key = sel
        try:
            entry = get(key)
        except TypeError as e:
            raise InvalidBallot(
                index, f"selection: got unhashable {type(sel).__name__}, want an option id or a list of option ids"
            ) from e
        if entry is None:
            raw_groups[key] = [1, weight, index]
        else:
            entry[0] += 1
            entry[1] += weight
    n_ballots = sum(e[0] for e in raw_groups.values())
    total_weight = sum(e[1] for e in raw_groups.values())

    position = {o: i for i, o in enumerate(options)}
    known = position.keys()
    ranked = method in RANKED
    merged: dict[tuple[Any, str | None], list[int]] = {}
    for key, entry in raw_groups.items():
        if regions is not None:
            sel, region = key
            if not isinstance(region, str) or region not in regions:
                raise InvalidBallot(entry[2], f"region: got {region!r}, want one of {sorted(regions)}")
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
    del raw_groups

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
    groups = tuple(
        map(
            tuple.__new__,
            repeat(Group),
            zip(map(first, keys), map(second, keys), map(first, values), map(second, values)),
        )
    )
    blank = [g for g in groups if not g.selection]
    return Ingested(
        groups=groups,
        ballots=n_ballots,
        weight=total_weight,
        blank_ballots=sum(g.ballots for g in blank),
        blank_weight=sum(g.weight for g in blank),
    )


_SEQUENCES = frozenset({tuple, list})
_SAMPLE = 512


def rankings_repeat(ballots: Sequence[Any]) -> bool:
    """Whether the first rankings of a large profile repeat enough to be worth grouping.

    Grouping identical rankings (:func:`ingest`) makes a profile of few distinct rankings
    nearly free to count, but costs about 1 µs a ballot; the array path
    (:func:`ingest_rankings`) costs less per ballot and does not group.  Both count the
    same.  A sample of the first rankings decides: grouped when at least half of them are
    repeats.  Small profiles always take the array path (cheap either way).
    """
    if len(ballots) <= _SAMPLE:
        return False
    sample = ballots[:_SAMPLE]
    if not set(map(type, sample)) <= _SEQUENCES or set(map(len, sample)) != {2}:
        return False  # malformed: the array path declines it and ingest names the ballot
    rankings = list(map(itemgetter(1), sample))
    if not set(map(type, rankings)) <= _SEQUENCES:
        return False  # (never iterate what may be a one-shot iterator)
    try:
        distinct = set(map(tuple, rankings))
    except TypeError:  # an unhashable option id
        return False
    return len(distinct) <= _SAMPLE // 2



def ingest_rankings(ballots: Sequence[Any], options: Sequence[str], *, with_order: bool = False) -> Ingested | None:
    """The ranked methods' fast path: every ballot as a row of a rank-position array.

    Schulze and Ranked Pairs need only the weighted pairwise matrix, a plain sum over
    ballots, and IRV/STV move ballots between piles (``with_order`` adds each ballot's
    preference order for them), so nothing is grouped.  Every check runs over the whole input at C speed (sets of types,
    one dictionary lookup per ranked option, one array pass for repeated options).  Returns
    None, leaving the input to :func:`ingest`, unless every ballot is a plain
    ``(weight, ranking)`` pair with an int weight > 0 and a list or tuple of distinct known
    option ids, and the total weight is below 2**53; :func:`ingest` then accepts the same
    input with the same counts, or raises the error that names the first bad ballot.
    """
    count = len(ballots)
    if count == 0 or not set(map(type, ballots)) <= _SEQUENCES or set(map(len, ballots)) != {2}:
        return None
    raw_weights = list(map(itemgetter(0), ballots))
    selections = list(map(itemgetter(1), ballots))
    if set(map(type, raw_weights)) != {int} or not set(map(type, selections)) <= _SEQUENCES:
        return None
    total = sum(raw_weights)
    if total >= FLOAT_EXACT:
        return None
    weights = np.array(raw_weights, dtype=np.int64)  # every weight is below the total
    del raw_weights
    if int(weights.min()) <= 0:
        return None
    n = len(options)
    index = {o: i for i, o in enumerate(options)}
    lengths = np.fromiter(map(len, selections), dtype=np.int64, count=count)
    flat = map(index.__getitem__, chain.from_iterable(selections))
    try:
        # bytes() of small ints runs in C and is faster than np.fromiter.
        codes = (
            np.frombuffer(bytes(flat), dtype=np.int8)
            if n < 127
            else np.fromiter(flat, dtype=code_dtype(n + 1), count=int(lengths.sum()))
        )
    except (KeyError, TypeError):  # an unknown or unhashable option id
        return None
    del selections
    pos = positions(codes, lengths, n)
    if not np.array_equal(ranked_counts(pos), lengths):  # an option repeated
        return None
    order = preference_order(codes, lengths, n) if with_order else None
    blank = lengths == 0
    ranked = ~blank
    first = codes[(np.cumsum(lengths) - lengths)[ranked]].astype(np.int64)
    del codes
    first_ballots = np.bincount(first, minlength=n)
    # float64 sums of ints are exact: the total is below 2**53.
    first_weight = np.bincount(first, weights=weights[ranked].astype(np.float64), minlength=n)
    return Ingested(
        groups=(),
        ballots=count,
        weight=total,
        blank_ballots=int(blank.sum()),
        blank_weight=int(weights[blank].sum()),
        rankings=Rankings(
            positions=pos,
            weights=weights,
            first_ballots=[int(x) for x in first_ballots],
            first_weight=[int(x) for x in first_weight],
            counted=bool(ranked.any()),
            order=order,
        ),
    )
