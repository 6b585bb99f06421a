"""The framework explorer: frameworks compared on the registry, refusals, exports."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from flask.testing import FlaskClient

from app.explorer.frameworks import PRESETS
from app.extensions import db
from tests.conftest import add_member, examples, post_form

REGIONS = [("NS", "atlantic"), ("QC", "quebec"), ("ON", "ontario"), ("MB", "prairies_nt"), ("BC", "bc_yukon")]


@pytest.fixture
def registry(app: Flask, people) -> None:  # type: ignore[no-untyped-def]
    """Twelve more members across the five regions (the people fixture adds two)."""
    with app.app_context():
        for k in range(12):
            province, region = REGIONS[k % 5]
            add_member(f"lip-{k}", province=province, region=region, population=20_000 * (k + 1),
                       size_class=("small", "medium", "large")[k % 3], setting=("urban", "rural")[k % 2])
        db.session.commit()


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    assert client.get("/explorer/").status_code == 302


def test_observer_compares_the_default_frameworks(client: FlaskClient, login, registry) -> None:  # type: ignore[no-untyped-def]
    login("observer")
    page = client.get("/explorer/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for name in ("One LIP, one vote", "Weights by size", "Majority of LIPs and of three regions"):
        assert name in text
    assert "can block a motion alone" in text
    assert "Banzhaf power" in text


def test_every_preset_renders(client: FlaskClient, login, registry) -> None:  # type: ignore[no-untyped-def]
    login("delegate")
    names = sorted(PRESETS)
    for start in range(0, len(names), 4):
        chosen = names[start:start + 4] if len(names[start:start + 4]) >= 2 else names[-2:]
        page = client.get("/explorer/", query_string=[("framework", n) for n in chosen])
        assert page.status_code == 200, chosen
        assert "cannot be computed" not in page.get_data(as_text=True), chosen


@pytest.mark.parametrize("query", [[("framework", "nonsense"), ("framework", "size_tiers")],
                                   [("framework", "size_tiers")],
                                   [("framework", n) for n in sorted(PRESETS)[:5]]])
def test_bad_choices_are_refused_with_a_message(client: FlaskClient, login, registry, query) -> None:  # type: ignore[no-untyped-def]
    login("observer")
    page = client.get("/explorer/", query_string=query)
    assert page.status_code == 400
    assert "There is a problem" in page.get_data(as_text=True)


def test_french_page(client: FlaskClient, login, registry) -> None:  # type: ignore[no-untyped-def]
    login("observer")
    assert post_form(client, "/language", {"lang": "fr", "next": "/explorer/"}, token_from="/explorer/").status_code == 302
    text = client.get("/explorer/").get_data(as_text=True)
    assert "Comparer les cadres de représentation" in text
    assert "Banzhaf power" not in text


def test_exports(client: FlaskClient, login, registry) -> None:  # type: ignore[no-untyped-def]
    login("observer")
    report = json.loads(client.get("/explorer/majority_and_regions.json").get_data(as_text=True))
    assert sum(Fraction(m["shapley_shubik"]) for m in report["members"]) == 1
    assert report["framework"]["rule"]["regions"]["needed"] == 3
    assert "derivation" in report
    rows = list(csv.reader(io.StringIO(client.get("/explorer/size_tiers.csv").get_data(as_text=True))))
    assert rows[0] == ["id", "weight", "weight_share", "banzhaf", "absolute_banzhaf", "shapley_shubik"]
    assert len(rows) == 15
    assert client.get("/explorer/nonsense.json").status_code == 404


def test_a_framework_over_the_bound_is_shown_with_the_reason(client: FlaskClient, login, registry,  # type: ignore[no-untyped-def]
                                                             monkeypatch) -> None:
    from app.explorer import frameworks as explorer_frameworks

    explorer_frameworks._cached.cache_clear()
    monkeypatch.setattr(explorer_frameworks, "MAX_COST", 1)
    login("observer")
    page = client.get("/explorer/", query_string=[("framework", "population_capped"), ("framework", "size_tiers")])
    assert page.status_code == 200
    assert "cannot be computed on the registry" in page.get_data(as_text=True)
    assert "too large to compute exactly in the time a page allows" in page.get_data(as_text=True)
    assert client.get("/explorer/population_capped.json").status_code == 409
    post_form(client, "/language", {"lang": "fr", "next": "/explorer/"}, token_from="/explorer/")
    french = client.get("/explorer/", query_string=[("framework", "population_capped"), ("framework", "size_tiers")])
    assert "in the time a page allows" not in french.get_data(as_text=True)  # the reason in the reader's language
    explorer_frameworks._cached.cache_clear()


# --- custom frameworks: parameters edited in the browser, carried in the query string ---

def _custom(start: str = "size_tiers", compare: tuple[str, ...] = ("one_lip_one_vote",), **changes: str) -> list[tuple[str, str]]:
    """The query string of the custom form filled in from ``start``, with ``changes``."""
    from app.explorer.custom import values_from_preset

    values = {**values_from_preset(start), **changes}
    return [*values.items(), *(("framework", name) for name in compare)]


@pytest.mark.parametrize("role", ["observer", "delegate", "auditor"])
def test_only_chairs_and_administrators_edit_frameworks(client: FlaskClient, login, registry, role) -> None:  # type: ignore[no-untyped-def]
    login(role)
    assert client.get("/explorer/custom").status_code == 403
    assert client.get("/explorer/custom.json", query_string=_custom()).status_code == 403
    assert "Change the parameters of this framework" not in client.get("/explorer/").get_data(as_text=True)


def test_the_form_starts_from_a_preset(client: FlaskClient, login, registry) -> None:  # type: ignore[no-untyped-def]
    login("chair")
    assert "Change the parameters of this framework" in client.get("/explorer/").get_data(as_text=True)
    page = client.get("/explorer/custom", query_string={"start": "eu_double_majority"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'name="weight_share" value="65"' in text and 'name="members_share" value="55"' in text
    assert 'name="block_minimum" value="4"' in text
    assert "Your framework" not in text  # nothing computed before the form is sent
    assert client.get("/explorer/custom", query_string={"start": "nonsense"}).status_code == 200  # the first preset


@pytest.mark.parametrize("role", ["chair", "admin"])
def test_a_custom_framework_is_compared_beside_presets(client: FlaskClient, login, registry, role) -> None:  # type: ignore[no-untyped-def]
    login(role)
    query = _custom("size_tiers", ("one_lip_one_vote", "majority_and_regions"), small="1", medium="1", large="5",
                    members="more_than", members_share="50")
    page = client.get("/explorer/custom", query_string=query)
    assert page.status_code == 200, page.get_data(as_text=True)
    text = page.get_data(as_text=True)
    assert "Your framework" in text and "One LIP, one vote" in text and "Majority of LIPs and of three regions" in text
    assert "small centres 1, medium 1, large 5" in text
    assert "8 of 14 LIPs" in text  # more than half of 14 LIPs
    report = json.loads(client.get("/explorer/custom.json", query_string=query).get_data(as_text=True))
    assert report["framework"]["weights"]["tiers"] == {"small": 1, "medium": 1, "large": 5}
    assert report["framework"]["rule"]["members"] == {"more_than": "1/2"}
    assert sum(Fraction(m["banzhaf"]) for m in report["members"]) == 1
    rows = list(csv.reader(io.StringIO(client.get("/explorer/custom.csv", query_string=query).get_data(as_text=True))))
    assert len(rows) == 15


def test_every_preset_can_be_rebuilt_in_the_form(client: FlaskClient, login, registry) -> None:  # type: ignore[no-untyped-def]
    """The form reproduces each preset exactly: the custom report is the preset's."""
    from voting import frameworks

    login("chair")
    for name in sorted(PRESETS):
        report = json.loads(client.get("/explorer/custom.json", query_string=_custom(name)).get_data(as_text=True))
        assert report["framework"] == frameworks.validate_framework(frameworks.PRESETS[name]), name


def test_percentages_accept_a_decimal_comma_and_a_percent_sign(client: FlaskClient, login, registry) -> None:  # type: ignore[no-untyped-def]
    login("chair")
    query = _custom("population_capped", cap="12,5 %", floor="0.25")
    report = json.loads(client.get("/explorer/custom.json", query_string=query).get_data(as_text=True))
    assert report["framework"]["weights"]["cap"] == "1/8"
    assert report["framework"]["weights"]["floor"] == "1/400"
    query = _custom("size_tiers", weight="more_than", weight_share="99.5", members="at_least", members_share="100")
    report = json.loads(client.get("/explorer/custom.json", query_string=query).get_data(as_text=True))
    assert report["framework"]["rule"]["weight"] == {"more_than": "199/200"}
    assert report["framework"]["rule"]["members"] == {"at_least": "1/1"}


BAD = [
    ({"kind": "bogus"}, "kind", "Choose how the weight is shared."),
    ({"kind": "tiered", "large": "0"}, "large", "Enter a factor as a whole number from 1 to 100."),
    ({"kind": "tiered", "medium": "two"}, "medium", "Enter a factor as a whole number from 1 to 100."),
    ({"kind": "tiered", "small": "١"}, "small", "Enter a factor as a whole number from 1 to 100."),
    ({"kind": "population", "equal_part": ""}, "equal_part", "Enter the part of the weight shared equally."),
    ({"kind": "population", "total": ""}, "total", "Enter the total units of weight"),
    ({"total": "2000000"}, "total", "Enter the total units of weight"),
    ({"kind": "population", "equal_part": "150"}, "equal_part", "Enter the part shared equally as a percentage"),
    ({"kind": "population", "equal_part": "3/2"}, "equal_part", "Enter the part shared equally as a percentage"),
    ({"cap": "abc"}, "cap", "Enter the cap as a percentage"),
    ({"cap": "1/0"}, "cap", "Enter the cap as a percentage"),
    ({"floor": "0.00001"}, "floor", "Enter the floor as a percentage"),
    ({"cap": "0"}, "cap", "Enter a cap above 0 per cent"),
    ({"cap": "5"}, "cap", "The cap is too low"),
    ({"floor": "10"}, "floor", "The floor is too high"),
    ({"cap": "20", "floor": "8"}, "floor", "The floor is too high"),  # 14 x 8 % > 100 %
    ({"weight": "sometimes"}, "weight", "Choose the condition on weight."),
    ({"weight": "more_than", "weight_share": ""}, "weight_share", "Enter the share of the weight a motion needs."),
    ({"weight": "more_than", "weight_share": "100"}, "weight_share", "Enter the share of the weight as a percentage"),
    ({"members": "maybe"}, "members", "Choose the condition on the number of LIPs."),
    ({"members": "at_least", "members_share": "-5"}, "members_share", "Enter the share of the LIPs as a percentage"),
    ({"members": "at_least", "members_share": "101"}, "members_share", "Enter the share of the LIPs as a percentage"),
    ({"regions": "several"}, "regions", "Choose the regional condition."),
    ({"regions": "some", "regions_needed": "6"}, "regions_needed", "Enter a number of regions from 1 to 5."),
    ({"regions": "some", "regions_needed": "0"}, "regions_needed", "Enter a number of regions from 1 to 5."),
    ({"block_minimum": "99"}, "block_minimum", "Enter a number of LIPs from 1 to 14"),
    ({"weight": "none", "members": "more_than", "members_share": "50", "block_minimum": "3"}, "block_minimum",
     "A minimum to block needs a condition on weight."),
    ({"weight": "none", "members": "none", "regions": "none"}, "weight", "Choose at least one condition"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD, ids=[f"{f}-{i}" for i, (_c, f, _m) in enumerate(BAD)])
def test_bad_parameters_are_refused_with_an_error_summary(client: FlaskClient, login, registry,  # type: ignore[no-untyped-def]
                                                          changes, field, message) -> None:
    login("chair")
    page = client.get("/explorer/custom", query_string=_custom(**changes))
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "There is a problem" in text and message in text
    target = f"{field}-0" if field in ("kind", "weight", "members", "regions") else field
    assert f'href="#{target}"' in text
    assert "Your framework" not in text
    assert client.get("/explorer/custom.json", query_string=_custom(**changes)).status_code == 422


@pytest.mark.parametrize("compare", [(), ("nonsense",), ("one_lip_one_vote", "size_tiers", "regional_blocks", "eu_double_majority")])
def test_the_presets_to_compare_with_are_checked(client: FlaskClient, login, registry, compare) -> None:  # type: ignore[no-untyped-def]
    login("chair")
    page = client.get("/explorer/custom", query_string=_custom(compare=compare))
    assert page.status_code == 422
    assert 'href="#compare-one_lip_one_vote"' in page.get_data(as_text=True)


def test_exact_shares_too_fine_for_the_registry_ask_for_a_total(client: FlaskClient, login, registry) -> None:  # type: ignore[no-untyped-def]
    login("chair")
    page = client.get("/explorer/custom", query_string=_custom("size_tiers", small="97", medium="89", large="83",
                                                               cap="7.1234"))
    assert page.status_code in (200, 422)  # exact shares may or may not fit: never a 500


def test_a_custom_framework_over_the_bound_is_refused_in_a_sentence(client: FlaskClient, login, registry,  # type: ignore[no-untyped-def]
                                                                    monkeypatch) -> None:
    from app.explorer import frameworks as explorer_frameworks

    explorer_frameworks._cached.cache_clear()
    monkeypatch.setattr(explorer_frameworks, "MAX_COST", 1)
    login("chair")
    page = client.get("/explorer/custom", query_string=_custom("population_capped"))
    assert page.status_code == 422
    assert "too large to compute exactly" in page.get_data(as_text=True)
    assert client.get("/explorer/custom.json", query_string=_custom("population_capped")).status_code == 422
    explorer_frameworks._cached.cache_clear()


def test_the_custom_page_in_french(client: FlaskClient, login, registry) -> None:  # type: ignore[no-untyped-def]
    login("chair")
    assert post_form(client, "/language", {"lang": "fr", "next": "/explorer/"}, token_from="/explorer/").status_code == 302
    page = client.get("/explorer/custom", query_string=_custom(cap="abc"))
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Build a custom framework" not in text and "Enter the cap" not in text
    assert "Créer un cadre sur mesure" in text


def test_exact_regional_parity_too_fine_asks_for_a_total(client: FlaskClient, login, registry) -> None:  # type: ignore[no-untyped-def]
    login("chair")
    page = client.get("/explorer/custom", query_string=_custom("regional_blocks", total=""))
    assert page.status_code in (200, 422)
    if page.status_code == 422:
        assert "Enter a total of units of weight to share." in page.get_data(as_text=True)


FIELD_TEXT = st.one_of(st.sampled_from(["", "0", "1", "50", "100", "2/3", "1/0", "12,5 %", "999999999", "all", "-1"]),
                       st.text(max_size=8))


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(["kind", "small", "large", "equal_part", "cap", "floor", "total", "weight",
                                                "weight_share", "members", "members_share", "regions", "regions_needed",
                                                "block_minimum"]), FIELD_TEXT, max_size=5))
def test_no_parameters_make_a_server_error(client: FlaskClient, login, registry, changes) -> None:  # type: ignore[no-untyped-def]
    if client.get("/explorer/custom").status_code == 302:  # hypothesis reuses the signed-in client
        login("chair")
    page = client.get("/explorer/custom", query_string=_custom(**changes))
    assert page.status_code in (200, 422)
