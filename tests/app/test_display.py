"""One format for times, numbers and states per locale (app/display.py, docs/decisions.md)."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from flask import Flask
from flask_babel import force_locale

from app.display import motion_state, number, percent, when, when_text

# 19:05 UTC on 3 December 2026 is 14:05 Eastern Standard Time in Toronto.
WINTER = datetime(2026, 12, 3, 19, 5)
# 16:30 UTC on 1 July 2026 is 12:30 Eastern Daylight Time.
SUMMER = datetime(2026, 7, 1, 16, 30)


def test_times_are_shown_in_the_federation_zone_with_the_zone_named(app: Flask) -> None:
    with app.test_request_context():
        with force_locale("en"):
            assert when_text(WINTER) == "3 December 2026, 14:05 EST"
            assert when_text(SUMMER) == "1 July 2026, 12:30 EDT"
        with force_locale("fr"):
            assert when_text(WINTER) == "3 décembre 2026, 14 h 05 HNE"


def test_a_time_element_keeps_the_machine_time_in_utc(app: Flask) -> None:
    with app.test_request_context(), force_locale("en"):
        html = str(when(WINTER))
        assert html == '<time datetime="2026-12-03T19:05:00Z">3 December 2026, 14:05 EST</time>'
        assert str(when("2026-12-03T19:05:00.123456Z")) == html
        assert str(when(None)) == "—"


def test_the_zone_is_a_setting(app: Flask) -> None:
    app.config["BABEL_DEFAULT_TIMEZONE"] = "America/Vancouver"
    with app.test_request_context(), force_locale("en"):
        assert when_text(WINTER) == "3 December 2026, 11:05 PST"


def test_numbers_and_percentages_follow_the_locale(app: Flask) -> None:
    with app.test_request_context():
        with force_locale("en"):
            assert (number(95000), percent(Fraction(759, 1000))) == ("95,000", "75.9%")
        with force_locale("fr"):
            assert (number(95000), percent(Fraction(759, 1000))) == ("95\u202f000", "75,9\u00a0%")
            assert percent(Fraction(1, 8), places=2) == "12,50\u00a0%"


def test_motion_states_are_words_in_the_reader_language(app: Flask) -> None:
    with app.test_request_context():
        with force_locale("fr"):
            assert [motion_state(s) for s in ("draft", "open", "closed", "certified")] == [
                "ébauche", "ouverte", "fermée, non certifiée", "certifiée"]


def test_a_weight_of_one_unit_reads_as_french_singular(app: Flask) -> None:
    # "1 unités sur 80" was printed on receipts: the French puts the plural noun on the total
    from app.motions.rule_words import WeightShare

    with app.test_request_context():
        with force_locale("fr"):
            assert WeightShare(1, 80).words() == "1 sur 80 unités (1,25\u00a0%)"
        with force_locale("en"):
            assert WeightShare(1, 80).words() == "1 of 80 units (1.25%)"
