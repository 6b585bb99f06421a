"""Every English text a verifier compares is written out in the specification, word for word.

docs/weights.md §6.4 and docs/methods.md §4 give the texts instead of leaving them out of the
comparison (docs/decisions.md, "Specification and conformance vectors"); these tests keep the
docs and the code saying the same.
"""

from __future__ import annotations

import re
from pathlib import Path

import voting
from ballots.report import CHECKS, section_of
from voting import weights

DOCS = Path(__file__).resolve().parents[2] / "docs"


def unwrapped(name: str) -> str:
    """The document with its lines joined, so a text wrapped across lines is found whole."""
    return re.sub(r"\s*\n\s*", " ", (DOCS / name).read_text(encoding="utf-8"))


def test_the_weight_rule_texts_are_in_weights_md() -> None:
    doc = unwrapped("weights.md")
    for text in (weights.REMAINDER_RULE, weights.FIXED_TOTAL_RULE, weights.EXACT_RULE):
        assert f"`{text}`" in doc


def test_every_basis_template_is_in_weights_md() -> None:
    doc = unwrapped("weights.md")
    for template in ("equal: 1/n", "size_class={size_class}: factor {factor} of {sum of all "
                     "members' factors}", "region={region}: 1/{number of regions} of the total "
                     "split among {members in this region}", "blended: equal part 1/1",
                     "equal part {e} split over {n} + {1 − e} x population {population}/"
                     "{population total}"):
        assert f"`{template}`" in doc
    members = [{"id": f"m{k}", "region": "r", "province": "ON", "setting": "urban",
                "size_class": "small", "population": 10 * (k + 1), "holder_type": "spo",
                "clusters": []} for k in range(2)]
    policy = {"kind": "blended", "rule": "exact", "total": None, "equal_part": "1/2", "cap": None,
              "floor": None}
    rows = weights.compute_weights(policy, members).as_dict()["derivation"]["rows"]
    assert rows[0]["basis"] == "equal part 1/2 split over 2 + 1/2 x population 10/30"


def test_the_tie_texts_are_in_methods_md() -> None:
    doc = unwrapped("methods.md")
    result = voting.tally("irv", [(1, ["a"]), (1, ["b"])], options=["a", "b"],
                          tie_break_seed=bytes(32)).as_dict()
    assert f"`{result['tie_break']['rule']}`" in doc
    assert result["ties"][0]["stage"] == "round 1" and '`"round k"`, e.g. `"round 1"`' in doc
    for stage in ("seats", "unranked fill", "winners", "winning sets"):
        assert f'`"{stage}"`' in doc
    assert '`"pairs of strength N"`' in doc


def test_every_check_cites_its_item_of_section_7() -> None:
    doc = unwrapped("bulletin-board.md")
    for n, name in enumerate(CHECKS, start=1):
        assert section_of(name) == f"§7.{n}"
        assert f"{n}. **{name}**" in doc
