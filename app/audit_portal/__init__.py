from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

# Public pages per motion (routes), the auditors' trail (trail), "I verified this bundle" (verifications).
from app.audit_portal import routes, trail, verifications  # noqa: E402,F401
