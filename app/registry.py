"""The fixed vocabularies of the member registry: provinces, IRCC regions, attribute values.

IRCC's settlement network groups provinces and territories into regions; a member's region
is always the one its province belongs to.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

PROVINCES: dict[str, tuple[str, str]] = {
    "NL": ("Newfoundland and Labrador", "Terre-Neuve-et-Labrador"),
    "PE": ("Prince Edward Island", "Île-du-Prince-Édouard"),
    "NS": ("Nova Scotia", "Nouvelle-Écosse"),
    "NB": ("New Brunswick", "Nouveau-Brunswick"),
    "QC": ("Quebec", "Québec"),
    "ON": ("Ontario", "Ontario"),
    "MB": ("Manitoba", "Manitoba"),
    "SK": ("Saskatchewan", "Saskatchewan"),
    "AB": ("Alberta", "Alberta"),
    "BC": ("British Columbia", "Colombie-Britannique"),
    "YT": ("Yukon", "Yukon"),
    "NT": ("Northwest Territories", "Territoires du Nord-Ouest"),
    "NU": ("Nunavut", "Nunavut"),
}

REGIONS: dict[str, object] = {
    "atlantic": _l("Atlantic"),
    "quebec": _l("Quebec"),
    "ontario": _l("Ontario"),
    "prairies_nt": _l("Prairies and Northern Territories"),
    "bc_yukon": _l("British Columbia and Yukon"),
}

PROVINCE_REGION: dict[str, str] = {
    "NL": "atlantic", "PE": "atlantic", "NS": "atlantic", "NB": "atlantic",
    "QC": "quebec",
    "ON": "ontario",
    "MB": "prairies_nt", "SK": "prairies_nt", "AB": "prairies_nt", "NT": "prairies_nt", "NU": "prairies_nt",
    "BC": "bc_yukon", "YT": "bc_yukon",
}

SETTINGS: dict[str, object] = {"urban": _l("Urban"), "rural": _l("Rural")}
SIZE_CLASSES: dict[str, object] = {
    "small": _l("Small centre"),
    "medium": _l("Medium centre"),
    "large": _l("Large centre"),
}
HOLDER_TYPES: dict[str, object] = {
    "spo": _l("Service-provider organisation (SPO)"),
    "municipal": _l("Municipality"),
}

ROLES: dict[str, object] = {
    "admin": _l("Administrator"),
    "chair": _l("Chair"),
    "delegate": _l("Delegate"),
    "auditor": _l("Auditor"),
    "observer": _l("Observer"),
    "expert": _l("Subject-matter expert"),
}


def province_name(code: str, locale: str) -> str:
    en, fr = PROVINCES.get(code, (code, code))
    return fr if locale == "fr" else en
