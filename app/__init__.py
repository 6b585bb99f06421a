"""lipvote's web layer: a thin Flask shell over the pure `voting` and `ballots` libraries.

`create_app()` is the application factory (flaskr style); each area registers itself
through a blueprint and each extension through `init_app`.
"""

from __future__ import annotations

from typing import Any, Mapping

from flask import Flask

from app.paths import PROJECT_ROOT


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )

    from app import config

    config.load(app, test_config)

    from app import display, extensions, database, form_translations, i18n, request_origin, whole_numbers

    whole_numbers.init_app(app)  # the bounded <int:...> converter, before any route is added
    request_origin.init_app(app)  # before the CSRF check that extensions.init_app registers

    database.init_app(app)  # engine options first: Flask-SQLAlchemy builds engines in init_app
    extensions.init_app(app)
    i18n.init_app(app)
    display.init_app(app)
    form_translations.init_app(app)

    from app import security, sessions  # sessions registers Flask-Login's user loader

    security.init_app(app)

    from app.auth import bp as auth_bp
    from app.main import bp as main_bp
    from app.members import bp as members_bp
    from app.accounts import bp as accounts_bp
    from app.errors import bp as errors_bp
    from app.motions import bp as motions_bp
    from app.audit_portal import bp as audit_bp
    from app.results import bp as results_bp
    from app.deliberation import bp as deliberation_bp
    from app.explorer import bp as explorer_bp

    app.register_blueprint(errors_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(motions_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(deliberation_bp)
    app.register_blueprint(explorer_bp)

    from app import mail

    mail.init_app(app)  # the outbox, its page and `lipvote mail` (app/mail/)

    from app import cli, schedule
    from app.demo import is_demo
    from app.policy import Permission, can

    cli.init_app(app)
    schedule.init_app(app)  # opening and closing at set times, on requests and `lipvote tick`
    from app import witnesses

    witnesses.init_app(app)  # member witnesses cosign checkpoints after each response (app/witnesses.py)
    app.jinja_env.globals.update(can=can, Permission=Permission)

    @app.context_processor
    def site_flags() -> dict[str, object]:
        return {"demo_data": is_demo()}

    return app
