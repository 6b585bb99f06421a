"""Yes/no motions: threshold, member-count majority and regional majorities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._fractions import share_str
from ._ingest import Group
from ._rules import threshold_test


def run_yes_no(groups: Sequence[Group], rules: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """Return (carried, detail).  Equal yes and no never carries: a tie defeats a motion."""
    yes_w = sum(g.weight for g in groups if g.selection == "yes")
    no_w = sum(g.weight for g in groups if g.selection == "no")
    yes_n = sum(g.ballots for g in groups if g.selection == "yes")
    no_n = sum(g.ballots for g in groups if g.selection == "no")
    eligible = rules["eligible"]
    name = rules["threshold"]
    weight_test = threshold_test(name, yes_w, no_w, eligible["weight"] if eligible else None)
    carried = bool(weight_test["met"])
    detail: dict[str, Any] = {"weight_test": weight_test, "members_test": None, "regions_test": None}

    dm = rules["double_majority"]
    if dm["members"]:
        members_test = threshold_test(name, yes_n, no_n, eligible["members"] if eligible else None)
        detail["members_test"] = members_test
        carried = carried and bool(members_test["met"])

    if dm["regions"] is not None:
        regions: dict[str, Any] = {}
        concurring = 0
        counted = 0
        for rid, el in eligible["regions"].items():
            ry = sum(g.weight for g in groups if g.region == rid and g.selection == "yes")
            rn = sum(g.weight for g in groups if g.region == rid and g.selection == "no")
            rb = sum(g.ballots for g in groups if g.region == rid)
            in_count = el["members"] > 0
            concurs = in_count and ry > rn
            counted += in_count
            concurring += concurs
            regions[rid] = {
                "counted": in_count,
                "ballots": rb,
                "yes_weight": ry,
                "no_weight": rn,
                "yes_share": share_str(ry, ry + rn),
                "concurs": concurs,
            }
        required = counted if dm["regions"] == "all" else int(dm["regions"])
        met = concurring >= required
        detail["regions_test"] = {
            "regions": regions,
            "counted_regions": counted,
            "concurring": concurring,
            "required": required,
            "met": met,
        }
        carried = carried and met
    return carried, detail
