"""The one set of rules a member record must satisfy, shared by the admin form and CSV import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from flask_babel import lazy_gettext as _l

from app.registry import HOLDER_TYPES, PROVINCE_REGION, PROVINCES, REGIONS, SETTINGS, SIZE_CLASSES
from app.text_input import clean_line, comparison_key, text_problem
from app.whole_numbers import parse_whole_number

SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])")
MAX_NAME = 200
MAX_CLUSTER_TAG = 40
MAX_CLUSTERS = 500
MAX_POPULATION = 100_000_000

FIELDS = (
    "slug", "name_en", "name_fr", "province", "region", "setting",
    "size_class", "population", "holder_type", "clusters", "active",
)
REQUIRED = ("slug", "name_en", "name_fr", "province", "setting", "size_class", "holder_type")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


def _text(value: object) -> str:
    return clean_line(value).strip()


def _bool(raw: str) -> bool | None:
    lowered = raw.lower()
    if lowered in {"", "1", "true", "yes", "oui", "y"}:
        return True
    if lowered in {"0", "false", "no", "non", "n"}:
        return False
    return None


def clean_member(raw: Mapping[str, object]) -> tuple[dict[str, object], list[FieldError]]:
    """Normalise and check one member record; returns (clean values, errors)."""
    values = {name: _text(raw.get(name)) for name in FIELDS}
    errors: list[FieldError] = []
    for name in REQUIRED:
        if not values[name]:
            errors.append(FieldError(name, str(_l("This field is required."))))
    clean: dict[str, object] = {}

    # lower-cased only when ASCII: "\u212a".lower() is "k", and an identifier must be what was typed
    slug = values["slug"].lower() if values["slug"].isascii() else values["slug"]
    if slug and not SLUG_RE.fullmatch(slug):
        errors.append(FieldError("slug", str(_l("Use 3 to 64 lower-case letters, digits and hyphens, e.g. halton-lip."))))
    clean["slug"] = slug

    for name in ("name_en", "name_fr", "clusters"):
        problem = text_problem(values[name])
        if problem:
            errors.append(FieldError(name, str(problem)))

    for name in ("name_en", "name_fr"):
        if len(values[name]) > MAX_NAME:
            errors.append(FieldError(name, str(_l("At most %(n)d characters (got %(got)d).", n=MAX_NAME, got=len(values[name])))))
        clean[name] = values[name]

    province = values["province"].upper()
    if province and province not in PROVINCES:
        errors.append(FieldError("province", str(_l("Unknown province or territory %(code)r; use a two-letter code such as ON or NS.", code=province))))
    clean["province"] = province
    region = values["region"].lower()
    expected_region = PROVINCE_REGION.get(province)
    if region and region not in REGIONS:
        errors.append(FieldError("region", str(_l("Unknown IRCC region %(code)r; use one of %(known)s.", code=region, known=", ".join(REGIONS)))))
    elif region and expected_region and region != expected_region:
        errors.append(FieldError("region", str(_l("%(province)s is in region %(expected)s, not %(given)s.", province=province, expected=expected_region, given=region))))
    clean["region"] = expected_region or region

    for name, allowed in (("setting", SETTINGS), ("size_class", SIZE_CLASSES), ("holder_type", HOLDER_TYPES)):
        value = values[name].lower()
        if value and value not in allowed:
            errors.append(FieldError(name, str(_l("Unknown value %(value)r; use one of %(known)s.", value=value, known=", ".join(allowed)))))
        clean[name] = value

    population: int | None = None
    if values["population"]:
        try:
            population = parse_whole_number(values["population"], grouping=True)
        except ValueError:
            population = None
        if population is None or population > MAX_POPULATION:
            errors.append(FieldError("population", str(_l("Population served must be a whole number from 0 to %(max)d, "
                                                          "written with the digits 0 to 9.", max=MAX_POPULATION))))
            population = None
    clean["population"] = population

    tags = [tag.strip() for tag in values["clusters"].split(";") if tag.strip()]
    if any(len(tag) > MAX_CLUSTER_TAG for tag in tags):
        errors.append(FieldError("clusters", str(_l("Each cluster tag may have at most %(n)d characters.", n=MAX_CLUSTER_TAG))))
    joined = ";".join(dict.fromkeys(tags))
    if len(joined) > MAX_CLUSTERS:
        errors.append(FieldError("clusters", str(_l("Cluster tags may have at most %(n)d characters in all.", n=MAX_CLUSTERS))))
    clean["clusters"] = joined

    active = _bool(values["active"]) if not isinstance(raw.get("active"), bool) else raw.get("active")
    if active is None:
        errors.append(FieldError("active", str(_l("Active must be yes or no."))))
    clean["active"] = bool(active)
    return clean, errors


NAME_FIELDS = ("name_en", "name_fr")
NameIndex = dict[tuple[str, str], str]  # (field, comparison key) -> slug of the member with that name


def name_index(members: Iterable[Mapping[str, object]]) -> NameIndex:
    """Who holds each name, compared as `comparison_key` compares them."""
    index: NameIndex = {}
    for member in members:
        for field in NAME_FIELDS:
            if member.get(field):
                index.setdefault((field, comparison_key(str(member[field]))), str(member["slug"]))
    return index


def duplicate_names(clean: Mapping[str, object], taken: NameIndex) -> list[FieldError]:
    """A member's name may not look like another member's name in the same language: lists such as
    the proxy choice show names only."""
    errors = []
    for field in NAME_FIELDS:
        holder = taken.get((field, comparison_key(str(clean.get(field) or ""))))
        if clean.get(field) and holder is not None and holder != clean["slug"]:
            errors.append(FieldError(field, str(_l("Another member (%(slug)s) already has this name, or one that looks "
                                                   "the same; give each member a name of its own.", slug=holder))))
    return errors
