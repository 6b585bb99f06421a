"""Fixtures for the web layer: a fresh app on its own migrated SQLite database per test.

The schema is built once per session by running the real Alembic migrations; each test
gets a copy of that file, so tests are isolated and still exercise the migrations.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from jinja2.bccache import Bucket, BytecodeCache
from werkzeug.routing import Rule
from sqlalchemy import update
from werkzeug.security import generate_password_hash

from app import create_app
from app.extensions import db
from app.models import DelegateRank, Member, Role, User

# Hypothesis: `make test` runs each property at the count its test asks for (`examples(n)` is n);
# `make check` sets LIPVOTE_HYPOTHESIS=check, a profile that caps every count, those of properties
# with no count of their own included, so that the edit-test loop stays short.
HYPOTHESIS_PROFILE = os.environ.get("LIPVOTE_HYPOTHESIS", "full")
CHECK_EXAMPLES = 10
settings.register_profile("full")
settings.register_profile("check", max_examples=CHECK_EXAMPLES)
settings.load_profile(HYPOTHESIS_PROFILE)


def examples(wanted: int) -> int:
    """A property's example count: `wanted`, capped under the `check` profile."""
    return min(wanted, CHECK_EXAMPLES) if HYPOTHESIS_PROFILE == "check" else wanted


PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class SharedTemplateCode(BytecodeCache):
    """Compiled templates shared by every app of a test process. Each test makes a fresh app,
    whose Jinja environment would otherwise compile every template it renders again: a quarter
    of the fast tier's time. Jinja checks each template's source checksum before using the code."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


def share_url_builders() -> None:
    """Build each route's URL builder once per test process instead of once per app: werkzeug
    generates and compiles Python source for every rule of every new app (nine tenths of
    `create_app`). The generated function takes the rule as an argument, and is fully decided
    by the rule's text, its parsed parts, its defaults and the flag, which make the key."""
    original = getattr(Rule, "_compile_builder", None)
    if original is None or getattr(original, "shared", False):
        return  # another werkzeug, or already done: apps build their own, only slower
    built: dict[tuple[object, ...], Any] = {}

    def compile_builder(rule: Rule, append_unknown: bool = True) -> Any:
        key = (rule.rule, rule.host, rule.subdomain, tuple(rule._trace),
               repr(sorted((rule.defaults or {}).items())), append_unknown)
        if key not in built:
            built[key] = original(rule, append_unknown)
        return built[key]

    compile_builder.shared = True  # type: ignore[attr-defined]
    Rule._compile_builder = compile_builder  # type: ignore[method-assign]


share_url_builders()


def make_app(instance: Path, database: Path, **overrides: Any) -> Flask:
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "LIPVOTE_CHECK_WRITE_TRANSACTIONS": True,
        # Tests turn two-factor sign-in on where they test it (tests/app/test_two_factor.py runs
        # the default configuration), so the other tests sign in with a password alone.
        "LIPVOTE_TWO_FACTOR_ROLES": "none",
    }
    config.update(overrides)
    application = create_app(config)
    application.jinja_env.bytecode_cache = TEMPLATE_CODE
    return application


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from flask_migrate import upgrade

    folder = tmp_path_factory.mktemp("schema")
    database = folder / "template.sqlite3"
    app = make_app(folder, database)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database


@pytest.fixture
def app(tmp_path: Path, migrated_database: Path) -> Iterator[Flask]:
    """A fresh app on its own database. No context is held open: each request (and each
    `with app.app_context()` block in a test) gets its own, as in production."""
    database = tmp_path / "lipvote.sqlite3"
    shutil.copyfile(migrated_database, database)
    application = make_app(tmp_path, database)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, migrated_database: Path) -> Path:
    """An instance folder (database and signing key) with the demo federation loaded, once per
    test process: loading it takes a second or more, and many tests read it without changing it."""
    from app import demo

    folder = tmp_path_factory.mktemp("demo")
    database = folder / DEMO_DATABASE
    shutil.copyfile(migrated_database, database)
    application = make_app(folder, database)
    with application.app_context():
        demo.load()
        # Sign-ins still check the demo password, against the tests' cheap hash (see password_hash).
        db.session.execute(update(User).values(password_hash=password_hash(demo.DEMO_PASSWORD)))
        db.session.commit()
        db.engine.dispose()
    return folder


DEMO_DATABASE = "lipvote.sqlite3"


@pytest.fixture
def demo_app(tmp_path: Path, demo_template: Path) -> Iterator[Flask]:
    """A fresh app on its own copy of the demo (the signing key with it, so that what the test
    appends is signed by the key the demo's logs name)."""
    instance = tmp_path / "demo-instance"
    shutil.copytree(demo_template, instance, ignore=shutil.ignore_patterns("*.writers"))
    application = make_app(instance, instance / DEMO_DATABASE)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


def add_member(slug: str, **fields: Any) -> Member:
    values: dict[str, Any] = dict(
        slug=slug, name_en=f"{slug} LIP", name_fr=f"PLI {slug}", province="ON", region="ontario",
        setting="urban", size_class="medium", population=100_000, holder_type="spo", clusters="", active=True,
    )
    values.update(fields)
    member = Member(**values)
    db.session.add(member)
    db.session.flush()
    return member


@cache
def password_hash(password: str) -> str:
    """A test account's stored hash, made once per password. Sign-in checks it for real, but with
    few PBKDF2 rounds: the app's scrypt costs about 0.1-0.2 s of CPU per sign-in, and the tests
    sign in hundreds of times. Passwords the app hashes itself (invitations, resets) stay scrypt."""
    return generate_password_hash(password, method="pbkdf2:sha256:1000")


def add_user(email: str, role: Role, member: Member | None = None, rank: DelegateRank | None = None,
             locale: str = "en", password: str | None = PASSWORD) -> User:
    user = User(email=email, display_name=email.split("@")[0].title(), role=role, member=member,
                delegate_rank=rank, locale=locale)
    if password is not None:
        user.password_hash = password_hash(password)
    db.session.add(user)
    db.session.flush()
    return user


@dataclass(frozen=True)
class Person:
    id: int
    email: str


@pytest.fixture
def people(app: Flask) -> dict[str, Person]:
    """Two members and one account per role (delegate bound to the first member)."""
    with app.app_context():
        return _add_people()


def _add_people() -> dict[str, Person]:
    halifax = add_member("halifax", name_en="Halifax LIP", name_fr="PLI d'Halifax", province="NS", region="atlantic",
                         holder_type="municipal")
    add_member("bow-valley", name_en="Bow Valley Immigration Partnership",
               name_fr="Partenariat en immigration de la vallée de la Bow", province="AB", region="prairies_nt",
               setting="rural", size_class="small", population=30_000)
    users = {
        "admin": add_user("admin@example.org", Role.ADMIN),
        "chair": add_user("chair@example.org", Role.CHAIR),
        "delegate": add_user("delegate@example.org", Role.DELEGATE, halifax, DelegateRank.PRIMARY),
        "auditor": add_user("auditor@example.org", Role.AUDITOR),
        "observer": add_user("observer@example.org", Role.OBSERVER),
    }
    db.session.commit()
    return {role: Person(user.id, user.email) for role, user in users.items()}


def csrf_token(client: FlaskClient, url: str) -> str:
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    if match is None:
        raise AssertionError(f"no CSRF token on {url} (status {page.status_code})")
    return match.group(1) or match.group(2)


def post_form(client: FlaskClient, url: str, data: dict[str, Any], token_from: str | None = None, **kwargs: Any) -> Any:
    """POST like a browser would: first load the page the form lives on to get its CSRF token."""
    payload = dict(data)
    payload["csrf_token"] = csrf_token(client, token_from or url)
    return client.post(url, data=payload, **kwargs)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return post_form(client, "/login", {"email": email, "password": password})


@pytest.fixture
def login(client: FlaskClient, people: dict[str, Person]) -> Callable[[str], FlaskClient]:
    def as_role(role: str) -> FlaskClient:
        response = sign_in(client, people[role].email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return as_role
