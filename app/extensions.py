"""The Flask extensions, created unbound and attached in `init_app` (application-factory style)."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from app.paths import MIGRATIONS_DIR


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits are declared on the views that need them (sign-in); none applies by default.
limiter = Limiter(key_func=get_remote_address)


def init_app(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
