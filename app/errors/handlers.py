"""One place that turns every error into a page (or JSON for API clients): never a traceback."""

from __future__ import annotations

from flask import Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.errors import bp
from app.extensions import db
from app.security import log_refusal


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, title: str, message: str) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(error=title, message=message, status=status), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> tuple[Response | str, int]:
    return error_response(
        400,
        _("The form expired or was not sent from this site"),
        _("Go back, reload the page and try again. (%(reason)s)", reason=error.description),
    )


TITLES = {
    400: lambda: _("The request could not be understood"),
    403: lambda: _("You do not have permission to do this"),
    404: lambda: _("Page not found"),
    405: lambda: _("This action is not allowed here"),
    409: lambda: _("This conflicts with the current state"),
    410: lambda: _("This link is no longer valid"),
    413: lambda: _("The upload is too large"),
    422: lambda: _("The data could not be accepted"),
    429: lambda: _("Too many attempts"),
}


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response | tuple[Response | str, int]:
    status = error.code or 500
    if status >= 500:
        return internal_error(error)
    if status == 403:
        log_refusal("action refused", reason=error.description)
    if isinstance(error.response, Response):  # a view built the whole answer (e.g. the throttled sign-in page)
        return error.response
    title = TITLES.get(status, lambda: error.name)()
    custom = error.description != type(error).description  # a message the view gave to abort()
    message = str(error.description) if custom else ""
    return error_response(status, title, message)


@bp.app_errorhandler(Exception)
def internal_error(error: Exception) -> tuple[Response | str, int]:
    if not isinstance(error, InternalServerError):
        current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return error_response(500, _("Something went wrong on our side"), _("Nothing was saved. Please try again; if it happens again, tell the administrator."))
