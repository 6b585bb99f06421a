"""Pages: compare two to four frameworks on the registry; each framework's report as JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from app.charts import Bar, bar_chart
from app.csv_cells import spreadsheet_cell
from app.display import number, percent
from app.explorer import bp
from app.explorer import custom
from app.explorer.frameworks import (
    DEFAULT_CHOICE, MAX_CHOSEN, MIN_CHOSEN, NOT_EXACT, PRESETS, TOO_LARGE, active_members, fraction, framework_report,
    preset_report,
)
from app.policy import Permission, requires
from voting import VotingError
from voting.framework_report import TooLarge
from app.registry import HOLDER_TYPES, REGIONS, SETTINGS, SIZE_CLASSES

CATEGORY_LABELS = {"setting": SETTINGS, "size_class": SIZE_CLASSES, "holder_type": HOLDER_TYPES}


GROUPINGS = (("region", REGIONS), ("setting", SETTINGS), ("size_class", SIZE_CLASSES), ("holder_type", HOLDER_TYPES))


def _comparison(reports: list[dict[str, Any] | str]) -> list[dict[str, Any]]:
    """One table per grouping: each group's shares of members and population, then per
    framework its share of the weight and of each power index ("—" where a framework failed)."""
    done = [r for r in reports if not isinstance(r, str)]
    if not done:
        return []
    tables = []
    for attribute, labels in GROUPINGS:
        rows = []
        for value, g in done[0]["groups"][attribute].items():
            cells = []
            for r in reports:
                mine = None if isinstance(r, str) else r["groups"][attribute][value]
                cells.append([percent(fraction(mine[k])) if mine else "—"
                              for k in ("weight_share", "banzhaf", "shapley_shubik")])
            rows.append({"label": labels.get(value, value), "members": g["members"],
                         "member_share": percent(fraction(g["member_share"])),
                         "population_share": percent(fraction(g["population_share"])), "cells": cells})
        tables.append({"attribute": attribute, "rows": rows})
    return tables


def _alone_sentences(result: dict[str, Any]) -> list[str]:
    """Which regions and categories can pass or block a motion on their own, in plain words."""
    said = []
    regions = result["groups"]["region"]
    for verb_pass, key in ((True, "passes_alone"), (False, "blocks_alone")):
        found = [(code, g) for code, g in regions.items() if g[key]]
        for code, g in found:
            values = {"count": g["members"], "region": REGIONS.get(code, code)}
            said.append(ngettext("The %(count)d LIP of %(region)s can pass a motion alone.",
                                 "The %(count)d LIPs of %(region)s can pass a motion alone.", g["members"], **values)
                        if verb_pass else
                        ngettext("The %(count)d LIP of %(region)s can block a motion alone.",
                                 "The %(count)d LIPs of %(region)s can block a motion alone.", g["members"], **values))
        if not found:
            said.append(_("No region can pass a motion alone.") if verb_pass else _("No region can block a motion alone."))
    for attribute, labels in CATEGORY_LABELS.items():
        for value, g in result["groups"][attribute].items():
            values = {"count": g["members"], "group": labels.get(value, value)}
            if g["passes_alone"]:
                said.append(_("The %(count)s LIPs in the group “%(group)s” can pass a motion alone.", **values))
            elif g["blocks_alone"]:
                said.append(_("The %(count)s LIPs in the group “%(group)s” can block a motion alone.", **values))
    return said


def _needs(result: dict[str, Any]) -> list[str]:
    n = len(result["members"])
    needs = []
    if result["quota"]:
        needs.append(_("%(quota)s of %(total)s units of weight", quota=number(result["quota"]), total=number(result["total"])))
    if result["member_quota"]:
        needs.append(_("%(count)s of %(total)s LIPs", count=number(result["member_quota"]), total=number(n)))
    if result["regions_needed"]:
        needs.append(_("a majority of the LIPs in %(count)s of %(total)s regions",
                       count=number(result["regions_needed"]), total=number(len(result["regions"]))))
    return needs


def _region_chart(name: str, label: str, result: dict[str, Any]) -> Any:
    """Banzhaf power by region as bars (the side-by-side table below has the same numbers)."""
    groups = result["groups"]["region"]
    bars = [Bar(label=str(REGIONS.get(code, code)), value=Fraction(g["banzhaf"]),
                text=percent(Fraction(g["banzhaf"])))
            for code, g in groups.items()]
    return bar_chart(f"chart-{name}", _("%(framework)s: voting power by region (Banzhaf)", framework=label), bars,
                     description=_("One bar per region: its share of the voting power. The table below has each region's share of the LIPs beside it."),
                     scale=1)


def _view(name: str, result: dict[str, Any] | str, label: object = None, description: object = None) -> dict[str, Any]:
    if label is None:
        label, description = PRESETS[name]
    view: dict[str, Any] = {"name": name, "label": label, "description": description}
    if name == CUSTOM:
        query = request.query_string.decode("ascii", "replace")
        view["csv_url"] = f"{url_for('explorer.custom_csv')}?{query}"
        view["json_url"] = f"{url_for('explorer.custom_json')}?{query}"
    else:
        view["csv_url"] = url_for("explorer.export_csv", name=name)
        view["json_url"] = url_for("explorer.export_json", name=name)
    if isinstance(result, str):
        view["problem"] = result
        return view
    blocking = result["smallest_blocking"]
    distance = result["distance"]
    view.update(
        needs=_needs(result),
        smallest_winning=len(result["smallest_winning"]),
        smallest_blocking=len(blocking) if blocking is not None else None,
        gini=percent(Fraction(result["gini"]["banzhaf"])),
        from_equal=percent(Fraction(distance["equal"]["banzhaf"])),
        from_sqrt=percent(Fraction(distance["sqrt_population"]["banzhaf"])) if "sqrt_population" in distance else None,
        sentences=_alone_sentences(result),
        chart=_region_chart(name, str(label), result),
    )
    return view


@bp.get("/")
@requires(Permission.VIEW_MEMBERS)
def index() -> tuple[str, int]:
    chosen = request.args.getlist("framework") or list(DEFAULT_CHOICE)
    error = None
    if any(name not in PRESETS for name in chosen):
        error = _("Choose frameworks from the list.")
    elif not MIN_CHOSEN <= len(set(chosen)) <= MAX_CHOSEN:
        error = _("Choose between %(low)d and %(high)d frameworks to compare.", low=MIN_CHOSEN, high=MAX_CHOSEN)
    members = active_members()
    if error is None and not members:
        error = _("There are no active members to compare frameworks on.")
    chosen = list(dict.fromkeys(name for name in chosen if name in PRESETS))
    reports = [] if error else [preset_report(name, members) for name in chosen]
    views = [_view(name, r) for name, r in zip(chosen, reports)]
    return render_template("explorer/index.html", presets=PRESETS, chosen=chosen, error=error, views=views,
                           tables=_comparison(reports), member_count=len(members)), 400 if error else 200


def _report_or_404(name: str) -> dict[str, Any]:
    if name not in PRESETS:
        abort(404)
    result = preset_report(name, active_members())
    if isinstance(result, str):
        abort(409, result)
    return result


def _json_download(result: dict[str, Any], name: str) -> Response:
    body = json.dumps(result, indent=1, sort_keys=True, ensure_ascii=False)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=framework-{name}.json"})


@bp.get("/<name>.json")
@requires(Permission.VIEW_MEMBERS)
def export_json(name: str) -> Response:
    return _json_download(_report_or_404(name), name)


@bp.get("/<name>.csv")
@requires(Permission.VIEW_MEMBERS)
def export_csv(name: str) -> Response:
    return _csv_download(_report_or_404(name), name)


def _csv_download(result: dict[str, Any], name: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    columns = ("id", "weight", "weight_share", "banzhaf", "absolute_banzhaf", "shapley_shubik")
    writer.writerow(columns)
    for row in result["members"]:
        writer.writerow([spreadsheet_cell(row[c]) for c in columns])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=framework-{name}.csv"})


CUSTOM = "custom"


def _custom_description(kind: str, weights: dict[str, Any]) -> str:
    """The custom framework's weights in plain words (the card's "needs" list says the rule)."""
    parts = [str(custom.KINDS[kind])]
    if weights.get("tiers"):
        parts.append(_("small centres %(small)s, medium %(medium)s, large %(large)s", **weights["tiers"]))
    if weights.get("equal_part") is not None and kind == "population":
        parts.append(_("%(share)s of the weight shared equally", share=percent(Fraction(weights["equal_part"]), 2)))
    if weights.get("cap"):
        parts.append(_("no LIP above %(cap)s of the weight", cap=percent(Fraction(weights["cap"]), 2)))
    if weights.get("floor"):
        parts.append(_("none below %(floor)s", floor=percent(Fraction(weights["floor"]), 2)))
    return "; ".join(parts) + "."


def _custom_result(parsed: custom.Parsed, members: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The custom framework's report, or None with the reason added to ``parsed.errors``."""
    assert parsed.framework is not None
    try:
        return framework_report(parsed.framework, members)
    except TooLarge:
        parsed.fail("total", TOO_LARGE)
    except VotingError:
        parsed.fail("total", NOT_EXACT)
    return None


@bp.get("/custom")
@requires(Permission.EDIT_FRAMEWORKS)
def custom_framework() -> tuple[str, int]:
    """Edit a framework's parameters, starting from a preset, and compare it with one to three presets."""
    members = active_members()
    compared = request.args.getlist("framework")
    submitted = "kind" in request.args
    start = request.args.get("start", "")
    if not submitted:
        start = start if start in PRESETS else DEFAULT_CHOICE[0]
        values = {**custom.values_from_preset(start), "start": start}
        compared = compared or [name for name in DEFAULT_CHOICE if name != start][:2]
        return render_template("explorer/custom.html", values=values, compared=compared, errors=[], views=[],
                               tables=[], member_count=len(members), custom=custom, presets=PRESETS), 200
    regions = {m["region"] for m in members}
    parsed = custom.parse(request.args.to_dict(flat=True), compared, PRESETS, len(members), len(regions))
    if not members:
        parsed.fail("kind", _("There are no active members to compare frameworks on."))
    result = _custom_result(parsed, members) if parsed.framework is not None and not parsed.errors else None
    views, tables = [], []
    if result is not None:
        reports: list[dict[str, Any] | str] = [result, *(preset_report(name, members) for name in parsed.compared)]
        views = [_view(CUSTOM, result, _("Your framework"),
                       _custom_description(parsed.values["kind"], result["framework"]["weights"])),
                 *(_view(name, r) for name, r in zip(parsed.compared, reports[1:]))]
        tables = _comparison(reports)
    return render_template("explorer/custom.html", values=parsed.values, compared=parsed.compared,
                           errors=parsed.errors, views=views, tables=tables, member_count=len(members),
                           custom=custom, presets=PRESETS), 422 if parsed.errors else 200


def _custom_or_refusal() -> dict[str, Any] | tuple[str, int]:
    """The custom framework of the query string's report, or a plain refusal (422)."""
    members = active_members()
    regions = {m["region"] for m in members}
    parsed = custom.parse(request.args.to_dict(flat=True), request.args.getlist("framework"), PRESETS,
                          len(members), len(regions))
    result = _custom_result(parsed, members) if parsed.framework is not None and not parsed.errors else None
    if result is None:
        return " ".join(message for _field, message in parsed.errors) or _("Check the framework's parameters."), 422
    return result


@bp.get("/custom.json")
@requires(Permission.EDIT_FRAMEWORKS)
def custom_json() -> Response | tuple[str, int]:
    result = _custom_or_refusal()
    return _json_download(result, CUSTOM) if isinstance(result, dict) else result


@bp.get("/custom.csv")
@requires(Permission.EDIT_FRAMEWORKS)
def custom_csv() -> Response | tuple[str, int]:
    result = _custom_or_refusal()
    return _csv_download(result, CUSTOM) if isinstance(result, dict) else result
