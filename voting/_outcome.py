"""What every method's runner returns: winners, the method's detail, and its ties."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    winners: tuple[str, ...]
    detail: dict[str, Any]
    ties: list[dict[str, Any]] = field(default_factory=list)


def in_order(items: Any, options: Sequence[str]) -> list[str]:
    """``items`` in the motion's display order."""
    pos = {o: i for i, o in enumerate(options)}
    return sorted(items, key=pos.__getitem__)


def tie_record(stage: str, tied: list[Any], chosen: list[Any], effect: str, material: bool = True) -> dict[str, Any]:
    return {"stage": stage, "tied": tied, "chosen": chosen, "effect": effect, "material": material}
