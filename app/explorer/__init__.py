"""The representation-framework explorer (issue 16): presets compared on the actual registry."""

from flask import Blueprint

bp = Blueprint("explorer", __name__, url_prefix="/explorer")

from app.explorer import views  # noqa: E402,F401
