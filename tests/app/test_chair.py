"""The chair's pages: drafting with refusals, preview, lifecycle, console, schedules, permissions."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from fractions import Fraction
from typing import Any, Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, DelegateRank, Member, Role, utcnow
from app.motions import service
from app.motions.chair import rare_weights
from voting import full_turnout_quota
from voting.power import power_indices
from app.motions.forms import parse_share, to_local
from app.motions.models import LogLeaf, Meeting, Motion, MotionState, Proxy
from tests.app.motion_helpers import cast_as, close_now, draft_motion, open_now, options
from tests.conftest import Person, add_member, add_user, csrf_token, post_form

ChairClient = Callable[[str], FlaskClient]

GOOD = {
    "title_en": "Adopt the 2025 budget", "title_fr": "Adopter le budget 2025", "text_en": "", "text_fr": "",
    "method": "yes_no", "seats": "1", "threshold": "majority_cast",
    "quorum_members": "", "quorum_weight": "", "dm_regions": "", "weight_policy": "equal",
    "opens_at": "", "closes_at": "", "meeting_id": "", "new_meeting_en": "", "new_meeting_fr": "", "agenda_order": "0",
}


def rows(*labels: str | tuple[str, ...]) -> dict[str, str]:
    """Option rows as the form posts them: "Red" (the same in both languages), ("Red", "Rouge")
    or ("Red", "Rouge", "kept-id")."""
    data = {}
    for index, label in enumerate(labels):
        en, fr, *kept = (label, label) if isinstance(label, str) else label
        data.update({f"options-{index}-en": en, f"options-{index}-fr": fr, f"options-{index}-option_id": "".join(kept)})
    return data


def motion_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Motion)))


def leaf_count(app: Flask, motion_id: int) -> int:
    with app.app_context():
        motion = db.session.get(Motion, motion_id)
        if motion.log_id is None:
            return 0
        return int(db.session.scalar(select(func.count()).select_from(LogLeaf).where(LogLeaf.log_id == motion.log_id)))


def state_of(app: Flask, motion_id: int) -> MotionState:
    with app.app_context():
        return db.session.get(Motion, motion_id).state


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def new_draft(app: Flask, **kwargs: Any) -> int:
    with app.app_context():
        return draft_motion(**kwargs)


# --- drafting --------------------------------------------------------------------------------


def test_chair_creates_a_yes_no_draft_and_it_is_audited(app: Flask, login: ChairClient) -> None:
    client = login("chair")
    data = dict(GOOD, quorum_members="50%", quorum_weight="1/3", dm_members="y", dm_regions="all", secret="y",
                revote="y", new_meeting_en="Annual general meeting", new_meeting_fr="Assemblée générale annuelle",
                agenda_order="3")
    response = post_form(client, "/motions/new", data)
    assert response.status_code == 302, text(response)
    with app.app_context():
        motion = db.session.scalars(select(Motion)).one()
        assert motion.state is MotionState.DRAFT
        assert motion.option_ids == ["yes", "no", "abstain"]
        assert motion.rules == {"threshold": "majority_cast", "quorum": {"members": "1/2", "weight": "1/3"},
                                "double_majority": {"members": True, "regions": "all"}}
        assert motion.secret and motion.revote
        assert motion.meeting.title_en == "Annual general meeting" and motion.agenda_order == 3
        assert motion.meeting.title_fr == "Assemblée générale annuelle"
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert "motion.create" in actions and "meeting.create" in actions
        assert response.headers["Location"].endswith(f"/motions/{motion.id}/preview")


def test_chair_creates_an_stv_election_with_options_and_schedule(app: Flask, login: ChairClient) -> None:
    client = login("chair")
    data = dict(GOOD, method="stv", seats="2", weight_policy="tiered_1_2_3",
                **rows("Ana Silva", ("", ""), "Bo Chen", "Chloé Roy"),
                opens_at="2099-03-01T09:30", closes_at="2099-03-01T17:00")
    response = post_form(client, "/motions/new", data)
    assert response.status_code == 302, text(response)
    with app.app_context():
        motion = db.session.scalars(select(Motion)).one()
        # identifiers are derived from the labels: ASCII, lower case
        assert motion.options == [{"id": "ana-silva", "en": "Ana Silva", "fr": "Ana Silva"},
                                  {"id": "bo-chen", "en": "Bo Chen", "fr": "Bo Chen"},
                                  {"id": "chloe-roy", "en": "Chloé Roy", "fr": "Chloé Roy"}]
        assert motion.seats == 2 and motion.weight_policy["kind"] == "tiered"
        # 09:30 in Toronto on 1 March (EST, UTC-5) is 14:30 UTC
        assert (motion.opens_at.hour, motion.opens_at.minute, motion.opens_at.utcoffset()) == (14, 30, timedelta(0))
        assert to_local(motion.opens_at).strftime("%Y-%m-%dT%H:%M") == "2099-03-01T09:30"


REFUSALS = [
    ({"title_en": ""}, "title_en"),
    ({"method": "borda"}, "method"),
    ({"method": "plurality", **rows("Only")}, "options-0-en"),
    ({"method": "plurality", **rows("Again", "again")}, "options-1-en"),
    ({"method": "plurality", **rows(("Label", "")), **{"options-1-fr": "B"}}, "options-0-fr"),
    ({"method": "irv", **rows("a", "b", "c"), "seats": "2"}, "seats"),
    ({"method": "stv", **rows("a", "b"), "seats": "3"}, "seats"),
    ({"method": "schulze_stv", **rows(*(f"c{i}" for i in range(12))), "seats": "5"}, "seats"),
    ({"seats": "0"}, "seats"),
    ({"threshold": "two_fifths"}, "threshold"),
    ({"method": "approval", **rows("a", "b"), "threshold": "two_thirds"}, "threshold"),
    ({"method": "approval", **rows("a", "b"), "dm_regions": "all"}, "dm_regions"),
    ({"quorum_members": "3/2"}, "quorum_members"),
    ({"quorum_weight": "half"}, "quorum_weight"),
    ({"dm_regions": "5"}, "dm_regions"),  # the test federation has members in two regions only
    ({"weight_policy": "dictator"}, "weight_policy"),
    ({"weight_policy": "population_capped"}, "weight_policy"),  # a 1/10 cap cannot hold with two members
    ({"opens_at": "2001-01-01T10:00"}, "opens_at"),
    ({"opens_at": "2099-01-02T10:00", "closes_at": "2099-01-01T10:00"}, "closes_at"),
    ({"closes_at": "tomorrow"}, "closes_at"),
    ({"meeting_id": "999"}, "meeting_id"),
    ({"new_meeting_en": "Annual general meeting"}, "new_meeting_fr"),  # a name in both languages
    ({"new_meeting_fr": "Assemblée générale"}, "new_meeting_en"),
    ({"method": "irv", **rows("a", "b", "c"), "dm_members": "y"}, "dm_members"),
    ({"agenda_order": "-1"}, "agenda_order"),
    # whole numbers in ASCII digits only: int() would read these as 2, 10, 3, 1/2 and 50%
    ({"method": "stv", **rows("a", "b", "c"), "seats": "\u0662"}, "seats"),
    ({"agenda_order": "1_0"}, "agenda_order"),
    ({"agenda_order": "\uff13"}, "agenda_order"),
    ({"agenda_order": "99999999999999999999999"}, "agenda_order"),
    ({"quorum_members": "\u0661/\u0662"}, "quorum_members"),
    ({"quorum_weight": "\u0665\u0660%"}, "quorum_weight"),
    ({"opens_at": "\u0662\u0660\u0669\u0669-01-02T10:00"}, "opens_at"),  # strptime would read 2099
    ({"closes_at": "2099-01-02T\u0661\u0660:00"}, "closes_at"),
]


@pytest.mark.parametrize("change,field", REFUSALS, ids=[f"{f}-{i}" for i, (_c, f) in enumerate(REFUSALS)])
def test_bad_draft_input_is_refused_on_its_field_and_nothing_is_stored(
        app: Flask, login: ChairClient, change: dict[str, str], field: str) -> None:
    client = login("chair")
    response = post_form(client, "/motions/new", dict(GOOD, **change))
    assert response.status_code == 422
    page = text(response)
    # the message sits in the help block of the refused field
    block = re.search(rf'<div id="{field}-help" class="help">(.*?)</div>', page, re.S)
    assert block is not None and 'class="error"' in block.group(1), f"no error shown for {field}"
    assert motion_count(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_schulze_stv_bound_is_explained_in_plain_words(app: Flask, login: ChairClient) -> None:
    client = login("chair")
    data = dict(GOOD, method="schulze_stv", seats="5", **rows(*(f"c{i}" for i in range(12))))
    page = text(post_form(client, "/motions/new", data))
    assert "set comparisons" in page and "use fewer options or seats" in page


def test_a_draft_can_be_edited_but_an_open_motion_cannot(app: Flask, people: dict[str, Person],
                                                          login: ChairClient) -> None:
    motion_id = new_draft(app)
    client = login("chair")
    form = client.get(f"/motions/{motion_id}/edit")
    assert form.status_code == 200 and "Adopt the representative framework" in text(form)
    response = post_form(client, f"/motions/{motion_id}/edit", dict(GOOD, title_en="Amended title"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Motion, motion_id).title_en == "Amended title"
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "motion.update")).one()
        assert json.loads(event.before_json)["title_en"] == "Adopt the representative framework"
        open_now(motion_id)
    assert client.get(f"/motions/{motion_id}/edit").status_code == 409
    token = csrf_token(client, "/home")
    refused = client.post(f"/motions/{motion_id}/edit", data=dict(GOOD, title_en="Too late", csrf_token=token))
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.get(Motion, motion_id).title_en == "Amended title"


def test_editing_keeps_a_custom_policy_and_shows_options(app: Flask, people: dict[str, Person],
                                                         login: ChairClient) -> None:
    custom = {"kind": "equal", "total": 500, "cap": None, "floor": None}
    motion_id = new_draft(app, method="plurality", option_list=options("red", "blue"), policy=custom)
    client = login("chair")
    page = text(client.get(f"/motions/{motion_id}/edit"))
    assert 'name="options-0-option_id" type="hidden" value="red"' in page and 'value="current"' in page
    # Relabelling keeps each option's identifier; a new row gets one derived from its labels.
    data = dict(GOOD, method="plurality", weight_policy="current",
                **rows(("Crimson", "Cramoisi", "red"), ("Blue", "Bleu", "blue"), ("Red", "Rouge")))
    assert post_form(client, f"/motions/{motion_id}/edit", data).status_code == 302
    with app.app_context():
        motion = db.session.get(Motion, motion_id)
        assert motion.weight_policy == custom
        assert motion.option_ids == ["red", "blue", "red-2"]
        assert motion.option_label("red", "fr") == "Cramoisi"


# --- permissions -----------------------------------------------------------------------------

CHAIR_ROUTES = [("GET", "/motions/new"), ("POST", "/motions/new"), ("GET", "/motions/{id}/edit"),
                ("POST", "/motions/{id}/edit"), ("GET", "/motions/{id}/preview")] + [
    (method, f"/motions/{{id}}/{action}") for action in ("open", "extend", "close", "certify", "delete")
    for method in ("GET", "POST")] + [("GET", "/motions/{id}/console"), ("GET", "/motions/{id}/console.json")]


@pytest.mark.parametrize("role", ["delegate", "observer", "auditor", "admin"])
def test_only_the_chair_reaches_chair_routes(app: Flask, client: FlaskClient, people: dict[str, Person],
                                             login: ChairClient, role: str) -> None:
    motion_id = new_draft(app)
    login(role)
    token = csrf_token(client, "/home")
    for method, template in CHAIR_ROUTES:
        url = template.format(id=motion_id)
        response = client.get(url) if method == "GET" else client.post(url, data=dict(GOOD, csrf_token=token))
        assert response.status_code == 403, f"{role} {method} {url}: {response.status_code}"
    assert state_of(app, motion_id) is MotionState.DRAFT and motion_count(app) == 1


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, client: FlaskClient, people: dict[str, Person]) -> None:
    motion_id = new_draft(app)
    for method, template in CHAIR_ROUTES:
        url = template.format(id=motion_id)
        response = client.get(url) if method == "GET" else client.post(url, data=GOOD)
        if method == "POST" and response.status_code == 400:
            continue  # the CSRF check answers first for a form posted without a session
        assert response.status_code == 302 and "/login" in response.headers["Location"], f"{method} {url}"
    assert state_of(app, motion_id) is MotionState.DRAFT


def test_unknown_motion_is_404_for_the_chair(login: ChairClient) -> None:
    client = login("chair")
    for path in ("edit", "preview", "open", "console", "console.json"):
        assert client.get(f"/motions/999/{path}").status_code == 404


# --- preview: weights beside power ----------------------------------------------------------


def test_power_of_a_published_weighted_game() -> None:
    # EEC Council of Ministers 1958: weights 4,4,4,2,2,1, quota 12. Banzhaf 5/21, 5/21, 5/21, 1/7,
    # 1/7, 0 and Shapley-Shubik 7/30, 7/30, 7/30, 3/20, 3/20, 0 (Felsenthal and Machover, "The
    # Measurement of Voting Power", 1998, ch. 2). Scaled by 125 as an apportioned weight would be:
    # dividing by the common factor must not change the game.
    banzhaf, shapley = power_indices([500, 500, 500, 250, 250, 125], 12 * 125)
    assert banzhaf == [Fraction(5, 21)] * 3 + [Fraction(1, 7)] * 2 + [Fraction(0)]
    assert shapley == [Fraction(7, 30)] * 3 + [Fraction(3, 20)] * 2 + [Fraction(0)]
    # a quota that is not a multiple of the common factor rounds up: 1401 of 2125 needs 1500
    assert power_indices([500, 500, 500, 250, 250, 125], 1401) == (banzhaf, shapley)


@pytest.mark.parametrize("threshold,total,quota", [
    ("majority_cast", 10000, 5001), ("absolute_majority", 9999, 5000), ("two_thirds", 10000, 6667),
    ("two_thirds", 9999, 6666), ("three_quarters", 10000, 7500), ("unanimity", 10000, 10000)])
def test_majority_quota_is_the_least_weight_that_meets_the_threshold(threshold: str, total: int, quota: int) -> None:
    assert full_turnout_quota(threshold, total) == quota


def test_rare_weights_lists_values_held_by_fewer_than_three() -> None:
    weights = {"a": 5, "b": 5, "c": 5, "d": 7, "e": 9, "f": 9}
    assert rare_weights(weights) == [(7, ["d"]), (9, ["e", "f"])]


def test_preview_shows_power_beside_share_and_warns_on_unique_secret_weights(
        app: Flask, people: dict[str, Person], login: ChairClient) -> None:
    # tiered 1-2-3: halifax (medium) 6667 units, bow-valley (small) 3333; with a majority quota of
    # 5001 halifax alone decides every outcome, so its power is 100 % against a 66.67 % share
    tiered = {"kind": "tiered", "total": 10000, "tiers": {"small": 1, "medium": 2, "large": 3}, "cap": None, "floor": None}
    motion_id = new_draft(app, policy=tiered, secret=True)
    page = text(login("chair").get(f"/motions/{motion_id}/preview"))
    row = re.search(r"<th scope=\"row\">Halifax LIP.*?</tr>", page, re.S).group(0)
    cells = re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row)
    assert cells[-3:] == ["66.67%", "100.00%", "100.00%"]
    bow = re.search(r"<th scope=\"row\">Bow Valley Immigration Partnership.*?</tr>", page, re.S).group(0)
    assert re.findall(r'<td class="num"[^>]*>([^<]*)</td>', bow)[-3:] == ["33.33%", "0.00%", "0.00%"]
    assert "at least 5,001 of the 10,000 units" in page
    warning = re.search(r'<div class="warning" role="alert">(.*?)</div>', page, re.S).group(1)
    assert "Weight 3333 is held by 1 member" in warning and "Weight 6667 is held by 1 member" in warning


def test_preview_has_no_warning_when_every_weight_is_shared_by_three(
        app: Flask, people: dict[str, Person], login: ChairClient) -> None:
    with app.app_context():
        add_member("pei", province="PE", region="atlantic")
        add_member("ottawa")
        db.session.commit()
    secret = new_draft(app, secret=True)  # equal: 2500 units each for four members
    client = login("chair")
    page = text(client.get(f"/motions/{secret}/preview"))
    assert 'class="warning"' not in page and "does not reveal who cast it" in page
    recorded = new_draft(app, secret=False)
    assert "does not reveal" not in text(client.get(f"/motions/{recorded}/preview"))


# --- lifecycle -------------------------------------------------------------------------------


def confirm(client: FlaskClient, motion_id: int, action: str, **data: str) -> Any:
    return post_form(client, f"/motions/{motion_id}/{action}", data)


def test_open_close_certify_change_state_append_leaves_and_are_audited(
        app: Flask, people: dict[str, Person], login: ChairClient) -> None:
    motion_id = new_draft(app)
    client = login("chair")
    page = text(client.get(f"/motions/{motion_id}/open"))
    assert "first entry of the motion’s public log" in page and "can be changed afterwards" in page
    assert state_of(app, motion_id) is MotionState.DRAFT  # the GET only asks
    assert confirm(client, motion_id, "open").status_code == 302
    assert state_of(app, motion_id) is MotionState.OPEN and leaf_count(app, motion_id) == 1
    assert confirm(client, motion_id, "open").status_code == 409  # a second open is refused
    with app.app_context():
        cast_as(motion_id, "delegate@example.org", "yes")
    assert leaf_count(app, motion_id) == 2
    assert "Turnout so far: 1 of 2 members" in text(client.get(f"/motions/{motion_id}/close"))
    assert confirm(client, motion_id, "certify").status_code == 409  # not closed yet
    assert confirm(client, motion_id, "close").status_code == 302
    assert state_of(app, motion_id) is MotionState.CLOSED and leaf_count(app, motion_id) == 3
    with app.app_context():
        assert db.session.get(Motion, motion_id).result["status"] == "carried"
    assert confirm(client, motion_id, "close").status_code == 409
    assert confirm(client, motion_id, "certify").status_code == 302
    assert state_of(app, motion_id) is MotionState.CERTIFIED and leaf_count(app, motion_id) == 3
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.target == f"motion:{motion_id}"))]
        assert actions == ["motion.open", "motion.close", "motion.certify"]
        chair = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "motion.open")).one()
        assert "chair@example.org" in chair.actor_label


def test_a_post_without_csrf_token_changes_nothing(app: Flask, people: dict[str, Person], login: ChairClient) -> None:
    motion_id = new_draft(app)
    client = login("chair")
    assert client.post(f"/motions/{motion_id}/open", data={}).status_code == 400
    assert state_of(app, motion_id) is MotionState.DRAFT


def test_open_refused_by_the_engine_is_a_clear_4xx(app: Flask, people: dict[str, Person], login: ChairClient) -> None:
    # the draft was saved for three regions; by opening time the federation covers only two
    motion_id = new_draft(app, rules={"threshold": "majority_cast", "double_majority": {"members": False, "regions": 3}})
    response = confirm(login("chair"), motion_id, "open")
    assert response.status_code == 422 and "only 2 region(s)" in text(response)
    assert state_of(app, motion_id) is MotionState.DRAFT


def test_extend_sets_a_new_closing_time_and_refuses_the_past(app: Flask, people: dict[str, Person],
                                                              login: ChairClient) -> None:
    motion_id = new_draft(app)
    with app.app_context():
        open_now(motion_id)
    client = login("chair")
    assert confirm(client, motion_id, "extend", closes_at="2000-01-01T12:00").status_code == 422
    assert confirm(client, motion_id, "extend", closes_at="not a time").status_code == 422
    with app.app_context():
        assert db.session.get(Motion, motion_id).closes_at is None
    assert confirm(client, motion_id, "extend", closes_at="2099-07-01T12:00").status_code == 302
    with app.app_context():
        closes_at = db.session.get(Motion, motion_id).closes_at
        assert (closes_at.hour, closes_at.utcoffset()) == (16, timedelta(0))  # noon EDT is 16:00 UTC
    assert confirm(client, new_draft(app), "extend", closes_at="2099-07-01T12:00").status_code == 409


def test_a_draft_can_be_deleted_but_not_an_open_motion(app: Flask, people: dict[str, Person],
                                                        login: ChairClient) -> None:
    draft, opened = new_draft(app), new_draft(app)
    with app.app_context():
        open_now(opened)
    client = login("chair")
    assert confirm(client, opened, "delete").status_code == 409
    assert confirm(client, draft, "delete").status_code == 302
    with app.app_context():
        assert db.session.get(Motion, draft) is None and db.session.get(Motion, opened) is not None
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "motion.delete")).one().target == f"motion:{draft}"


def test_a_draft_with_a_proxy_is_not_deleted(app: Flask, people: dict[str, Person], login: ChairClient) -> None:
    draft = new_draft(app)
    with app.app_context():
        halifax, bow = (db.session.scalar(select(Member).where(Member.slug == s)) for s in ("halifax", "bow-valley"))
        db.session.add(Proxy(motion_id=draft, grantor_id=halifax.id, holder_id=bow.id))
        db.session.commit()
    response = confirm(login("chair"), draft, "delete")
    assert response.status_code == 409 and "Proxies were given" in text(response)
    assert state_of(app, draft) is MotionState.DRAFT


def test_chair_home_lists_motions_by_state_with_their_actions(app: Flask, people: dict[str, Person],
                                                               login: ChairClient) -> None:
    draft = new_draft(app, title="Draft budget")
    opened = new_draft(app, title="Open question")
    closed = new_draft(app, title="Closed question")
    with app.app_context():
        open_now(opened)
        open_now(closed)
        close_now(closed)
    page = text(login("chair").get("/home"))
    assert page.index("Open question") < page.index("Draft budget") < page.index("Closed question")
    for url in (f"/motions/{draft}/edit", f"/motions/{draft}/open", f"/motions/{opened}/console",
                f"/motions/{opened}/close", f"/motions/{closed}/certify"):
        assert f'href="{url}"' in page, url


# --- console ---------------------------------------------------------------------------------


@pytest.fixture
def voters(app: Flask, people: dict[str, Person]) -> Flask:
    """Four members in three regions, one delegate each (halifax's comes from `people`)."""
    with app.app_context():
        for slug, province, region in (("pei", "PE", "atlantic"), ("ottawa", "ON", "ontario")):
            member = add_member(slug, province=province, region=region)
            add_user(f"{slug}@example.org", Role.DELEGATE, member, DelegateRank.PRIMARY, password=None)
        bow = db.session.scalar(select(Member).where(Member.slug == "bow-valley"))
        add_user("bow@example.org", Role.DELEGATE, bow, DelegateRank.PRIMARY, password=None)
        db.session.commit()
    return app


def test_console_json_matches_the_ballots_cast(voters: Flask, login: ChairClient) -> None:
    tiered = {"kind": "tiered", "total": 10000, "tiers": {"small": 1, "medium": 2, "large": 3}, "cap": None, "floor": None}
    motion_id = new_draft(voters, policy=tiered, rules={"threshold": "majority_cast",
                                                        "quorum": {"members": "3/4", "weight": "1/2"}})
    with voters.app_context():
        open_now(motion_id)
        weights = service.committed_weights(db.session.get(Motion, motion_id))
        cast_as(motion_id, "delegate@example.org", "yes")   # halifax, atlantic
        cast_as(motion_id, "ottawa@example.org", "no")      # ontario
        pei = db.session.scalar(select(Member).where(Member.slug == "pei"))
        ottawa = db.session.scalar(select(Member).where(Member.slug == "ottawa"))
        db.session.add(Proxy(motion_id=motion_id, grantor_id=pei.id, holder_id=ottawa.id))
        db.session.commit()
    client = login("chair")
    data = client.get(f"/motions/{motion_id}/console.json").get_json()
    cast_weight = weights["halifax"] + weights["ottawa"]
    assert data["turnout"]["ballots"] == 2 and data["turnout"]["members"] == 4
    assert data["turnout"]["weight"] == cast_weight and data["turnout"]["eligible_weight"] == sum(weights.values())
    assert data["quorum"]["members"] == {**data["quorum"]["members"], "needed": 3, "cast": 2, "missing": 1, "met": False}
    assert data["quorum"]["weight"]["met"] is (2 * cast_weight >= sum(weights.values()))
    by_region = {r["region"]: (r["ballots"], r["members"], r["weight"]) for r in data["regions"]}
    assert by_region == {"atlantic": (1, 2, weights["halifax"]), "ontario": (1, 1, weights["ottawa"]),
                         "prairies_nt": (0, 1, 0)}
    assert [(v["member"], v["weight"], v["by_proxy"]) for v in data["voters"]] == [
        ("halifax", weights["halifax"], False), ("ottawa", weights["ottawa"], False)]
    assert [(p["grantor"], p["holder"], p["used"]) for p in data["proxies"]] == [("pei", "ottawa", False)]
    assert data["checkpoint_size"] == 3  # leaf 0 and two ballots
    with voters.app_context():
        cast_as(motion_id, "ottawa@example.org", "yes", for_member="pei")
    again = client.get(f"/motions/{motion_id}/console.json").get_json()
    assert again["turnout"]["ballots"] == 3 and again["quorum"]["members"]["met"] is True
    assert again["voters"][-1]["member"] == "pei" and again["voters"][-1]["by_proxy"] is True
    assert again["proxies"][0]["used"] is True
    page = text(client.get(f"/motions/{motion_id}/console"))
    assert 'aria-live="polite"' in page and "console.js" in page and "PLI pei" not in page
    assert "pei LIP" in page  # who has voted, by name, on the plain HTML page


def test_console_of_a_secret_ballot_shows_counts_only(voters: Flask, login: ChairClient) -> None:
    motion_id = new_draft(voters, secret=True)
    with voters.app_context():
        open_now(motion_id)
        cast_as(motion_id, "ottawa@example.org", "yes")
    client = login("chair")
    data = client.get(f"/motions/{motion_id}/console.json").get_json()
    assert data["voters"] is None and data["turnout"]["ballots"] == 1
    # who has not voted yet is shown (a roll call), never who voted when or with what weight
    assert sorted(m["member"] for g in data["not_voted"] for m in g["members"]) == ["bow-valley", "halifax", "pei"]
    page = text(client.get(f"/motions/{motion_id}/console"))
    assert "ottawa LIP" not in page and "pei LIP" in page and "How a member voted, when," in page


def test_console_of_a_draft_is_409(app: Flask, people: dict[str, Person], login: ChairClient) -> None:
    motion_id = new_draft(app)
    client = login("chair")
    assert client.get(f"/motions/{motion_id}/console").status_code == 409
    assert client.get(f"/motions/{motion_id}/console.json").status_code == 409


# --- schedules -------------------------------------------------------------------------------


def schedule(app: Flask, motion_id: int, **times: Any) -> None:
    with app.app_context():
        motion = db.session.get(Motion, motion_id)
        for name, value in times.items():
            setattr(motion, name, value)
        db.session.commit()


def test_tick_opens_and_closes_motions_whose_time_has_passed(app: Flask, people: dict[str, Person], runner: Any) -> None:
    due, later = new_draft(app), new_draft(app)
    schedule(app, due, opens_at=utcnow() - timedelta(minutes=1))
    schedule(app, later, opens_at=utcnow() + timedelta(days=1))
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0 and f"motion(s) {due}." in result.output
    assert state_of(app, due) is MotionState.OPEN and state_of(app, later) is MotionState.DRAFT
    assert leaf_count(app, due) == 1
    schedule(app, due, closes_at=utcnow() - timedelta(seconds=1))
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert state_of(app, due) is MotionState.CLOSED and leaf_count(app, due) == 2
    assert "Nothing was due." in runner.invoke(args=["tick"]).output


def test_a_motion_that_cannot_open_does_not_block_the_schedule(app: Flask, people: dict[str, Person], runner: Any) -> None:
    broken = new_draft(app, rules={"threshold": "majority_cast", "double_majority": {"members": False, "regions": 4}})
    fine = new_draft(app)
    past = utcnow() - timedelta(minutes=1)
    schedule(app, broken, opens_at=past)
    schedule(app, fine, opens_at=past)
    assert runner.invoke(args=["tick"]).exit_code == 0
    assert state_of(app, broken) is MotionState.DRAFT and state_of(app, fine) is MotionState.OPEN


def test_a_refused_scheduled_opening_is_shown_to_the_chair_and_not_retried(app: Flask, people: dict[str, Person],
                                                                         runner: Any, login: ChairClient) -> None:
    broken = new_draft(app, rules={"threshold": "majority_cast", "double_majority": {"members": False, "regions": 4}})
    schedule(app, broken, opens_at=utcnow() - timedelta(minutes=1))
    assert runner.invoke(args=["tick"]).exit_code == 0
    with app.app_context():
        motion = db.session.get(Motion, broken)
        assert motion.state is MotionState.DRAFT and motion.opens_at is None
        reason = motion.schedule_failure
        assert reason and "double_majority" in reason
        failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "motion.schedule_failed")).all()
        assert len(failed) == 1 and failed[0].target == f"motion:{broken}" and actor_is_system(failed[0])
    assert "Nothing was due." in runner.invoke(args=["tick"]).output  # cleared: not retried
    client = login("chair")
    assert "the scheduled opening was refused" in text(client.get("/home"))
    preview = text(client.get(f"/motions/{broken}/preview"))
    assert "Refused, so the schedule was cleared" in preview and "double_majority" in preview
    response = post_form(client, f"/motions/{broken}/edit", GOOD)
    assert response.status_code == 302, text(response)
    with app.app_context():
        assert db.session.get(Motion, broken).schedule_failure is None


def actor_is_system(event: AuditEvent) -> bool:
    return event.actor_id is None and event.actor_label == "system"


def test_the_request_hook_applies_schedules_as_the_system(app: Flask, people: dict[str, Person],
                                                          login: ChairClient) -> None:
    app.config["LIPVOTE_SCHEDULE_EVERY_SECONDS"] = 0
    client = login("chair")
    motion_id = new_draft(app)
    schedule(app, motion_id, opens_at=utcnow() - timedelta(minutes=1))
    assert client.get("/home").status_code == 200
    assert state_of(app, motion_id) is MotionState.OPEN
    schedule(app, motion_id, closes_at=utcnow() - timedelta(seconds=1))
    page = client.get("/home")
    assert state_of(app, motion_id) is MotionState.CLOSED
    assert page.status_code == 200 and "Sign out" in text(page)  # the hook left the chair signed in
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.target == f"motion:{motion_id}")
                                         .order_by(AuditEvent.id)))
        assert [(e.action, e.actor_label) for e in events][-2:] == [("motion.open", "system"), ("motion.close", "system")]


def test_anonymous_requests_also_apply_schedules(app: Flask, people: dict[str, Person], client: FlaskClient) -> None:
    motion_id = new_draft(app)
    schedule(app, motion_id, opens_at=utcnow() - timedelta(minutes=1))
    assert client.get("/login").status_code == 200
    assert state_of(app, motion_id) is MotionState.OPEN


def test_parse_share_accepts_fractions_and_percentages() -> None:
    assert [parse_share(s) for s in ("1/2", " 2 / 4 ", "50%", "33.5%", "1/1", "")] == ["1/2", "1/2", "1/2", "67/200", "1/1", None]
    for bad in ("0/3", "3/2", "1/0", "101%", "half", "-1/2"):
        with pytest.raises(ValueError):
            parse_share(bad)


def test_every_chair_page_renders_in_french(voters: Flask, login: ChairClient) -> None:
    from app.models import User

    with voters.app_context():
        db.session.scalar(select(User).where(User.email == "chair@example.org")).locale = "fr"
        db.session.commit()
    draft, opened = new_draft(voters, secret=True), new_draft(voters)
    with voters.app_context():
        open_now(opened)
        cast_as(opened, "ottawa@example.org", "yes")
    client = login("chair")
    for url in ("/motions/new", f"/motions/{draft}/edit", f"/motions/{draft}/preview", f"/motions/{draft}/open",
                f"/motions/{draft}/delete", f"/motions/{opened}/console", f"/motions/{opened}/extend",
                f"/motions/{opened}/close", "/home"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="fr">' in text(response), url
    assert client.get(f"/motions/{opened}/console.json").get_json()["turnout"]["members_pct"] == "25,00\u00a0%"


# --- the form adapted to the method (issue 13) ------------------------------------------------


@pytest.mark.parametrize(("en", "fr", "taken", "expected"), [
    ("Chloé Roy", "Chloé Roy", set(), "chloe-roy"),
    ("Site Riverside", "Site Riverside", {"site-riverside"}, "site-riverside-2"),
    ("Site Riverside", "", {"site-riverside", "site-riverside-2"}, "site-riverside-3"),
    ("東京", "Tokyo", set(), "dong-jing"),  # transliterated, still ASCII
    ("—", "…", set(), "option"),
    ("A very long candidate name that goes on and on beyond forty characters", "", set(),
     "a-very-long-candidate-name-that-goes"),
])
def test_option_ids_are_ascii_slugs_of_the_labels(en: str, fr: str, taken: set[str], expected: str) -> None:
    from app.motions.forms import OPTION_ID_RE, option_id_for

    derived = option_id_for(en, fr, taken)
    assert derived == expected and OPTION_ID_RE.fullmatch(derived)


def test_the_form_marks_each_part_with_the_methods_the_engine_accepts_for_it(login: ChairClient) -> None:
    page = text(login("chair").get("/motions/new"))
    assert 'data-methods="plurality approval irv stv schulze ranked_pairs schulze_stv"' in page  # options
    assert 'data-methods="plurality approval stv schulze_stv"' in page  # seats
    assert page.count('data-methods="yes_no"') == 2  # threshold, double majorities
    assert "motion_form.js" in page and "lipvote tick" not in page and "America/Toronto" not in page
    assert "Eastern Time (Toronto)" in page


def test_without_javascript_add_another_option_returns_the_form_with_one_more_row(app: Flask, login: ChairClient) -> None:
    client = login("chair")
    data = dict(GOOD, method="plurality", add_option="Add another option", **rows("Red", "Blue", "Green", "Teal"))
    response = post_form(client, "/motions/new", data)
    page = text(response)
    assert response.status_code == 200 and "There is a problem" not in page
    assert 'name="options-5-en"' in page and 'name="options-6-en"' not in page
    assert 'value="Teal"' in page
    assert motion_count(app) == 0


def test_a_hidden_part_not_posted_takes_its_default_even_when_editing(app: Flask, login: ChairClient) -> None:
    motion_id = new_draft(app, rules={"threshold": "two_thirds", "double_majority": {"members": True, "regions": None}})
    client = login("chair")
    data = {k: v for k, v in GOOD.items() if k not in ("threshold", "dm_regions", "seats")}
    data.update(method="irv", **rows(("Halifax", "Halifax"), ("Montreal", "Montréal"), ("Regina", "Regina")))
    response = post_form(client, f"/motions/{motion_id}/edit", data)
    assert response.status_code == 302, text(response)
    with app.app_context():
        motion = db.session.get(Motion, motion_id)
        assert motion.rules["threshold"] == "majority_cast" and not motion.rules["double_majority"]["members"]
        assert motion.option_ids == ["halifax", "montreal", "regina"] and motion.option_label("montreal", "fr") == "Montréal"


def test_the_error_summary_links_each_error_to_its_field(login: ChairClient) -> None:
    client = login("chair")
    data = dict(GOOD, title_en="", method="irv", threshold="two_thirds", **rows(("Halifax", "")))
    page = text(post_form(client, "/motions/new", data))
    summary = re.search(r'<div class="error-summary".*?</ul>', page, re.S)
    assert summary is not None and "There is a problem" in summary.group(0)
    links = re.findall(r'<a href="#([\w-]+)">', summary.group(0))
    assert links == ["title_en", "options-0-fr", "threshold"], links
    assert "<title>Error: New motion" in page
