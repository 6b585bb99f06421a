"""The verifier's only door to the tally engine (:mod:`voting`).

Imported lazily so that ``ballots`` (Merkle proofs, receipts) works for an
auditor's script even where ``voting`` is absent; the tally and weight checks
then fail with a plain message instead of an import traceback.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class Unavailable(Exception):
    """The tally engine, or a part of it, cannot be imported."""


class EngineError(Exception):
    """The tally engine refused its input (wraps ``voting.VotingError``)."""


@dataclass(frozen=True, slots=True)
class Weights:
    """Recomputed weight snapshot: member -> units, and member -> region if known."""

    weights: dict[str, int]
    regions: dict[str, str] | None
    matches: bool  # the recomputed snapshot equals the published one, byte for byte


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise Unavailable(f"{name} is not installed ({e})") from e


def recompute_weights(snapshot: Mapping[str, Any]) -> Weights:
    """Recompute a published weight snapshot with ``voting.weights.recompute``."""
    vw = _module("voting.weights")
    voting = _module("voting")
    recompute = getattr(vw, "recompute", None)
    if recompute is None:
        raise Unavailable("voting.weights.recompute is not available")
    try:
        ws = recompute(dict(snapshot))
    except voting.VotingError as e:
        raise EngineError(str(e)) from e
    weights = {str(k): int(v) for k, v in dict(ws.weights).items()}
    recomputed = ws.as_dict()
    regions: dict[str, str] | None = None
    members = recomputed.get("members")
    if isinstance(members, list) and all(isinstance(m, Mapping) for m in members):
        regions = {str(m.get("id")): str(m.get("region")) for m in members}
    return Weights(weights, regions, recomputed == dict(snapshot))


def tally(method: str, ballots: Sequence[tuple[Any, ...]], *, options: Sequence[str],
          seats: int, rules: Mapping[str, Any], seed: bytes, published_format: Any = None) -> dict[str, Any]:
    """``voting.tally(...).as_dict()``, under the published result's format when the engine
    knows it (an old format keeps the tie rule it was counted with; docs/methods.md §4)."""
    voting = _module("voting")
    known = getattr(voting, "TALLY_FORMATS", ())
    extra = {"result_format": published_format} if published_format in known else {}
    try:
        result = voting.tally(method, ballots, options=list(options), seats=seats,
                              rules=dict(rules), tie_break_seed=seed, **extra)
    except voting.VotingError as e:
        raise EngineError(str(e)) from e
    out: dict[str, Any] = result.as_dict()
    return out


def difference(published: Mapping[str, Any], mine: Mapping[str, Any]) -> str:
    """How a published result differs from the re-tally, naming a tie it overstates."""
    overstated = _overstated_ties(published, mine)
    if overstated:
        return ("the published result calls a tie material (decided by the tie-break order) that "
                f"no order could decide, at {', '.join(overstated)}")
    diff = [k for k in sorted(set(mine) | set(published)) if mine.get(k) != published.get(k)]
    return f"the published result differs from the re-tally in {', '.join(diff)}"


def _overstated_ties(published: Mapping[str, Any], mine: Mapping[str, Any]) -> list[str]:
    """The stages of ties the published result calls material that the re-tally does not."""
    theirs = published.get("ties")
    if not isinstance(theirs, list) or not isinstance(mine.get("ties"), list):
        return []
    immaterial = {t["stage"] for t in mine["ties"] if not t["material"]}
    return [str(t.get("stage")) for t in theirs
            if isinstance(t, Mapping) and t.get("material") is True and t.get("stage") in immaterial]
