"""Deterministic weighted ballot profiles for the tally benchmark."""

from __future__ import annotations

from typing import Any

import numpy as np

POOL = 50  # distinct rankings in a "few distinct" profile


def options(n: int) -> list[str]:
    return [f"option-{i:02d}" for i in range(n)]


def rankings(size: int, n: int, profile: str, seed: int = 2024) -> tuple[list[int], list[list[str]]]:
    """(weights, full rankings): "few" draws from 50 fixed rankings, "ic" is impartial culture."""
    rng = np.random.default_rng(seed)
    opts = options(n)
    weights = rng.integers(1, 301, size=size).tolist()
    if profile == "few":
        pool = [[opts[i] for i in rng.permutation(n)] for _ in range(POOL)]
        picks = rng.integers(0, POOL, size=size).tolist()
        return weights, [pool[k] for k in picks]
    if profile == "ic":
        order = np.argsort(rng.random((size, n)), axis=1).astype(np.int8)
        return weights, [[opts[i] for i in row] for row in order.tolist()]
    raise ValueError(f"profile: got {profile!r}, want 'few' or 'ic'")


def selections(method: str, ranked: list[list[str]], n: int) -> list[Any]:
    """The selection each ballot makes under ``method``, derived from its ranking."""
    if method == "plurality":
        return [r[0] for r in ranked]
    if method == "approval":
        k = max(1, n // 3)
        return [r[:k] for r in ranked]
    if method == "yes_no":
        choice = {0: "yes", 1: "no", 2: "abstain"}
        return [choice[int(r[0][-2:]) % 3] for r in ranked]
    return ranked
