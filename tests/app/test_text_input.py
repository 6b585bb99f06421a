"""Stored text: NFC, no invisible or control characters, compared after normalisation.

One validator (app/text_input.py) serves the member form and CSV import, the account form, the
motion form (titles, texts, option labels, meeting names), sign-in and the command line; each is
tried here with the characters that made two members look identical in the proxy list.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from app.extensions import db
from app.models import Member, User
from app.motions.models import Meeting, Motion
from app.text_input import clean_line, comparison_key, refused_character
from tests.conftest import PASSWORD, Person, make_app, post_form, sign_in

NFD_CAFE = unicodedata.normalize("NFD", "Café")
HOSTILE = {
    "bidi override": "Halton\u202eLIP",
    "right-to-left mark": "Halton LIP\u200f",
    "zero-width space": "Hal\u200bton LIP",
    "zero-width joiner": "Halton\u200dLIP",
    "byte order mark": "\ufeffHalton LIP",
    "soft hyphen": "Hal\u00adton LIP",
    "C0 control": "Halton\x07LIP",
    "tab": "Halton\tLIP",
    "newline": "Halton\nLIP",
    "DEL": "Halton\x7fLIP",
    "C1 control": "Halton\x85LIP",
    "line separator": "Halton\u2028LIP",
    "Hangul filler": "Halton \u3164LIP",
    "variation selector": "Halton\ufe0f LIP",
    "private use": "Halton \ue000LIP",
}


# --- the shared rules ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_invisible_and_control_characters_are_named(value: str) -> None:
    refused = refused_character(value)
    assert refused is not None and refused.startswith("U+")


def test_multiline_text_keeps_line_breaks_and_tabs_only() -> None:
    assert refused_character("First line\n\tindented", multiline=True) is None
    assert refused_character("a\u2028b", multiline=True) == "U+2028 (LINE SEPARATOR)"
    assert refused_character("a\u202eb", multiline=True) == "U+202E (RIGHT-TO-LEFT OVERRIDE)"


def test_ordinary_text_in_any_script_is_accepted() -> None:
    for value in ("Partenariat local d’immigration de Peel", "Ōtautahi", "多伦多", "Санкт", "مونتريال", "🙂 LIP"):
        assert refused_character(value) is None, value


def test_one_line_text_is_nfc_with_single_spaces() -> None:
    assert clean_line(f"  {NFD_CAFE}\u00a0\u00a0du\u3000Port  ") == "Café du Port"
    assert unicodedata.is_normalized("NFC", clean_line(NFD_CAFE))


@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=20))
def test_comparison_key_ignores_normal_form_case_and_spacing(value: str) -> None:
    key = comparison_key(value)
    for variant in (unicodedata.normalize("NFD", value), value.upper(), f" {value}  ", value.replace(" ", "  ")):
        assert comparison_key(variant) == key


# --- member form and CSV import -----------------------------------------------------------------


def member_fields(**change: str) -> dict[str, str]:
    fields = {"slug": "sudbury", "name_en": "Sudbury LIP", "name_fr": "PLI de Sudbury", "province": "ON",
              "setting": "urban", "size_class": "medium", "population": "", "holder_type": "municipal",
              "clusters": "", "active": "y"}
    fields.update(change)
    return fields


def stored_member(app: Flask, slug: str) -> Member | None:
    with app.app_context():
        return db.session.scalar(select(Member).where(Member.slug == slug))


@pytest.mark.parametrize("field", ["name_en", "name_fr", "clusters"])
@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_member_form_refuses_invisible_characters(app: Flask, client: FlaskClient, login, field: str, value: str) -> None:
    login("admin")
    response = post_form(client, "/members/new", member_fields(**{field: value}))
    assert response.status_code == 422
    assert "invisible and control characters are not accepted" in response.get_data(as_text=True)
    assert stored_member(app, "sudbury") is None


def test_member_names_are_stored_in_nfc(app: Flask, client: FlaskClient, login) -> None:
    login("admin")
    response = post_form(client, "/members/new", member_fields(name_en=f"{NFD_CAFE}  LIP", name_fr=f"PLI {NFD_CAFE}"))
    assert response.status_code == 302
    member = stored_member(app, "sudbury")
    assert member is not None and (member.name_en, member.name_fr) == ("Café LIP", "PLI Café")


@pytest.mark.parametrize("lookalike", ["Halifax LIP", "HALIFAX LIP", "halifax  lip", "Ｈａｌｉｆａｘ LIP",
                                       "Halifax\u00a0LIP"])
def test_a_member_name_that_looks_like_another_is_refused(app: Flask, client: FlaskClient, login, lookalike: str) -> None:
    login("admin")
    response = post_form(client, "/members/new", member_fields(name_en=lookalike))
    assert response.status_code == 422
    assert "Another member (halifax) already has this name" in response.get_data(as_text=True)
    # the member itself may keep its name when edited
    own = post_form(client, "/members/halifax/edit", member_fields(slug="halifax", name_en="Halifax LIP",
                                                                    name_fr="PLI d'Halifax", province="NS"))
    assert own.status_code == 302, own.get_data(as_text=True)


def test_identifiers_are_ascii_as_typed(app: Flask, client: FlaskClient, login) -> None:
    login("admin")
    # "\u0130".lower() is "i" + a combining dot; fullwidth letters are not the ASCII ones
    for slug in ("\uff4bingston", "\u0130nuvik", "sud\u0131bury", "sud\u200bbury"):
        response = post_form(client, "/members/new", member_fields(slug=slug))
        assert response.status_code == 422, slug
        assert "lower-case letters, digits and hyphens" in response.get_data(as_text=True)
    assert stored_member(app, "kingston") is None and stored_member(app, "inuvik") is None


def test_csv_import_applies_the_same_rules(app: Flask, client: FlaskClient, login) -> None:
    login("admin")
    header = "slug,name_en,name_fr,province,setting,size_class,holder_type\r\n"
    rows = (f"sudbury,{NFD_CAFE} LIP,PLI {NFD_CAFE},ON,urban,medium,spo\r\n"  # 2: fine, stored in NFC
            "timmins,Tim\u202emins LIP,PLI de Timmins,ON,rural,small,spo\r\n"  # 3: bidi override
            "ottawa,HALIFAX lip,PLI d’Ottawa,ON,urban,large,spo\r\n"  # 4: looks like a registered name
            "kenora,Café LIP,PLI de Kenora,ON,rural,small,spo\r\n")  # 5: same name as line 2 once normalised
    response = post_form(client, "/members/import", {"file": (io.BytesIO((header + rows).encode()), "m.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r"<td>3</td><td>name_en</td><td>Remove the character U\+202E", page)
    assert re.search(r"<td>4</td><td>name_en</td><td>Another member \(halifax\)", page)
    assert re.search(r"<td>5</td><td>name_en</td><td>Same name as line 2", page)
    fine = post_form(client, "/members/import",
                     {"file": (io.BytesIO((header + rows.splitlines(keepends=True)[0]).encode()), "m.csv")},
                     content_type="multipart/form-data")
    assert fine.status_code == 302
    assert stored_member(app, "sudbury").name_en == "Café LIP"


# --- accounts and sign-in -----------------------------------------------------------------------


def account_fields(**change: str) -> dict[str, str]:
    fields = {"email": "new.person@example.org", "display_name": "New Person", "role": "observer",
              "member": "", "delegate_rank": "", "locale": "en"}
    fields.update(change)
    return fields


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_account_names_refuse_invisible_characters(app: Flask, client: FlaskClient, login, value: str) -> None:
    login("admin")
    response = post_form(client, "/accounts/new", account_fields(display_name=value))
    assert response.status_code == 422
    assert "invisible and control characters are not accepted" in response.get_data(as_text=True)


def test_accounts_store_nfc_and_sign_in_matches_any_normal_form(app: Flask, client: FlaskClient, login,
                                                               people: dict[str, Person]) -> None:
    login("admin")
    nfd_email = unicodedata.normalize("NFD", "rené@example.org")
    response = post_form(client, "/accounts/new", account_fields(email=nfd_email, display_name=f"René {NFD_CAFE}"))
    assert response.status_code == 201, response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.display_name == "René Café"))
        assert user is not None and user.email == "rené@example.org"
        user.password_hash = db.session.get(User, people["admin"].id).password_hash
        db.session.commit()
    again = post_form(client, "/accounts/new", account_fields(email="RENÉ@example.org", display_name="Other"))
    assert again.status_code == 422 and "Another account already uses this address." in again.get_data(as_text=True)
    fresh = client.application.test_client()
    assert sign_in(fresh, nfd_email, PASSWORD).status_code == 302
    assert sign_in(fresh.application.test_client(), "René@example.org", PASSWORD).status_code == 302


def test_create_admin_refuses_invisible_characters_in_the_name(app: Flask) -> None:
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["create-admin", "root@example.org", "Root\u202e Admin"])
    assert refused.exit_code != 0 and "U+202E" in refused.output
    created = runner.invoke(args=["create-admin", "root@example.org", f"Root  {NFD_CAFE}"])
    assert created.exit_code == 0, created.output
    with app.app_context():
        assert db.session.scalar(select(User.display_name).where(User.email == "root@example.org")) == "Root Café"


# --- motions ------------------------------------------------------------------------------------

MOTION = {
    "title_en": "Adopt the budget", "title_fr": "Adopter le budget", "text_en": "", "text_fr": "",
    "method": "plurality", "options-0-en": "Ana", "options-0-fr": "Ana", "options-1-en": "Bo", "options-1-fr": "Bo",
    "seats": "1", "threshold": "majority_cast",
    "quorum_members": "", "quorum_weight": "", "dm_regions": "", "weight_policy": "equal",
    "opens_at": "", "closes_at": "", "meeting_id": "", "new_meeting_en": "", "new_meeting_fr": "", "agenda_order": "0",
}


def field_error(page: str, field: str) -> str:
    block = re.search(rf'<div id="{field}-help" class="help">(.*?)</div>', page, re.S)
    return block.group(1) if block else ""


@pytest.mark.parametrize(("field", "value"), [
    ("title_en", "Adopt\u202e the budget"), ("title_fr", "Adopter\u200b le budget"), ("title_en", "Adopt\tit"),
    ("new_meeting_en", "AGM\u2066 2026"), ("new_meeting_fr", "AGA\u2066 2026"), ("text_en", "Whereas\u202e ..."),
    ("text_fr", "Attendu\x0b que"), ("options-0-en", "An\u200ba"), ("options-0-fr", "Ana\u2028"),
])
def test_motion_text_refuses_invisible_characters(app: Flask, login, field: str, value: str) -> None:
    client = login("chair")
    response = post_form(client, "/motions/new", dict(MOTION, **{field: value}))
    assert response.status_code == 422
    assert "invisible and control characters are not accepted" in field_error(response.get_data(as_text=True), field)
    with app.app_context():
        assert db.session.scalar(select(Motion)) is None


@pytest.mark.parametrize("options", [
    (("Café", "Café"), (NFD_CAFE, NFD_CAFE)),  # the same label in NFC and NFD
    (("Ana Silva", "Ana Silva"), ("ANA  SILVA", "Ana S.")),
    (("Ana", "Ana"), ("Bo", "ana")),  # a French label like another option's English one is fine; "ana" twice in fr is not
])
def test_two_options_that_look_the_same_are_refused(app: Flask, login, options: tuple[tuple[str, str], ...]) -> None:
    client = login("chair")
    rows = {f"options-{i}-{lang}": label for i, pair in enumerate(options) for lang, label in zip(("en", "fr"), pair)}
    page = post_form(client, "/motions/new", dict(MOTION, **rows)).get_data(as_text=True)
    assert "delegates could not tell the two options apart" in field_error(page, "options-1-en")


def test_motion_text_is_stored_in_nfc_with_line_breaks(app: Flask, login) -> None:
    client = login("chair")
    response = post_form(client, "/motions/new", dict(
        MOTION, title_en=f"{NFD_CAFE}  budget", text_en=f"First\r\n\tsecond {NFD_CAFE}",
        **{"options-0-en": f"Ana {NFD_CAFE}"}, new_meeting_en=f"AGM {NFD_CAFE}", new_meeting_fr=f"AGA {NFD_CAFE}"))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        motion = db.session.scalar(select(Motion))
        assert (motion.title_en, motion.text_en) == ("Café budget", "First\n\tsecond Café")
        assert motion.options[0]["en"] == "Ana Café"
        assert db.session.scalar(select(Meeting.title_en)) == "AGM Café"


# --- rows stored before this check --------------------------------------------------------------


def test_the_migration_brings_stored_text_into_nfc(tmp_path: Path, migrated_database: Path) -> None:
    from flask_migrate import downgrade, upgrade

    database = tmp_path / "old.sqlite3"
    shutil.copyfile(migrated_database, database)
    app = make_app(tmp_path, database)
    with app.app_context():
        downgrade(revision="d7a1f3c9e2b4")
        options = json.dumps([{"id": "a", "en": NFD_CAFE, "fr": NFD_CAFE}, {"id": "b", "en": "B", "fr": "B"}])
        db.session.execute(text(
            "INSERT INTO member (slug, name_en, name_fr, province, region, setting, size_class, holder_type, clusters, "
            "active, created_at) VALUES ('cafe', :name, :name, 'ON', 'ontario', 'urban', 'small', 'spo', :name, 1, "
            "'2026-01-01 00:00:00')"), {"name": NFD_CAFE})
        for email in ("rené@example.org", unicodedata.normalize("NFD", "rené@example.org"), "x" + NFD_CAFE + "@e.org"):
            db.session.execute(text(
                "INSERT INTO user_account (email, display_name, role, locale, active, created_at) "
                "VALUES (:email, :name, 'observer', 'en', 1, '2026-01-01 00:00:00')"),
                {"email": email, "name": NFD_CAFE})
        db.session.execute(text(
            "INSERT INTO motion (title_en, title_fr, text_en, text_fr, method, seats, options_json, rules_json, "
            "weight_policy_json, secret, revote, state, agenda_order, created_at, updated_at) VALUES (:t, :t, :t, :t, "
            "'plurality', 1, :options, '{}', '{}', 0, 0, 'draft', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"),
            {"t": NFD_CAFE, "options": options})
        db.session.commit()
        upgrade()
        member = db.session.scalar(select(Member))
        assert (member.name_en, member.name_fr, member.clusters) == ("Café",) * 3
        emails = set(db.session.scalars(select(User.email)))
        # the NFD twin of an existing address keeps its spelling rather than break the unique index
        assert emails == {"rené@example.org", unicodedata.normalize("NFD", "rené@example.org"), "xCafé@e.org"}
        assert set(db.session.scalars(select(User.display_name))) == {"Café"}
        motion = db.session.scalar(select(Motion))
        assert (motion.title_en, motion.text_fr, motion.options[0]["en"]) == ("Café", "Café", "Café")
        db.engine.dispose()
