"""The French catalogue: complete, consistent with the code, and actually used to render pages.

A UI string added to app/ or templates/ without a French translation fails
`test_every_string_in_the_sources_is_in_the_french_catalogue`; `make messages` merges it into
app/translations/fr/LC_MESSAGES/messages.po, where it then needs a msgstr.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from app.extensions import db
from app.models import Member
from app.paths import PROJECT_ROOT, TRANSLATIONS_DIR
from tests.app.conftest import compile_catalogue
from tests.conftest import Person, post_form, sign_in

TEMPLATE = TRANSLATIONS_DIR / "messages.pot"
FRENCH = TRANSLATIONS_DIR / "fr" / "LC_MESSAGES" / "messages.po"
# The same options as the Makefile's `messages` target.
EXTRACT_OPTIONS = ["-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-location", "--sort-output"]

# A printf-style conversion as Python's % operator reads it: %(name)s, %d, %r, %%, %-5.2f ...
PLACEHOLDER_RE = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])")
# A field the browser scripts fill in (app/static/ranking.js): {option}, {position}, {count}.
BRACE_FIELD_RE = re.compile(r"\{[A-Za-z_]\w*\}")

MessageId = str | tuple[str, ...]


def load(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def real_messages(catalogue: Catalog) -> list[Message]:
    return [message for message in catalogue if message.id]


def msgids(catalogue: Catalog) -> set[MessageId]:
    return {message.id for message in real_messages(catalogue)}


def show(ids: set[MessageId]) -> str:
    return "\n".join(sorted(repr(i) for i in ids))


def placeholders(text: str) -> set[str]:
    """The conversions a string's %-formatting consumes (`%%` is a literal and is left out),
    and the {field}s a browser script substitutes."""
    found = set(BRACE_FIELD_RE.findall(text))
    for match in PLACEHOLDER_RE.finditer(text):
        if match["conv"] != "%":
            found.add(match.group(0) if match["name"] is None else f"%({match['name']}){match['conv']}")
    return found


class AnyArgument(dict[str, object]):
    """Stands for the keyword arguments of a gettext call: every name is there, as 1."""

    def __missing__(self, key: str) -> object:
        return 1


def formats(text: str) -> bool:
    """Whether `text % arguments` works, as flask-babel and Jinja's gettext apply it."""
    try:
        text % AnyArgument()
    except (TypeError, ValueError, KeyError):
        return False
    return True


@pytest.fixture(scope="module")
def french() -> Catalog:
    return load(FRENCH, "fr")


# --- the helper itself --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Saved %(name)s.", {"%(name)s"}),
        ("Unknown IRCC region %(code)r; use one of %(known)s.", {"%(code)r", "%(known)s"}),
        ("%(num)d member", {"%(num)d"}),
        ("100%% sure, %d of %5.1f", {"%d", "%5.1f"}),
        ("No placeholder here.", set()),
        ("{option}: now number {position} of {count}.", {"{option}", "{position}", "{count}"}),
    ],
)
def test_placeholders_are_read_like_the_percent_operator(text: str, expected: set[str]) -> None:
    assert placeholders(text) == expected


def test_formats_tells_a_literal_percent_sign_from_a_broken_one() -> None:
    assert formats("%(need)d needed (%(pct)s of %(total)d)") and formats("100 %% sûr")
    assert not formats("50 % de %(total)d") and not formats("0 % is perfect equality")


# --- catalogue completeness ---------------------------------------------------------------

def test_header_declares_french_plural_rule(french: Catalog) -> None:
    assert str(french.locale) == "fr"
    assert french.mime_headers and dict(french.mime_headers)["Language"] == "fr"
    assert french.plural_forms == "nplurals=2; plural=(n > 1);"
    assert not french.fuzzy, "the catalogue header is marked fuzzy"


def test_every_message_has_every_form_translated(french: Catalog) -> None:
    untranslated = []
    for message in real_messages(french):
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = french.num_plurals if message.pluralizable else 1
        if len(forms) != wanted or not all(form and form.strip() for form in forms):
            untranslated.append(message.id)
    assert not untranslated, f"{len(untranslated)} French msgstr empty or missing forms:\n" + "\n".join(map(repr, untranslated))


def test_no_fuzzy_entries(french: Catalog) -> None:
    fuzzy = [message.id for message in real_messages(french) if message.fuzzy]
    assert not fuzzy, "fuzzy entries (check the translation, then remove the flag):\n" + "\n".join(map(repr, fuzzy))


def test_translations_keep_the_placeholders_of_the_source(french: Catalog) -> None:
    mismatches = []
    for message in real_messages(french):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        # French uses msgstr[0] for 0 and 1, so each form must accept every argument the ids use.
        wanted = set().union(*(placeholders(i) for i in ids))
        for index, form in enumerate(forms):
            got = placeholders(form or "")
            if got != wanted:
                mismatches.append(f"{ids[0]!r} form {index}: got {sorted(got)}, want {sorted(wanted)}")
    assert not mismatches, "\n".join(mismatches)


def test_translations_format_wherever_the_source_does(french: Catalog) -> None:
    # French writes "50 %" with a space, which the % operator reads as a conversion: in a
    # string that is formatted (template strings always are) the sign must be written %%.
    broken = []
    for message in real_messages(french):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(formats(i) for i in ids):
            broken += [f"{ids[0]!r} form {n}: {form!r}" for n, form in enumerate(forms) if form and not formats(form)]
    assert not broken, "translations that raise when formatted:\n" + "\n".join(broken)


def test_babel_checkers_accept_the_catalogue(french: Catalog) -> None:
    problems = [f"{message.id!r}: {errors}" for message, errors in french.check()]
    assert not problems, "\n".join(problems)


def test_template_and_french_catalogue_have_the_same_msgids(french: Catalog) -> None:
    template = msgids(load(TEMPLATE))
    catalogue = msgids(french)
    assert not template - catalogue, "in messages.pot, missing from fr (run `make messages`):\n" + show(template - catalogue)
    assert not catalogue - template, "in fr, not in messages.pot (run `make messages`):\n" + show(catalogue - template)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The msgids in the sources now, extracted exactly as `make messages` does."""
    output = tmp_path_factory.mktemp("extract") / "messages.pot"
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", *EXTRACT_OPTIONS, "-o", str(output), "."],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    return load(output)


def test_extraction_finds_the_ui_strings(extracted: Catalog) -> None:
    # Guards the guard: one string from a template, one from Python code, one lazy, one plural.
    ids = msgids(extracted)
    assert {"Skip to main content", "You are signed out.", "Atlantic", ("%(num)d member", "%(num)d members")} <= ids


def test_every_string_in_the_sources_is_in_the_french_catalogue(extracted: Catalog, french: Catalog) -> None:
    missing = msgids(extracted) - msgids(french)
    assert not missing, (
        f"{len(missing)} UI string(s) have no French entry: run `make messages`, then translate them in "
        f"{FRENCH.relative_to(PROJECT_ROOT)}:\n" + show(missing)
    )


def test_compiled_catalogue_carries_every_translation(french: Catalog, tmp_path: Path) -> None:
    mo_path = tmp_path / "messages.mo"
    compile_catalogue(FRENCH, mo_path)
    with mo_path.open("rb") as handle:
        compiled = read_mo(handle)
    def table(catalogue: Catalog) -> dict[MessageId, MessageId]:
        # read_mo gives plural ids and forms as lists, read_po as tuples.
        return {
            tuple(m.id) if isinstance(m.id, (list, tuple)) else m.id:
            tuple(m.string) if isinstance(m.string, (list, tuple)) else m.string
            for m in real_messages(catalogue)
        }

    # write_mo leaves out untranslated and fuzzy messages (the tests above reject those anyway).
    shipped = Catalog(locale="fr")
    for message in real_messages(french):
        if message.string and not message.fuzzy:
            shipped[message.id] = message
    assert table(compiled) == table(shipped)


def test_the_session_compiled_the_catalogue_in_use() -> None:
    mo_path = FRENCH.with_suffix(".mo")
    assert mo_path.exists() and mo_path.stat().st_mtime >= FRENCH.stat().st_mtime


# --- pages rendered in French -------------------------------------------------------------

def page(client: FlaskClient, url: str, **kwargs: object) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def choose_french(client: FlaskClient, back_to: str) -> None:
    response = post_form(client, "/language", {"lang": "fr", "next": back_to}, token_from=back_to)
    assert response.status_code == 302 and response.headers["Location"].endswith(back_to)


def test_login_page_follows_a_canadian_french_browser(client: FlaskClient) -> None:
    body = page(client, "/login", headers={"Accept-Language": "fr-CA,fr;q=0.9,en-CA;q=0.8"})
    assert '<html lang="fr">' in body
    for text in ("Se connecter", "Adresse courriel", "Mot de passe", "Garder ma session ouverte sur cet appareil",
                 "Passer au contenu principal", "Pas encore de compte?"):
        assert text in body, text
    assert "Sign in" not in body and "E-mail address" not in body


def test_login_page_stays_english_for_an_english_browser(client: FlaskClient) -> None:
    body = page(client, "/login", headers={"Accept-Language": "en-CA,en;q=0.9,fr;q=0.5"})
    assert '<html lang="en">' in body and "Sign in" in body and "Se connecter" not in body


def test_anonymous_choice_of_french_overrides_the_browser(client: FlaskClient) -> None:
    choose_french(client, "/login")
    body = page(client, "/login", headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in body and "Se connecter" in body
    # The switch offers the way back, labelled in its own language.
    assert '<button type="submit" class="link-button" lang="en">English</button>' in body


def test_delegate_home_in_french_and_the_choice_is_kept_on_the_account(
    app: Flask, client: FlaskClient, people: dict[str, Person], login: Callable[[str], FlaskClient],
) -> None:
    login("delegate")
    assert "Delegate for Halifax LIP" in page(client, "/home")
    choose_french(client, "/home")
    body = page(client, "/home")
    assert '<html lang="fr">' in body
    # Member names are data, escaped by Jinja inside the translated sentence.
    halifax = str(escape("PLI d'Halifax"))
    assert halifax == "PLI d&#39;Halifax"
    assert f"Délégué(e) du membre {halifax}" in body
    for text in ("Votre membre", "Nouvelle-Écosse", "Région d’IRCC", "Atlantique", "Municipalité",
                 "Délégué(e) principal(e)", "La fédération", "2 PLI membres actifs", "Se déconnecter"):
        assert text in body, text
    assert "Your member" not in body

    # A new browser session (no language cookie) still gets French after signing in.
    other = app.test_client()
    assert sign_in(other, people["delegate"].email).status_code == 302
    assert "Votre membre" in page(other, "/home", headers={"Accept-Language": "en"})


def test_french_singular_covers_one_member(app: Flask, login: Callable[[str], FlaskClient]) -> None:
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.slug == "bow-valley"))
        assert member is not None
        member.active = False
        db.session.commit()
    client = login("chair")
    choose_french(client, "/home")
    body = page(client, "/home")
    assert "1 PLI membre actif · 1 inactif" in body
    assert "Présidence" in body


def test_member_registry_in_french(login: Callable[[str], FlaskClient]) -> None:
    client = login("admin")
    choose_french(client, "/members/")
    body = page(client, "/members/")
    assert "PLI d&#39;Halifax" in body
    assert "Partenariat en immigration de la vallée de la Bow" in body
    assert "Halifax LIP" not in body and "Bow Valley Immigration Partnership" not in body
    for text in ("Registre des membres", "2 membres", "Toutes les régions", "Prairies et Territoires du Nord",
                 "Organisme fournisseur de services (FS)", "Population desservie", "Désactiver", "Rural"):
        assert text in body, text


def test_error_page_in_french(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept-Language": "fr"})
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page introuvable" in body and "Erreur 404." in body and "Retour à la page d’accueil" in body
