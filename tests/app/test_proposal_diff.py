"""Word-level diffs: per language, per clause; added and removed clauses shown as such."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import examples

from app.deliberation.diff import Segment, version_diff, word_diff
from app.deliberation.text import ClauseText


def test_a_changed_word_is_one_deletion_and_one_insertion() -> None:
    assert word_diff("The federation meets twice a year.", "The federation meets three times a year.") == [
        Segment("same", "The federation meets "), Segment("del", "twice"), Segment("ins", "three times"),
        Segment("same", " a year.")]


def test_punctuation_is_its_own_token() -> None:
    assert word_diff("members, partners", "members; partners") == [
        Segment("same", "members"), Segment("del", ","), Segment("ins", ";"), Segment("same", " partners")]


def test_accented_words_are_whole_words() -> None:
    assert word_diff("Équité entre régions", "Équité entre les régions") == [
        Segment("same", "Équité entre "), Segment("ins", "les "), Segment("same", "régions")]


@settings(max_examples=examples(60), deadline=None)
@given(st.text(max_size=60), st.text(max_size=60))
def test_the_diff_rebuilds_both_texts(old: str, new: str) -> None:
    segments = word_diff(old, new)
    assert "".join(s.text for s in segments if s.kind != "ins") == old
    assert "".join(s.text for s in segments if s.kind != "del") == new


def test_clauses_are_matched_by_identifier_per_language() -> None:
    old = [ClauseText("1", "Purpose", "Objet", "Meet twice.", "Se réunir deux fois."),
           ClauseText("2", "Members", "Membres", "Every LIP.", "Chaque PLI."),
           ClauseText("3", "Term", "Mandat", "Two years.", "Deux ans.")]
    new = [ClauseText("1", "Purpose", "Objet", "Meet three times.", "Se réunir deux fois."),
           ClauseText("3", "Term", "Mandat", "Two years.", "Deux ans."),
           ClauseText("4", "Oversight", "Surveillance", "Report yearly.", "")]
    diffs = version_diff(old, new)
    assert [(d.key, d.status) for d in diffs] == [("1", "changed"), ("2", "removed"), ("3", "unchanged"),
                                                  ("4", "added")]
    first = diffs[0]
    assert first.changed_in("en") and not first.changed_in("fr")
    assert diffs[1].text["fr"] == [Segment("del", "Chaque PLI.")]
    assert diffs[3].text["en"] == [Segment("ins", "Report yearly.")] and diffs[3].text["fr"] == []


def test_a_small_edit_in_a_long_clause_stays_word_level() -> None:
    long = " ".join(f"word{n}" for n in range(3000))
    edited = long.replace("word1500 ", "word1500 new ")
    assert [s for s in word_diff(long, edited) if s.kind != "same"] == [Segment("ins", "new ")]


def test_a_long_clause_rewritten_throughout_is_shown_removed_and_added_whole() -> None:
    old = " ".join(f"old{n % 7}" for n in range(2000))
    new = " ".join(f"new{n % 5}" for n in range(2000))
    assert [s.kind for s in word_diff(old, new)] == ["del", "ins"]
