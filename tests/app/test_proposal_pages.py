"""The proposal pages: writing a proposal and its versions, history, diffs, states; every refusal a 4xx."""

from __future__ import annotations

import re
from typing import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.deliberation.models import Clause, Proposal, ProposalVersion
from app.extensions import db
from app.models import AuditEvent
from tests.conftest import post_form

EN_V1 = "## 1 Purpose\nThe federation meets twice a year.\n\n## 2 Members\nEvery LIP may join."
FR_V1 = "## 1 Objet\nLa fédération se réunit deux fois par année."
EN_V2 = "## 1 Purpose\nThe federation meets three times a year.\n\n## 3 Oversight\nA committee reports yearly."
FR_V2 = "## 1 Objet\nLa fédération se réunit trois fois par année.\n\n## 3 Surveillance\nUn comité fait rapport chaque année."


def new_proposal(client: FlaskClient, **fields: str) -> object:
    data = {"title_en": "Statement of Intention", "title_fr": "Déclaration d'intention",
            "text_en": EN_V1, "text_fr": FR_V1, "note_en": "", "note_fr": ""}
    data.update(fields)
    return post_form(client, "/proposals/new", data)


def new_version(client: FlaskClient, slug: str, base: int, en: str = EN_V2, fr: str = FR_V2) -> object:
    return post_form(client, f"/proposals/{slug}/versions/new",
                     {"base_version": str(base), "text_en": en, "text_fr": fr, "note_en": "Meets more often.",
                      "note_fr": "Se réunit plus souvent."})


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(db.select(db.func.count()).select_from(m))
                     for m in (Proposal, ProposalVersion, Clause))  # type: ignore[return-value]


def test_a_chair_writes_a_proposal_and_a_version_and_anyone_reads_the_diff(
        app: Flask, login: Callable[[str], FlaskClient]) -> None:
    client = login("chair")
    created = new_proposal(client)
    assert created.status_code == 302
    slug = created.headers["Location"].rsplit("/", 1)[-1]
    assert slug == "statement-of-intention"
    page = client.get(f"/proposals/{slug}").get_data(as_text=True)
    assert "The federation meets twice a year." in page and "deux fois par année" in page
    assert "this clause has no French text yet" in page  # clause 2 has no French
    assert new_version(client, slug, 1).status_code == 302
    diff = client.get(f"/proposals/{slug}/compare?from=1&to=2").get_data(as_text=True)
    assert re.search(r"<del><span[^>]*>\[removed:\] </span>twice<", diff)
    assert re.search(r"<ins><span[^>]*>\[added:\] </span>three times<", diff)
    assert "Added clause" in diff and "Removed clause" in diff
    history = client.get(f"/proposals/{slug}/history").get_data(as_text=True)
    assert "Meets more often." in history
    with app.app_context():
        actions = [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["proposal.create", "proposal.version"]


def test_a_stale_version_is_refused_with_409_and_the_chairs_text_kept(
        app: Flask, login: Callable[[str], FlaskClient]) -> None:
    client = login("chair")
    slug = new_proposal(client).headers["Location"].rsplit("/", 1)[-1]
    assert new_version(client, slug, 1).status_code == 302
    before = counts(app)
    stale = new_version(client, slug, 1, en=EN_V2 + "\n\nMy own edit.")
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "version 2 is now the latest" in page and "My own edit." in page
    assert counts(app) == before


@pytest.mark.parametrize("fields,message", [
    ({"title_en": "", "title_fr": ""}, "Give the proposal a title"),
    ({"text_en": "", "text_fr": ""}, "Write the text of at least one clause"),
    ({"text_en": "No heading here."}, "Start the text with a clause heading"),
    ({"text_en": "## 1 A\nx\n\n## 1 B\ny"}, "Clause 1 appears twice"),
    ({"text_en": "## 1 A\nx\n\n## 2 B\ny", "text_fr": "## 2 B\ny\n\n## 1 A\nx"}, "not in the same order"),
    ({"text_en": "## <b> A\nx"}, "cannot be a clause number"),
    ({"text_en": "## 1 A\n" + "word " * 4001}, "Clause 1 is longer than"),
    ({"text_en": "## 1 A\n" + ("x" * 19_000 + "\n\n## n\n") * 11}, "The text is too long"),
    ({"text_en": "## 1 A\nHidden\u202eright-to-left"}, "U+202E"),
])
def test_bad_documents_are_refused_with_a_message_and_nothing_stored(
        app: Flask, login: Callable[[str], FlaskClient], fields: dict[str, str], message: str) -> None:
    client = login("chair")
    response = new_proposal(client, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert counts(app) == (0, 0, 0)


def test_script_in_a_clause_is_shown_as_text(app: Flask, login: Callable[[str], FlaskClient]) -> None:
    client = login("chair")
    text = "## 1 <script>alert(1)</script>\n<img src=x onerror=alert(1)> [click](javascript:alert(1))"
    slug = new_proposal(client, text_en=text).headers["Location"].rsplit("/", 1)[-1]
    page = client.get(f"/proposals/{slug}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img" not in page and 'href="javascript' not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_states_move_by_the_table_and_the_text_freezes_when_ready(
        app: Flask, login: Callable[[str], FlaskClient]) -> None:
    client = login("chair")
    slug = new_proposal(client).headers["Location"].rsplit("/", 1)[-1]
    assert post_form(client, f"/proposals/{slug}/state", {"target": "adopted"}).status_code == 422
    assert post_form(client, f"/proposals/{slug}/state", {"target": "consultation"}).status_code == 302
    assert post_form(client, f"/proposals/{slug}/state", {"target": "ready"}).status_code == 302
    assert client.get(f"/proposals/{slug}/versions/new").status_code == 409
    assert "in consultation" not in client.get(f"/proposals/{slug}").get_data(as_text=True)
    assert post_form(client, f"/proposals/{slug}/state", {"target": "withdrawn"}).status_code == 302
    assert client.get(f"/proposals/{slug}/state").status_code == 409
    with app.app_context():
        states = [e.after_json for e in db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "proposal.state").order_by(AuditEvent.id))]
    assert len(states) == 3 and '"withdrawn"' in states[-1]


def test_unknown_versions_and_proposals_are_404(login: Callable[[str], FlaskClient]) -> None:
    client = login("chair")
    slug = new_proposal(client).headers["Location"].rsplit("/", 1)[-1]
    assert client.get(f"/proposals/{slug}/versions/2").status_code == 404
    assert client.get(f"/proposals/{slug}/compare?from=1&to=7").status_code == 404
    assert client.get(f"/proposals/{slug}/compare?from=x&to=1").status_code == 200  # falls back to the default
    assert client.get(f"/proposals/{slug}/compare?from=999999999999999999&to=1").status_code == 404
    assert client.get(f"/proposals/{slug}/compare?from=\u0661&to=1").status_code == 200  # not ASCII: the default
    assert client.get(f"/proposals/{slug}/versions/99999999999").status_code == 404
    assert client.get("/proposals/no-such-thing").status_code == 404


def test_a_version_identical_to_the_latest_is_refused(app: Flask, login: Callable[[str], FlaskClient]) -> None:
    client = login("chair")
    slug = new_proposal(client).headers["Location"].rsplit("/", 1)[-1]
    same = new_version(client, slug, 1, en=EN_V1, fr=FR_V1)
    assert same.status_code == 422 and "Nothing changed" in same.get_data(as_text=True)
    assert counts(app)[1] == 1


def test_a_proposal_drafted_in_french_first_marks_the_missing_english(
        app: Flask, login: Callable[[str], FlaskClient]) -> None:
    client = login("chair")
    created = new_proposal(client, title_en="", text_en="", text_fr="## 1 Objet\nNous travaillons ensemble.")
    assert created.status_code == 302
    slug = created.headers["Location"].rsplit("/", 1)[-1]
    page = client.get(f"/proposals/{slug}").get_data(as_text=True)
    assert "this clause has no English text yet" in page and "Déclaration d&#39;intention" in page
