"""Redirects built from request data (`next` after sign-in and on the language form) stay on this site.

Each hostile value is sent the way a browser sends a crafted link (raw query string, or the form
field), and the test reads the Location header actually sent. `resolve_like_a_browser` applies the
WHATWG URL rules that matter here (tab/CR/LF dropped, backslash read as slash, leading spaces and
controls stripped) before resolving against the page, so a header that only looks harmless to
Python's urljoin still fails.
"""

from __future__ import annotations

from urllib.parse import quote, urljoin, urlsplit

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.redirects import MAX_TARGET_LENGTH, same_site_path
from tests.conftest import PASSWORD, Person, csrf_token, examples

SITE = "http://localhost"

# Raw query-string values of `next` (percent-encoding as it appears in the link).
HOSTILE_QUERIES = [
    "https://evil.example/",
    "//evil.example",
    "///evil.example",
    "/%09/evil.example",  # tab, dropped by browsers: "//evil.example"
    "/%0a/evil.example",
    "/%0d/evil.example",
    "%0d%0aSet-Cookie:%20x=1",  # header injection attempt: was a 500
    "/%0d%0aSet-Cookie:%20x=1",
    "/%5Cevil.example",  # "/\evil.example": a backslash is a slash to a browser
    "/%5C/evil.example",
    "%5C%5Cevil.example",
    "/%2F%2Fevil.example",  # decoded by the server to "///evil.example"
    "/%252F/evil.example",  # decoded once more by us: "//evil.example"
    "/%255C/evil.example",
    "%20//evil.example",  # browsers strip leading spaces
    "%09//evil.example",
    "/%00/evil.example",
    "/%C2%85/evil.example",  # NEL, a C1 control
    "/%7F/evil.example",
    "javascript:alert(1)",
    "http:evil.example",
    "evil.example",
    "",
    "/" + "a" * MAX_TARGET_LENGTH,
]

SAFE = [
    ("/members/", "/members/"),
    ("/members/?region=atlantic&inactive=1", "/members/?region=atlantic&inactive=1"),
    ("/audit/motions/3?code=7K2M-Q9XA-4T1B-ZR8W", "/audit/motions/3?code=7K2M-Q9XA-4T1B-ZR8W"),
    ("/membres/réunion", "/membres/r%C3%A9union"),
    ("/search?q=a b", "/search?q=a%20b"),
]


def resolve_like_a_browser(location: str, base: str = f"{SITE}/login") -> tuple[str, str]:
    """(scheme, host) a browser would go to for this Location header."""
    cleaned = location.strip("".join(map(chr, range(0x21))))
    cleaned = cleaned.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    target = urlsplit(urljoin(base, cleaned))
    return target.scheme, target.netloc


def assert_same_site(location: str) -> None:
    assert location.isascii() and location.isprintable(), repr(location)
    assert location.startswith("/") and not location.startswith("//"), repr(location)
    assert resolve_like_a_browser(location) == ("http", "localhost"), repr(location)


def sign_in_with_next(client: FlaskClient, raw_query_value: str) -> str:
    token = csrf_token(client, "/login")
    response = client.post(f"/login?next={raw_query_value}",
                           data={"csrf_token": token, "email": "admin@example.org", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    return response.headers["Location"]


@pytest.mark.parametrize("raw", HOSTILE_QUERIES)
def test_hostile_next_after_sign_in_goes_home(client: FlaskClient, people: dict[str, Person], raw: str) -> None:
    location = sign_in_with_next(client, raw)
    assert location == "/home"


@pytest.mark.parametrize(("target", "expected"), SAFE)
def test_same_site_next_after_sign_in_is_kept(client: FlaskClient, people: dict[str, Person], target: str,
                                              expected: str) -> None:
    assert sign_in_with_next(client, quote(target, safe="")) == expected


def change_language(client: FlaskClient, token: str, next_value: str) -> str:
    response = client.post("/language", data={"csrf_token": token, "lang": "fr", "next": next_value})
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


@pytest.mark.parametrize("raw", HOSTILE_QUERIES)
def test_hostile_next_on_the_language_form_goes_home(client: FlaskClient, raw: str) -> None:
    from urllib.parse import unquote

    token = csrf_token(client, "/login")
    assert change_language(client, token, unquote(raw)) == "/home"


def test_language_form_returns_to_the_page_it_was_on(client: FlaskClient) -> None:
    token = csrf_token(client, "/login")
    assert change_language(client, token, "/audit/?page=2") == "/audit/?page=2"


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(next_value=st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
       | st.builds(lambda a, b: a + b, st.sampled_from(["/", "//", "/\\", "\\", " /", "/\t/", "http:", "/%2F"]),
                   st.text(st.characters(exclude_categories=("Cs",)), max_size=20)))
def test_whatever_next_is_the_location_is_a_same_site_path(client: FlaskClient, next_value: str) -> None:
    token = csrf_token(client, "/login")
    assert_same_site(change_language(client, token, next_value))
    # the same value arriving percent-encoded in a link's query string
    response = client.post("/language", data={"csrf_token": token, "lang": "en", "next": quote(next_value, safe="/:%\\")})
    assert_same_site(response.headers["Location"])


@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=60))
def test_same_site_path_output_is_plain_ascii_on_this_site(target: str) -> None:
    location = same_site_path(target)
    if location is not None:
        assert_same_site(location)
