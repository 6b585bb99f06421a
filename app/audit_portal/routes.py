"""Public audit pages per motion, bundle downloads, online receipt checks, the audit trail."""

from __future__ import annotations

from app.audit_portal import bp  # noqa: F401
