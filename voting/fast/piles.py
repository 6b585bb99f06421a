"""py-vote-core's STV loop over candidate piles: the fast path for IRV and STV.

:class:`PiledSTV` runs py-vote-core's own STV loop over one pseudo-ballot per candidate pile
(the ballots whose highest continuing choice it is) instead of one dict per ballot, in exact
rational arithmetic: py-vote-core's ``float(count)`` cast is a no-op on a pile and tallies
are Fractions, so the surplus factor ``(tally - quota) / tally`` and every comparison with
the quota are exact.  The reference it must agree with is ``voting._pycore.ExactSTV`` (one
dict per ballot); see docs/methods.md, "Exactness and piles".
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray
from py3votecore.stv import STV

from .ranks import FLOAT_EXACT

Number = int | Fraction


class _Piles:
    """Every counted ballot as arrays, sorted into piles by its current first choice.

    ``order[k]`` lists ballot k's option codes, most preferred first, padded with -1 (at
    least one -1 per row).  A ballot's value is ``weights[k] * mult[cls[k]]``: ballots
    transferred together as one surplus share a multiplier class, so the few distinct
    multipliers are exact Fractions while the per-ballot data stay integer arrays.
    """

    def __init__(
        self,
        order: NDArray[np.signedinteger[Any]],
        weights: NDArray[Any],
        names: Sequence[str],
        ranked: NDArray[np.bool_] | None = None,
    ) -> None:
        self.order = order
        self.flat_order = order.ravel()
        self.weights = weights
        self.names = names
        n = len(names)
        count = len(order)
        # float64 sums of integers are exact below 2**53; beyond, sum Python ints.
        self.float_exact = weights.dtype != object and int(weights.sum()) < FLOAT_EXACT
        self.place = np.zeros(count, dtype=np.int64)
        self.top = order[:, 0].copy()
        self.cls = np.zeros(count, dtype=np.int32)
        self.mult: list[Number] = [1]
        # live[c]: c is ranked somewhere and neither elected nor eliminated; live[-1] (the
        # padding code) stays True so an exhausted ballot is never advanced.
        if ranked is None:
            if order.dtype == np.int8:  # the common case: count the bytes, -1 lands on 255
                ranked = np.bincount(order.ravel().view(np.uint8), minlength=256)[:n] > 0
            else:
                ranked = np.bincount(order.ravel().astype(np.int64) + 1, minlength=n + 1)[1:] > 0
        self.ranked = ranked
        self.live = np.ones(n + 1, dtype=bool)
        self.live[:n] = ranked
        self.ranked_codes = [int(c) for c in np.flatnonzero(self.live[:n])]
        self.pending: set[int] = set()
        self._totals: list[Number] | None = None

    def fresh(self) -> _Piles:
        """The same ballots back at their first choices, at full value."""
        return _Piles(self.order, self.weights, self.names, self.ranked)

    def _weight_sums(self, keys: NDArray[np.int64], rows: NDArray[np.bool_], size: int) -> list[int]:
        if self.float_exact:
            sums = np.bincount(keys[rows], weights=self.weights[rows].astype(np.float64), minlength=size)
            return [int(x) for x in sums]
        exact = [0] * size
        for key, weight in zip(keys[rows].tolist(), self.weights[rows].tolist()):
            exact[key] += int(weight)
        return exact

    def flush(self) -> None:
        """Strike the pending options: move their piles' ballots to the next live choice."""
        if not self.pending:
            return
        struck = sorted(self.pending)
        self.pending.clear()
        self.live[struck] = False
        if len(struck) == 1:
            moving = np.flatnonzero(self.top == struck[0])
        else:
            moving = np.flatnonzero(np.isin(self.top, struck))
        width = self.order.shape[1]
        while moving.size:
            self.place[moving] += 1
            following = self.flat_order[moving * width + self.place[moving]]
            self.top[moving] = following
            moving = moving[~self.live[following]]
        self._totals = None

    def totals(self) -> list[Number]:
        """The value of each option's pile (exact; ints where whole)."""
        self.flush()
        if self._totals is None:
            n, classes = len(self.names), len(self.mult)
            rows = self.top >= 0
            keys = self.top.astype(np.int64) * classes + self.cls
            sums = self._weight_sums(keys, rows, n * classes)
            if classes == 1 and self.mult[0] == 1:  # no surplus transferred yet (IRV: always)
                self._totals = list(sums)
            else:
                totals: list[Number] = []
                for c in range(n):
                    value = sum((m * w for m, w in zip(self.mult, sums[c * classes : (c + 1) * classes]) if w), Fraction(0))
                    totals.append(value.numerator if value.denominator == 1 else value)
                self._totals = totals
        return self._totals

    def scale(self, code: int, factor: Fraction) -> None:
        """Multiply the value of every ballot in ``code``'s pile by ``factor``."""
        self.flush()
        rows = np.flatnonzero(self.top == code)
        old = self.cls[rows]
        remap = np.arange(len(self.mult), dtype=np.int32)
        for k in np.unique(old).tolist():
            product = Fraction(self.mult[k]) * factor
            self.mult.append(product.numerator if product.denominator == 1 else product)
            remap[k] = len(self.mult) - 1
        self.cls[rows] = remap[old]
        self._totals = None


class _Pile:
    """One option's pile, shown to py-vote-core as a single ballot ``{"count", "ballot"}``.

    ``ballot`` is ``[option]`` while the option is continuing, ``[]`` once struck; ``count``
    is the pile's exact value.  py-vote-core's surplus step (``count *= factor``) scales the
    pile; its reset step (``ballot = [only continuing options]``) strikes the option.
    """

    __slots__ = ("piles", "code")

    def __init__(self, piles: _Piles, code: int) -> None:
        self.piles = piles
        self.code = code

    def __contains__(self, key: object) -> bool:
        return key in ("count", "ballot")

    def __getitem__(self, key: str) -> Any:
        if key == "count":
            return self.piles.totals()[self.code]
        if key == "ballot":
            self.piles.flush()
            return [self.piles.names[self.code]] if self.piles.live[self.code] else []
        raise KeyError(key)

    def __setitem__(self, key: str, value: Any) -> None:
        if key == "count":
            current = self.piles.totals()[self.code]
            if isinstance(value, float):
                if value != float(current):  # py-vote-core's float(count) cast is a no-op here
                    raise ValueError(f"pile {self.piles.names[self.code]}: float count {value} != {current}")
                return
            if value != current:
                self.piles.scale(self.code, Fraction(value) / Fraction(current))
        elif key == "ballot":
            if value == []:
                self.piles.pending.add(self.code)
            elif value != [self.piles.names[self.code]]:
                raise ValueError(f"pile {self.piles.names[self.code]}: cannot become {value!r}")
        else:
            raise KeyError(key)


class PileList(list[_Pile]):
    """The piles of one counting state; ``deepcopy`` starts a fresh state from the ballots."""

    piles: _Piles

    def __init__(self, order: NDArray[np.signedinteger[Any]], weights: NDArray[Any], names: Sequence[str]) -> None:
        super().__init__()
        self._hold(_Piles(order, weights, names))

    def _hold(self, piles: _Piles) -> None:
        self.piles = piles
        self.extend(_Pile(piles, c) for c in piles.ranked_codes)

    def __deepcopy__(self, memo: dict[int, Any]) -> PileList:
        fresh = PileList.__new__(PileList)
        fresh._hold(self.piles.fresh())
        return fresh


class PiledSTV(STV):  # type: ignore[misc]  # py-vote-core ships no types: STV is Any
    """py-vote-core's STV loop, run over piles instead of one dict per ballot.

    The rule is py-vote-core's own (its ``calculate_results``: quota, who is elected or
    eliminated, ties, reset, when to stop); only the two steps that touch every ballot are
    replaced, ``tallies`` and ``remove_candidates_from_ballots``, with their pile
    equivalents.  Values are exact: py-vote-core's float cast is a no-op on a pile and the
    tallies are Fractions, so the surplus factor ``(tally - quota) / tally`` is exact.
    """

    def tallies(self, ballots: PileList) -> dict[str, Fraction]:
        piles = ballots.piles
        totals = piles.totals()
        return {piles.names[c]: Fraction(totals[c]) for c in piles.ranked_codes if piles.live[c]}

    def remove_candidates_from_ballots(self, candidates: Any, ballots: PileList) -> PileList:
        piles = ballots.piles
        code = {name: c for c, name in enumerate(piles.names)}
        piles.pending.update(code[name] for name in candidates)
        piles.flush()
        return ballots
