"""Where a redirect built from request data may send the browser: a path on this site, nothing else.

A `next` value is attacker-chosen (a link to /login?next=... costs nothing), so it is read the way
a browser would read the Location header we send back. Browsers (WHATWG URL parsing) drop tab, CR
and LF anywhere in a URL, strip leading control characters and spaces, and treat a backslash as a
slash, so "/\\t/evil.example" and "/\\\\evil.example" both become "//evil.example", which is another
site. The value is also checked once percent-decoded, since the request that follows the redirect
is decoded by the server. Anything that is not plainly "/" + a path on this site is refused, not
repaired: the caller falls back to a fixed page.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

from flask import url_for

MAX_TARGET_LENGTH = 2048
# What RFC 3986 allows unescaped in a path and query, plus "%" so escapes already present stay as
# they are; everything else (spaces, non-ASCII) is percent-encoded, so the header is plain ASCII.
_UNESCAPED = "/?#[]@!$&'()*+,;=:-._~%"


def _plain_path(text: str) -> bool:
    """An absolute path on the current site: "/" not followed by "/" or "\\", no control character,
    no backslash anywhere."""
    if not text.startswith("/") or text[1:2] in ("/", "\\"):
        return False
    return "\\" not in text and not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text)


def same_site_path(target: str | None) -> str | None:
    """`target` as a same-site path ready for a Location header, or None when it could lead elsewhere."""
    if not target or len(target) > MAX_TARGET_LENGTH:
        return None
    if not (_plain_path(target) and _plain_path(unquote(target))):
        return None
    location = quote(target, safe=_UNESCAPED)
    parts = urlsplit(location)
    if parts.scheme or parts.netloc:
        return None
    return location


def safe_next(target: str | None) -> str:
    """The page to go to after sign-in or a language change: `target` if it is on this site, else home."""
    return same_site_path(target) or url_for("main.home")
