from app.deliberation import models  # noqa: F401
