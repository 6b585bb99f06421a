from flask import Blueprint

bp = Blueprint("motions", __name__, url_prefix="/motions")

# Each module attaches its views to bp: the shared list and detail pages, the chair's
# drafting and console, the chair in the room (projector, duplicate, minutes), the delegate's
# ballots, receipts and proxies, and the schedule hook.
from app.motions import routes, chair, chair_room, delegate, schedule  # noqa: E402,F401

# The weight derivation in words, as a template global (weight_derivation).
from app.motions import weight_derivation  # noqa: E402,F401
