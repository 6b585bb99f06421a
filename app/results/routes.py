"""Results pages after close: outcome in words, arithmetic, SVG charts, rounds, matrices, breakdowns."""

from __future__ import annotations

from app.results import bp  # noqa: F401
