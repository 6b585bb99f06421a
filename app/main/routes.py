from __future__ import annotations

from flask import Response, redirect, render_template, url_for
from flask_login import current_user

from app.extensions import db
from app.main import bp
from app.models import Role
from app.policy import Permission, requires
from app.registry_summary import federation_summary


@bp.get("/")
def index() -> Response:
    return redirect(url_for("main.home" if current_user.is_authenticated else "auth.login"))


@bp.get("/home")
@requires(Permission.VIEW_DASHBOARD)
def home() -> str:
    template = {
        Role.ADMIN: "main/home_admin.html",
        Role.CHAIR: "main/home_chair.html",
        Role.DELEGATE: "main/home_delegate.html",
        Role.AUDITOR: "main/home_auditor.html",
        Role.OBSERVER: "main/home_observer.html",
        Role.EXPERT: "main/home_expert.html",
    }[current_user.role]
    return render_template(template, summary=federation_summary())


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    db.session.execute(db.select(1))
    return {"status": "ok"}, 200
