"""A motion's leaf 0 as committed, parsed once: the rules, weights and eligible block the count uses.

Every page and service that needs what the motion was opened with reads `Motion.opening`
instead of decoding `open_leaf_json` itself. The parse is cached by the leaf's text, which
never changes once committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from ballots.leaves import OpenLeaf, parse_leaf


@dataclass(frozen=True)
class Opening:
    """Leaf 0 of an opened motion. Callers must not change the dicts it returns."""

    leaf: OpenLeaf

    @property
    def rules(self) -> dict[str, Any]:
        """The rules exactly as committed, the eligible block included."""
        return self.leaf.rules

    @property
    def snapshot(self) -> dict[str, Any]:
        """The committed weight snapshot (weights, derivation and each member's attributes)."""
        return self.leaf.weights

    @cached_property
    def weights(self) -> dict[str, int]:
        """Each eligible member's committed weight, by member id (slug)."""
        return {str(k): int(v) for k, v in self.snapshot["weights"].items()}

    @cached_property
    def members(self) -> dict[str, dict[str, Any]]:
        """Each eligible member's attributes as the snapshot committed them (region, province...)."""
        return {m["id"]: m for m in self.snapshot.get("members", [])}

    @property
    def eligible(self) -> dict[str, Any]:
        return dict(self.rules.get("eligible") or {})

    @property
    def total_weight(self) -> int:
        return sum(self.weights.values())


@lru_cache(maxsize=64)
def parse_opening(text: str) -> Opening:
    leaf = parse_leaf(text)
    if not isinstance(leaf, OpenLeaf):
        raise ValueError("leaf 0 of a motion log must be an open leaf")
    return Opening(leaf)
