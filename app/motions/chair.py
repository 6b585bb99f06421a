"""The chair's pages: drafting, preview, open/extend/close/certify, live console."""

from __future__ import annotations

from app.motions import bp  # noqa: F401
