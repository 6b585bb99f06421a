from flask import Blueprint

bp = Blueprint("motions", __name__, url_prefix="/motions")

# Each module attaches its views to bp: listing (the motions list), chair (drafting, preview,
# lifecycle steps, console, outcome), chair_room (projector, duplicate, minutes), delegate
# (ballots, receipts, proxies); their schedule is app/schedule.py. Their forms are
# forms.py (the chair's) and ballot_forms.py (the delegate's); state changes are service.py.
from app.motions import listing, chair, chair_room, delegate  # noqa: E402,F401

# The weight derivation in words, as a template global (weight_derivation).
from app.motions import weight_derivation  # noqa: E402,F401
