"""The results page: public after close, words that state the exact arithmetic, SVG charts with a
table fallback, rounds, matrices, ties, and breakdowns only for recorded ballots.

Expected numbers are recomputed here from the committed weights (not read back from the page's
own code), so a page that mis-stated a share or a threshold would fail.
"""

from __future__ import annotations

import html as html_lib
import json
import math
import re
from fractions import Fraction
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import voting

from app.charts import Bar, Marker, bar_chart, data_table
from app.database import write_transaction
from app.extensions import db
from app.models import DelegateRank, Member, Role
from app.motions import service
from app.motions.models import Motion
from tests.app.motion_helpers import cast_as, close_now, draft_motion, open_now, options
from tests.conftest import Person, add_member, add_user, post_form

POPULATION = {"kind": "blended", "total": 10000, "equal_part": "0/1", "cap": None, "floor": None}
# halifax and ottawa are medium, bow-valley small: 4000, 2000, 4000 units
TIERED = {"kind": "tiered", "total": 10000, "tiers": {"small": 1, "medium": 2, "large": 3}, "cap": None, "floor": None}


@pytest.fixture
def voters(app: Flask, people: dict[str, Person]) -> Flask:
    """halifax (atlantic, delegate@), bow-valley (prairies_nt), ottawa (ontario), one delegate each."""
    with app.app_context():
        bow = db.session.scalar(select(Member).where(Member.slug == "bow-valley"))
        add_user("bow@example.org", Role.DELEGATE, bow, DelegateRank.PRIMARY, password=None)
        ottawa = add_member("ottawa", name_en="Ottawa LIP", name_fr="PLI d'Ottawa", population=1_000_000)
        add_user("ottawa@example.org", Role.DELEGATE, ottawa, DelegateRank.PRIMARY, password=None)
        db.session.commit()
    return app


EMAIL = {"halifax": "delegate@example.org", "bow-valley": "bow@example.org", "ottawa": "ottawa@example.org"}


def _run(app: Flask, votes: dict[str, Any], *, close: bool = True, **motion: Any) -> tuple[int, dict[str, int]]:
    with app.app_context():
        motion_id = draft_motion(**motion)
        open_now(motion_id)
        for slug, selection in votes.items():
            cast_as(motion_id, EMAIL[slug], selection)
        weights = service.committed_weights(db.session.get(Motion, motion_id))
        if close:
            close_now(motion_id)
    return motion_id, weights


def _html(client: FlaskClient, motion_id: int, status: int = 200) -> str:
    response = client.get(f"/results/motions/{motion_id}")
    assert response.status_code == status
    return response.get_data(as_text=True)


def _pct(f: Fraction) -> str:
    tenths = round(f * 1000)  # Fraction rounds half to even, as the page does
    return f"{tenths // 10}.{tenths % 10}%"


def _n(n: int) -> str:
    return f"{n:,}"


def test_results_are_public_after_close_only(voters: Flask, client: FlaskClient) -> None:
    with voters.app_context():
        draft = draft_motion()
    assert client.get(f"/results/motions/{draft}").status_code == 404
    assert client.get("/results/motions/424242").status_code == 404
    open_id, _ = _run(voters, {"halifax": "yes"}, close=False)
    assert "still open" in _html(client, open_id, 409)
    with voters.app_context():
        close_now(open_id)
    assert "Results: Adopt the representative framework" in _html(client, open_id)


def test_two_thirds_headline_states_the_exact_threshold_arithmetic(voters: Flask, client: FlaskClient) -> None:
    motion_id, w = _run(voters, {"halifax": "yes", "bow-valley": "no", "ottawa": "yes"},
                        rules={"threshold": "two_thirds"}, policy=POPULATION)
    yes, base = w["halifax"] + w["ottawa"], sum(w.values())
    need = math.ceil(Fraction(2, 3) * base)
    verdict = "Carried" if yes >= need else "Defeated"
    relation = "reaching" if yes >= need else "short of"
    html = _html(client, motion_id)
    assert (f"{verdict}: 3 of 3 members voted; yes had {_n(yes)} of {_n(base)} units cast for yes or no "
            f"({_pct(Fraction(yes, base))}), {relation} the two-thirds threshold of {_n(need)} (at least 2/3).") in html
    share = Fraction(yes, base)
    assert f"yes = {_n(yes)} / {_n(base)} = {share.numerator}/{share.denominator}" in html


def test_regional_double_majority_fails_when_one_region_says_no(voters: Flask, client: FlaskClient) -> None:
    motion_id, w = _run(voters, {"halifax": "yes", "bow-valley": "no", "ottawa": "yes"},
                        rules={"threshold": "majority_cast", "double_majority": {"regions": "all"}})
    html = _html(client, motion_id)
    assert html.count("Defeated:") == 1 and "reaching the simple majority threshold" in html
    assert "still fails because a double-majority test below was not met" in html
    assert "yes must outweigh no in 3 of the 3 regions with eligible members; 2 did: not met." in html
    assert re.search(r"<th scope=\"row\">Prairies and Northern Territories</th><td class=\"num\">1</td>"
                     rf"<td class=\"num\">0</td><td class=\"num\">{_n(w['bow-valley'])}</td>", html)


def test_no_quorum_explains_the_count(voters: Flask, client: FlaskClient) -> None:
    motion_id, _ = _run(voters, {"halifax": "yes"}, rules={"quorum": {"members": "1/2", "weight": None}})
    html = _html(client, motion_id)
    assert "No decision: the quorum was not met" in html
    assert "Quorum by members: 1 of 3 voted = 1/3 (33.3%); at least 1/2 (50.0%) was needed, that is 2: not met." in html


def test_irv_round_table_shows_eliminations_and_transfers(voters: Flask, client: FlaskClient) -> None:
    motion_id, w = _run(voters, {"halifax": ["a", "b"], "bow-valley": ["b", "a"], "ottawa": ["c", "b"]},
                        method="irv", option_list=options("a", "b", "c"), policy=TIERED)
    html = _html(client, motion_id)
    assert "Rounds of counting" in html and "<th scope=\"col\">Round 1</th>" in html
    assert "<strong>eliminated</strong>" in html
    with voters.app_context():
        result = db.session.get(Motion, motion_id).result
    first = {o: w[s] for s, o in (("halifax", "a"), ("bow-valley", "b"), ("ottawa", "c"))}
    loser = result["detail"]["rounds"][0]["eliminated"]
    assert loser == min(first, key=first.get)
    assert f"{_n(first[loser])} <strong>eliminated</strong>" in html


def test_stv_shows_the_surplus_passed_on(voters: Flask, client: FlaskClient) -> None:
    motion_id, _ = _run(voters, {"halifax": ["a", "b"], "bow-valley": ["a", "c"], "ottawa": ["a", "b"]},
                        method="stv", seats=2, option_list=options("a", "b", "c"))
    html = _html(client, motion_id)
    assert "Elected to 2 seats: A, B" in html
    # equal weights 3334/3333/3333, quota floor(10000/3)+1 = 3334: A holds 10000, surplus 6666/10000
    assert "Round 1 surplus passed on: A 3333/5000 (66.7%)" in html


def test_condorcet_pages_show_pairwise_and_paths(voters: Flask, client: FlaskClient) -> None:
    votes = {"halifax": ["a", "b", "c"], "bow-valley": ["b", "c", "a"], "ottawa": ["c", "a", "b"]}
    schulze, w = _run(voters, votes, method="schulze", option_list=options("a", "b", "c"), policy=TIERED)
    html = _html(client, schulze)
    a_over_b = w["halifax"] + w["ottawa"]  # halifax and ottawa rank a above b
    assert "Pairwise preferences by weight" in html and "Strongest path strengths" in html
    assert f"<strong>{_n(a_over_b)}</strong>" in html
    pairs, _ = _run(voters, votes, method="ranked_pairs", option_list=options("a", "b", "c"), policy=TIERED)
    html = _html(client, pairs)
    assert "Ranked Pairs: pairs in order of strength" in html
    assert html.count(">locked<") == 2 and html.count("skipped: would create a cycle") == 1  # a cycle of three


def test_ties_and_the_tie_break_order_are_shown(voters: Flask, client: FlaskClient) -> None:
    motion_id, _ = _run(voters, {"halifax": ["a"], "ottawa": ["b"]}, method="approval",
                        option_list=options("a", "b", "c"), policy=TIERED)
    html = _html(client, motion_id)
    with voters.app_context():
        result = db.session.get(Motion, motion_id).result
    winner = result["winners"][0].upper()
    assert "A tie was broken by the published tie-break order" in html
    assert (f'<td data-label="Tied">A, B</td><td data-label="Chosen">{winner}</td>'
            '<td data-label="Effect">elected</td>') in html
    assert ", ".join(o.upper() for o in result["tie_break"]["order"]) + "." in html
    assert result["tie_break"]["seed"] in html


def test_breakdown_only_for_recorded_ballots(voters: Flask, client: FlaskClient, login: Any) -> None:
    recorded, w = _run(voters, {"halifax": "yes", "bow-valley": "no", "ottawa": "no"})
    html = _html(client, recorded)
    assert "Breakdown by member attributes" in html
    assert re.search(rf"<th scope=\"row\">Atlantic</th><td class=\"num\">1</td><td class=\"num\">{_n(w['halifax'])}</td>", html)
    secret, _ = _run(voters, {"halifax": "yes", "bow-valley": "no", "ottawa": "no"}, secret=True)
    login("observer")
    html = _html(client, secret)
    assert "Breakdown by member attributes" not in html and "no breakdown by member" in html
    # the weights in force (leaf 0, public in the bundle) are listed by member in the power report
    outside_power = re.sub(r'<section class="power-report".*?</section>', "", html, flags=re.S)
    assert "Atlantic" not in outside_power and "Halifax" not in outside_power


def test_french_numbers(voters: Flask, client: FlaskClient) -> None:
    motion_id, w = _run(voters, {"halifax": "yes", "bow-valley": "no", "ottawa": "yes"}, policy=POPULATION)
    assert post_form(client, "/language", {"lang": "fr", "next": "/"}, token_from="/audit/").status_code == 302
    html = _html(client, motion_id)
    share = Fraction(w["halifax"] + w["ottawa"], sum(w.values()))
    assert _pct(share).replace(".", ",").replace("%", "\u00a0%") in html


def test_member_counts_agree_in_french(voters: Flask, client: FlaskClient) -> None:
    one, _ = _run(voters, {"halifax": "yes"})
    two, _ = _run(voters, {"halifax": "yes", "ottawa": "no"})
    assert "1 of 3 members voted" in _html(client, one) and "2 of 3 members voted" in _html(client, two)
    assert post_form(client, "/language", {"lang": "fr", "next": "/"}, token_from="/audit/").status_code == 302
    assert "1 membre sur 3 a voté" in _html(client, one)
    assert "2 membres sur 3 ont voté" in _html(client, two)


def test_headings_join_label_and_title_by_the_language_rule_and_escape_the_title(voters: Flask, client: FlaskClient) -> None:
    motion_id, _ = _run(voters, {"halifax": "yes"}, title="Fees <b>& dues</b>")
    html = _html(client, motion_id)
    assert "<h1>Results: Fees &lt;b&gt;&amp; dues&lt;/b&gt;</h1>" in html
    assert post_form(client, "/language", {"lang": "fr", "next": "/"}, token_from="/audit/").status_code == 302
    french = _html(client, motion_id)
    assert "<h1>Résultats\u00a0: FR: Fees &lt;b&gt;&amp; dues&lt;/b&gt;</h1>" in french
    audit = client.get(f"/audit/motions/{motion_id}").get_data(as_text=True)
    assert "\u00a0: FR: Fees &lt;b&gt;" in audit and "<b>" not in audit


def test_motion_list_links_results_and_audit(voters: Flask, client: FlaskClient, login: Any) -> None:
    closed, _ = _run(voters, {"halifax": "yes"})
    login("observer")
    html = client.get("/motions/").get_data(as_text=True)
    assert f'href="/results/motions/{closed}"' in html and f'href="/audit/motions/{closed}"' in html


# --- charts (pure functions) -------------------------------------------------------------------


def test_bar_widths_are_proportional_and_text_is_escaped() -> None:
    svg = bar_chart("c1", "Votes <by> weight", [Bar("<script>alert(1)</script>", 300, "300"), Bar("B", 100, "100")],
                    marker=Marker(150, "half"))
    widths = [float(x) for x in re.findall(r'<rect [^>]*width="([0-9.]+)"', svg)]
    assert widths[0] == pytest.approx(3 * widths[1], abs=0.2)  # coordinates are rounded to 0.1 px
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "Votes &lt;by&gt; weight" in svg
    assert 'role="img"' in svg and '<title id="c1-title">' in svg and "style=" not in svg
    line_x = float(re.search(r'<line x1="([0-9.]+)"', svg).group(1))
    assert line_x == pytest.approx(widths[0] / 2, abs=0.1)


def test_empty_votes_draw_zero_width_bars_and_tables_have_row_headers() -> None:
    svg = bar_chart("c2", "Nothing", [Bar("A", 0, "0"), Bar("B", 0, "0")])
    assert re.findall(r'<rect [^>]*width="([0-9.]+)"', svg) == ["0", "0"]
    table = data_table("Caption", ["Option", "Units"], [["A & B", "12"]])
    assert '<th scope="row">A &amp; B</th><td class="num">12</td>' in table and "<caption>Caption</caption>" in table


def test_long_labels_wrap_above_their_bars_instead_of_being_cut() -> None:
    label = "Thibodeau (Greater Moncton Local Immigration Partnership and its rural partners)"
    svg = bar_chart("c3", "Votes", [Bar(label, 10, "10 (100.0%)")])
    lines = re.findall(r'<text x="0" y="[0-9]+" fill="#1b1f24">([^<]*)</text>', svg)
    assert len(lines) > 1 and " ".join(lines) == label and "…" not in svg
    bar_y = float(re.search(r'<rect x="0" y="([0-9.]+)"', svg).group(1))
    last_line_y = max(float(y) for y in re.findall(r'<text x="0" y="([0-9]+)"', svg))
    assert bar_y > last_line_y  # the label sits above its bar, never beside it in a fixed column


def test_chart_text_is_at_least_12_px_on_a_375_px_phone() -> None:
    """At 375 px the page's content is 343 px wide (1 rem of padding each side): the drawing's
    units scale by 343 / its width."""
    svg = bar_chart("c4", "Votes", [Bar("A", 1, "1")])
    width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', svg).group(1))
    font = float(re.search(r'font-size="([0-9.]+)"', svg).group(1))
    assert font * 343 / width >= 12


# --- each method in its own words, on published worked examples ---------------------------------------


def _page_with_tally(app: Flask, client: FlaskClient, method: str, ids: str, ballots: list[tuple[int, str]],
                     names: dict[str, str] | None = None) -> str:
    """The results page of a closed motion whose published result is the engine's tally of
    `ballots` (weight, ranking as a string of option ids): a real count of a published example,
    shown through the real page."""
    option_list = [{"id": i, "en": (names or {}).get(i, i.upper()), "fr": (names or {}).get(i, i.upper())} for i in ids]
    with app.app_context():
        motion_id = draft_motion(method=method, option_list=option_list)
        open_now(motion_id)
        motion = close_now(motion_id)
        motion.result_json = json.dumps(voting.tally(method, [(w, list(r)) for w, r in ballots], options=list(ids),
                                                     rules={}, tie_break_seed=bytes(32)).as_dict())
        db.session.commit()
    return html_lib.unescape(_html(client, motion_id))


# Wikipedia, "Schulze method", section "Example": 45 voters, candidates A to E; E wins by beat paths.
SCHULZE_EXAMPLE = [(5, "acbed"), (5, "adecb"), (8, "bedac"), (3, "cabed"), (7, "caebd"), (2, "cbade"), (7, "dceba"),
                   (8, "ebadc")]
# Wikipedia, "Condorcet method" and "Instant-runoff voting", the Tennessee capital example: Memphis
# 42 %, Nashville 26 %, Chattanooga 15 %, Knoxville 17 %. Nashville is the Condorcet winner;
# IRV elects Knoxville.
TENNESSEE = [(42, "mnck"), (26, "nckm"), (15, "cknm"), (17, "kcnm")]
CITIES = {"m": "Memphis", "n": "Nashville", "c": "Chattanooga", "k": "Knoxville"}


def test_schulze_without_a_condorcet_winner_leads_with_the_beat_paths(voters: Flask, client: FlaskClient) -> None:
    html = _page_with_tally(voters, client, "schulze", "abcde", SCHULZE_EXAMPLE)
    # the strongest paths published in the example: d[E,A] 25 vs d[A,E] 24, E-B 28/24, E-C 28/24, E-D 31/24
    assert ("E wins. No option beats every other head to head, so chains of head-to-head wins decide: E's strongest "
            "path to each other option is stronger than that option's path back: A 25 to 24; B 28 to 24; C 28 to 24; "
            "D 31 to 24.") in html
    assert "<h2 id=\"charts-heading\">What decided it</h2>" in html
    assert "Strongest paths: E against each other option" in html and "First preferences" not in html


def test_a_condorcet_winner_is_said_head_to_head_for_schulze_and_ranked_pairs(voters: Flask, client: FlaskClient) -> None:
    for method in ("schulze", "ranked_pairs"):
        html = _page_with_tally(voters, client, method, "mnck", TENNESSEE, CITIES)
        assert ("Nashville wins. Nashville beats every other option head to head: Memphis 58 to 42; "
                "Chattanooga 68 to 32; Knoxville 68 to 32.") in html, method
        assert 'id="chart-head-to-head"' in html and "Head to head: Nashville against each other option" in html
        assert "<td class=\"num\">58</td><td class=\"num\">42</td>" in html  # the chart's table
        assert "First preferences by weight" not in html


def test_ranked_pairs_without_a_condorcet_winner_names_the_skipped_pairs(voters: Flask, client: FlaskClient) -> None:
    html = _page_with_tally(voters, client, "ranked_pairs", "abcde", SCHULZE_EXAMPLE)
    assert ("A wins. No option beats every other head to head. Locking the head-to-head wins from the strongest down, "
            "and skipping any that would close a cycle, leaves A beaten by no locked win. Skipped because they would "
            "have closed a cycle: B over A (25 to 20); E over A (23 to 22).") in html


def test_irv_speaks_of_rounds_eliminations_and_a_majority_not_quotas(voters: Flask, client: FlaskClient) -> None:
    html = _page_with_tally(voters, client, "irv", "mnck", TENNESSEE, CITIES)
    assert ("Knoxville wins. In round 3, Knoxville had 58 of the 100 units still in the count (58.0%), a majority of "
            "them.") in html
    assert "Round 1: Chattanooga had the least weight (15) and was eliminated; its ballots moved on: 15 to Knoxville." in html
    assert "Round 2: Nashville had the least weight (26) and was eliminated; its ballots moved on: 26 to Knoxville." in html
    assert "Round 3, the last: units still in the count" in html
    main = html[html.index("<main"):html.index("</main>")].lower()
    assert "quota" not in main and "surplus" not in main


def test_an_irv_round_that_breaks_a_tie_says_so_and_whether_it_mattered(voters: Flask, client: FlaskClient) -> None:
    # C and D have no first preference and tie for last; either order elects B (tests/browser/test_results_ties.py)
    html = _page_with_tally(voters, client, "irv", "abcde", [(4, "abcde"), (3, "badce"), (2, "ecdba")])
    assert ("Round 1: C, D were tied for the least weight (0); the tie-break order eliminated C (any order gives the "
            "same winner); its ballots moved on: none had a next choice still in the count.") in html
    assert "Round 2: D had the least weight (0) and was eliminated" in html


def test_irv_with_exhausted_ballots_counts_the_majority_of_continuing_weight(voters: Flask, client: FlaskClient) -> None:
    html = _page_with_tally(voters, client, "irv", "mnck", [(42, "m"), (26, "nc"), (15, "c"), (17, "kcnm")], CITIES)
    assert "15 to Nashville" not in html
    assert "Round 2: Knoxville had the least weight (17) and was eliminated" in html
    assert "In round 3, Nashville had 43 of the 85 units still in the count (50.6%), a majority of them." in html


def test_stv_keeps_its_quota_and_surplus_words(voters: Flask, client: FlaskClient) -> None:
    html = _page_with_tally(voters, client, "stv", "mnck", TENNESSEE, CITIES)
    assert "Quota 51 of 100 valid units" in html


def test_a_closed_result_says_it_is_provisional_until_certified(voters: Flask, client: FlaskClient) -> None:
    motion_id, _ = _run(voters, {"halifax": "yes"})
    html = _html(client, motion_id)
    assert html.index("Provisional result") < html.index('class="outcome')
    with voters.app_context(), write_transaction():
        service.certify_motion(db.session.get(Motion, motion_id))
    assert "Provisional result" not in _html(client, motion_id)


def test_plurality_and_approval_keep_their_sentences_and_totals_chart(voters: Flask, client: FlaskClient) -> None:
    with voters.app_context():
        motion_id = draft_motion(method="plurality", option_list=options("a", "b"))
        open_now(motion_id)
        motion = close_now(motion_id)
        motion.result_json = json.dumps(voting.tally("plurality", [(42, "a"), (58, "b")], options=["a", "b"], rules={},
                                                     tie_break_seed=bytes(32)).as_dict())
        db.session.commit()
    html = _html(client, motion_id)
    assert "B wins: 2 members voted, with 100 units." in html
    assert "<h2 id=\"charts-heading\">Votes</h2>" in html and "Votes by weight" in html
    assert "58 (58.0%)" in html
    approval, _ = _run(voters, {"halifax": ["a", "b"], "ottawa": ["b"]}, method="approval", seats=1,
                       option_list=options("a", "b", "c"))
    html = _html(client, approval)
    assert "B wins: 2 of 3 members voted" in html and "Approvals by weight" in html


RANKED_CASES = {
    "tie": [(10, "ab"), (10, "ba")],
    "cycle": [(10, "abc"), (10, "bca"), (10, "cab")],
    "truncated": [(5, "a"), (4, "b"), (3, "cb"), (2, "")],
    "blank": [(3, "")],
}


@pytest.mark.parametrize("method", ["irv", "stv", "schulze", "ranked_pairs", "schulze_stv"])
@pytest.mark.parametrize("case", list(RANKED_CASES))
def test_every_ranked_outcome_is_worded_without_error(voters: Flask, client: FlaskClient, method: str, case: str) -> None:
    """Ties, cycles, exhausted and blank ballots: the page words each, never a server error."""
    html = _page_with_tally(voters, client, method, "abc", RANKED_CASES[case])
    outcome = re.search(r'<p class="outcome[^>]*>([^<]+)</p>', html).group(1)
    assert outcome.strip() and "%(" not in html


def test_a_tie_that_could_not_change_the_winner_is_not_called_broken(voters: Flask, client: FlaskClient) -> None:
    # c and d have no first preference: they tie for last, and either order elects B.
    html = _page_with_tally(voters, client, "irv", "abcde", [(4, "abcde"), (3, "badce"), (2, "ecdba")])
    assert "A tie was broken" not in html
    assert ('<td data-label="Tied">C, D</td><td data-label="Chosen">C</td><td data-label="Effect">eliminated</td>'
            '<td data-label="Could change the result">no, it could not change who won</td>') in html
    assert "None of these ties could change who won" in html
    assert '<th scope="row">Round 1</th>' in html  # the engine's "round 1", in the reader's words
    outcome = re.search(r'<p class="outcome[^>]*>([^<]+)</p>', html).group(1)
    assert outcome.startswith("B wins")


def test_a_result_counted_under_the_old_tie_rule_keeps_its_words(voters: Flask, client: FlaskClient) -> None:
    with voters.app_context():
        motion_id = draft_motion(method="irv", option_list=options("a", "b", "c", "d", "e"))
        open_now(motion_id)
        motion = close_now(motion_id)
        motion.result_json = json.dumps(voting.tally(
            "irv", [(4, list("abcde")), (3, list("badce")), (2, list("ecdba"))], options=list("abcde"),
            tie_break_seed=bytes(32), result_format="lipvote-tally/1").as_dict())
        db.session.commit()
    html = html_lib.unescape(_html(client, motion_id))
    assert "A tie was broken by the published tie-break order" in html
    assert "None of these ties could change who won" not in html



def test_tie_stages_are_worded_in_the_readers_language(app: Flask) -> None:
    from flask_babel import force_locale

    from app.results.view import stage_words

    with app.test_request_context():
        assert stage_words("round 3") == "Round 3"
        with force_locale("fr"):
            assert stage_words("round 3") == "Tour 3"
            assert stage_words("pairs of strength 1200") == "Paires de force 1\u202f200"
            assert stage_words("unranked fill").startswith("Sièges pourvus")
