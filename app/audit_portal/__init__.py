from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

# Public pages per motion (routes), the auditors' trail (trail).
from app.audit_portal import routes, trail  # noqa: E402,F401
