"""State-changing requests must come from this site's own pages (a check beside the CSRF token).

Browsers send an Origin header with every cross-site POST, and a Referer with most requests;
neither can be set by a page on another site. So for POST, PUT, PATCH and DELETE:

* an Origin header must name this site: LIPVOTE_BASE_URL when it is set, else the scheme and
  host the request was made to ("null", sent from sandboxed frames and some redirects, is
  refused);
* without Origin, a Referer must point into the same site;
* with neither (old clients, privacy tools, the test client), the request is let through: the
  CSRF token is still required, as before.

This is OWASP's "verifying origin with standard headers" defence in depth; it also stops a
login-CSRF or a form post from a site that somehow got hold of a token.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


def parse_origin(url: str) -> Origin | None:
    """(scheme, host, port) of an absolute http(s) URL, or None for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def site_origin() -> Origin | None:
    """This site's origin: from LIPVOTE_BASE_URL when set, else from the request itself."""
    base = current_app.config.get("LIPVOTE_BASE_URL") or ""
    return parse_origin(base) if base else parse_origin(f"{request.scheme}://{request.host}")


def refusal_reason() -> str | None:
    """Why this request may not change anything (a sentence for the page), or None when it may."""
    if request.method not in STATE_CHANGING:
        return None
    site = site_origin()
    origin = request.headers.get("Origin")
    if origin is not None:
        if site is None or parse_origin(origin) != site:
            return str(_("The form was sent from another site (%(origin)s), so nothing was done. Open lipvote at "
                         "its own address and try again.", origin=origin[:100]))
        return None
    referer = request.headers.get("Referer")
    if referer is not None and (site is None or parse_origin(referer) != site):
        return str(_("The form was sent from another page than this site's own, so nothing was done. Open "
                     "lipvote at its own address and try again."))
    return None


def check_request_origin() -> None:
    reason = refusal_reason()
    if reason is not None:
        abort(403, description=reason)


def init_app(app: Flask) -> None:
    """Register the check; before the CSRF check, so a cross-site post is named as such."""
    app.before_request(check_request_origin)
