from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/results")

from app.results import routes  # noqa: E402,F401
