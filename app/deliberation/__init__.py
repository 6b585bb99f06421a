"""Deliberation before a vote: bilingual proposals with versions and diffs (docs/deliberation.md)."""

from flask import Blueprint

bp = Blueprint("deliberation", __name__, url_prefix="/proposals")

from app.deliberation import views  # noqa: E402,F401
from app.deliberation import consultation_views  # noqa: E402,F401  (consultations, their models with them)

from app.deliberation import amendment_views, comment_views  # noqa: E402,F401
from app.deliberation import expert_views  # noqa: E402,F401  (temporary subject-matter experts)
