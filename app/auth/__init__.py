from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import password_reset, routes, two_factor_views  # noqa: E402,F401  (routes attach themselves to bp)
