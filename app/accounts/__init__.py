from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

from app.accounts import invitation_views, routes, two_factor_reset  # noqa: E402,F401
