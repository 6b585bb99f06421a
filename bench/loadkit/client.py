"""One browser session against the local server: cookies, CSRF tokens, timings.

Each simulated person has its own `Session` (its own cookie jar and `http.client` connection,
reopened by itself when the server closes it: gunicorn's sync workers answer one request per
connection). Only 127.0.0.1 is ever contacted.

A request that fails tells *why*: `NotSent` when the server refused the connection (nothing
reached it, so repeating is safe), `Unanswered` when the request may have reached it but no
answer came back (a worker killed mid-request): its outcome is unknown.
"""

from __future__ import annotations

import http.client
import re
import time
import urllib.parse
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Sequence

from bench.loadkit.server import HOST

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
Form = Sequence[tuple[str, str]]


class NotSent(ConnectionError):
    """The server refused the connection: the request never reached it."""


class Unanswered(ConnectionError):
    """The request was sent (or may have been) and no answer came: its effect is unknown."""


class UnexpectedPage(AssertionError):
    """A page lacked what a browser would have found on it (a form's CSRF token, a redirect)."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    location: str | None
    seconds: float

    def path_of_location(self) -> str:
        if self.location is None:
            raise UnexpectedPage(f"no Location in a {self.status} answer")
        return urllib.parse.urlsplit(self.location).path

    def csrf_token(self) -> str:
        match = CSRF.search(self.body)
        if match is None:
            raise UnexpectedPage(f"no CSRF token on a {self.status} page")
        return match.group(1)


class Session:
    def __init__(self, port: int, timeout: float = 60) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(HOST, port, timeout=timeout)

    def close(self) -> None:
        self.connection.close()

    def request(self, method: str, path: str, form: Form | None = None, keep_cookies: bool = True) -> Reply:
        headers = {"Accept": "text/html,application/json"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(list(form)).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        if self.connection.sock is None:
            try:
                self.connection.connect()
            except ConnectionRefusedError as e:
                self.connection.close()
                raise NotSent(str(e)) from e
            except OSError as e:
                self.connection.close()
                raise Unanswered(f"connect: {e}") from e
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException) as e:
            self.connection.close()
            raise Unanswered(f"{method} {path}: {type(e).__name__}: {e}") from e
        seconds = time.perf_counter() - started
        if keep_cookies:
            self._keep_cookies(response.msg.get_all("Set-Cookie") or [])
        if response.will_close:
            self.connection.close()
        return Reply(response.status, text, response.getheader("Location"), seconds)

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: Form, keep_cookies: bool = True) -> Reply:
        return self.request("POST", path, form, keep_cookies)

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            pair, *attributes = header.split(";")
            name, _, value = pair.strip().partition("=")
            expired = False
            for attribute in attributes:
                key, _, setting = attribute.strip().partition("=")
                if key.lower() == "max-age" and setting.strip() in ("0", "-1"):
                    expired = True
                elif key.lower() == "expires":
                    try:
                        expired = expired or parsedate_to_datetime(setting).timestamp() < time.time()
                    except (TypeError, ValueError):
                        pass
            if expired:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def sign_in(self, email: str, password: str) -> Reply:
        """Load the sign-in page, then post it; a 302 means signed in."""
        token = self.get("/login").csrf_token()
        return self.post("/login", [("csrf_token", token), ("email", email), ("password", password)])
