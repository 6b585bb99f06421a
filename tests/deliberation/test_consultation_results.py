"""The consultation breakdown, checked by hand on five members (the same example as
docs/deliberation.md, "A worked example").

    member  region    prov. setting size    holder     clusters            weight  answer
    A       atlantic  NS    urban   small   spo        -                   1       support
    B       atlantic  NB    rural   small   municipal  northern            1       oppose
    C       ontario   ON    urban   large   municipal  gta                 3       support with changes
    D       ontario   ON    urban   medium  spo        gta, francophone    2       support
    E       ontario   ON    rural   small   spo        -                   1       abstain

In support: A, C, D (3 of 5 members; weight 6 of 8).
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import examples

from app.deliberation.consultation_results import (
    CHOICES,
    MIN_CELL,
    NO_CLUSTER,
    OTHER_GROUPS,
    Answer,
    Spread,
    tally,
)

A = Answer("a", "support", 1, "atlantic", "NS", "urban", "small", "spo", ())
B = Answer("b", "oppose", 1, "atlantic", "NB", "rural", "small", "municipal", ("northern",))
C = Answer("c", "support_changes", 3, "ontario", "ON", "urban", "large", "municipal", ("gta",))
D = Answer("d", "support", 2, "ontario", "ON", "urban", "medium", "spo", ("gta", "francophone"))
E = Answer("e", "abstain", 1, "ontario", "ON", "rural", "small", "spo", ())
FIVE = [A, B, C, D, E]


def by_grouping(results):  # type: ignore[no-untyped-def]
    return {b.grouping: b for b in results.breakdowns}


def test_totals_per_member_and_by_weight() -> None:
    results = tally(FIVE, confidential=False)
    total = results.total
    assert (total.responses, total.in_support) == (5, 3)
    assert total.members == {"support": 2, "support_changes": 1, "oppose": 1, "abstain": 1}
    assert total.weights == {"support": 3, "support_changes": 3, "oppose": 1, "abstain": 1}
    assert (total.weight_in_support, total.weight) == (6, 8)
    assert total.support_share == Fraction(3, 5) and total.weight_share == Fraction(3, 4)
    assert results.majority_in_support


def test_region_one_group_carries_the_support() -> None:
    region = by_grouping(tally(FIVE, confidential=False))["region"]
    cells = {c.group: c for c in region.cells}
    # atlantic: 1 of 2 in support -> (1+1)/(2+2) = 1/2, not above one half: no majority
    assert cells["atlantic"].factor == Fraction(1, 2) and not cells["atlantic"].leans_in_support
    # ontario: 2 of 3 -> (2+1)/(3+2) = 3/5
    assert cells["ontario"].factor == Fraction(3, 5) and cells["ontario"].leans_in_support
    assert (cells["ontario"].weight_in_support, cells["ontario"].weight) == (5, 6)
    assert region.agreement == Fraction(1, 2) * Fraction(3, 5) == Fraction(3, 10)
    assert region.spread(overall_majority=True) is Spread.ONE_GROUP


def test_every_grouping_by_hand() -> None:
    groupings = by_grouping(tally(FIVE, confidential=False))
    expected = {
        # province: NS 1 of 1 -> 2/3; NB 0 of 1 -> 1/3; ON 2 of 3 -> 3/5
        "province": (Fraction(2, 3) * Fraction(1, 3) * Fraction(3, 5), Spread.SOME_GROUPS),
        # urban 3 of 3 -> 4/5; rural 0 of 2 -> 1/4
        "setting": (Fraction(1, 5), Spread.ONE_GROUP),
        # small 1 of 3 -> 2/5; medium 1 of 1 -> 2/3; large 1 of 1 -> 2/3
        "size_class": (Fraction(8, 45), Spread.SOME_GROUPS),
        # spo 2 of 3 -> 3/5; municipal 1 of 2 -> 1/2
        "holder_type": (Fraction(3, 10), Spread.ONE_GROUP),
        # none 1 of 2 -> 1/2; northern 0 of 1 -> 1/3; gta 2 of 2 -> 3/4; francophone 1 of 1 -> 2/3 (D counts in both)
        "cluster": (Fraction(1, 12), Spread.SOME_GROUPS),
    }
    for grouping, (agreement, spread) in expected.items():
        assert groupings[grouping].agreement == agreement, grouping
        assert groupings[grouping].spread(overall_majority=True) is spread, grouping
    assert groupings["province"].agreement == Fraction(2, 15)
    clusters = {c.group: c.responses for c in groupings["cluster"].cells}
    assert clusters == {NO_CLUSTER: 2, "northern": 1, "gta": 2, "francophone": 1}


def test_broad_and_none() -> None:
    everyone = [Answer(a.member, "support", a.weight, a.region, a.province, a.setting, a.size_class, a.holder_type,
                       a.clusters) for a in FIVE]
    region = by_grouping(tally(everyone, confidential=False))["region"]
    assert region.agreement == Fraction(3, 4) * Fraction(4, 5)  # (2+1)/(2+2) x (3+1)/(3+2)
    assert region.spread(overall_majority=True) is Spread.BROAD
    nobody = [Answer(a.member, "oppose", 1, a.region, a.province, a.setting, a.size_class, a.holder_type)
              for a in FIVE]
    assert by_grouping(tally(nobody, confidential=False))["region"].spread(overall_majority=False) is Spread.NONE
    one_region = tally([C, D, E], confidential=False)
    assert by_grouping(one_region)["region"].spread(overall_majority=True) is Spread.SINGLE


def test_confidential_merges_small_groups_and_counts_a_member_once() -> None:
    groupings = by_grouping(tally(FIVE, confidential=True))
    # region: atlantic has 2 (< 3), so it joins "other groups", which takes ontario (3) to reach 3
    region = groupings["region"]
    assert [(c.group, c.responses) for c in region.cells] == [(OTHER_GROUPS, 5)]
    assert set(region.cells[0].merged) == {"atlantic", "ontario"}
    # setting: urban 3 stays alone only if the other row reaches 3; rural 2 takes urban in
    assert [(c.group, c.responses) for c in groupings["setting"].cells] == [(OTHER_GROUPS, 5)]
    # cluster: every cluster is small; D is in two of them and counts once
    assert [(c.group, c.responses) for c in groupings["cluster"].cells] == [(OTHER_GROUPS, 5)]
    # no cell shown anywhere has fewer than 3 members
    assert all(c.responses >= MIN_CELL for b in groupings.values() for c in b.cells)


def test_confidential_hides_what_cannot_reach_three() -> None:
    results = tally([A, B], confidential=True)
    assert results.headline_hidden
    assert all(b.hidden and not b.cells for b in results.breakdowns)
    assert not tally([A, B], confidential=False).headline_hidden


answers = st.lists(st.builds(
    Answer, member=st.text(alphabet="abcdefgh", min_size=1, max_size=3), choice=st.sampled_from(CHOICES),
    weight=st.integers(0, 5), region=st.sampled_from(["atlantic", "ontario", "quebec"]),
    province=st.sampled_from(["NS", "ON", "QC", "NB"]), setting=st.sampled_from(["urban", "rural"]),
    size_class=st.sampled_from(["small", "medium", "large"]), holder_type=st.sampled_from(["spo", "municipal"]),
    clusters=st.lists(st.sampled_from(["gta", "north", "franco"]), max_size=2, unique=True).map(tuple),
), max_size=12, unique_by=lambda a: a.member)


@settings(max_examples=examples(60), deadline=None)
@given(answers)
def test_confidential_tables_never_show_a_small_group(found: list[Answer]) -> None:
    results = tally(found, confidential=True)
    for b in results.breakdowns:
        assert all(c.responses >= MIN_CELL for c in b.cells)
        if b.cells and b.grouping != "cluster":  # clusters overlap; the other groupings partition the members
            assert sum(c.responses for c in b.cells) == len(found)
        for cell in b.cells:
            assert Fraction(0) < cell.factor < Fraction(1)
