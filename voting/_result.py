"""The immutable result of a tally."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

STATUSES: tuple[str, ...] = (
    "carried",
    "defeated",
    "elected",
    "tie_resolved",
    "tie_unresolved",
    "no_quorum",
    "no_votes",
)


@dataclass(frozen=True)
class Result:
    """What :func:`voting.tally` decided; ``as_dict()`` explains how (JSON-safe, no floats)."""

    method: str
    winners: tuple[str, ...]
    carried: bool | None
    status: str
    explanation: dict[str, Any] = field(repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self.explanation)
