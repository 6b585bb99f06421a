"""The delegate's pages: ballots, review, receipts, receipt check, changed votes, proxies."""

from __future__ import annotations

from app.motions import bp  # noqa: F401
