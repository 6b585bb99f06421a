"""Every page a person can reach by following links from each role's home, on the demo federation
(with its history of motions of every method), answers without a server error, in both languages."""

from __future__ import annotations

from collections import deque

import pytest
from flask import Flask

from app import demo
from tests.app.conftest import internal_links
from tests.conftest import post_form, sign_in

# Whole-site walks: the full tier (`make test`) runs them, `make check` leaves them out.
pytestmark = pytest.mark.site

ACCOUNTS = ("admin", "chair", "auditor", "observer", "delegate.halifax", None)


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("account", ACCOUNTS)
def test_no_link_leads_to_a_server_error(demo_app: Flask, account: str | None, lang: str) -> None:
    client = demo_app.test_client()
    start = "/login"
    if account is not None:
        assert sign_in(client, f"{account}@demo.example", demo.DEMO_PASSWORD).status_code == 302
        start = "/home"
    post_form(client, "/language", {"lang": lang, "next": start}, token_from=start)
    seen: set[str] = set()
    queue = deque([start, "/audit/"])
    failures = []
    while queue and len(seen) < 400:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
            continue
        if not response.content_type.startswith("text/html"):
            continue
        queue.extend(href for href in internal_links(response.get_data(as_text=True)) if href not in seen)
    assert not failures, failures
    assert len(seen) > 10, f"only {len(seen)} pages reached from {start}"
