"""English and French: the locale a page is rendered in, and bilingual helpers for templates."""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from app.extensions import babel
from app.paths import TRANSLATIONS_DIR
from app.registry import HOLDER_TYPES, REGIONS, ROLES, SETTINGS, SIZE_CLASSES, province_name

SESSION_LANGUAGE_KEY = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    chosen = session.get(SESSION_LANGUAGE_KEY)
    if chosen in languages:
        return str(chosen)
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return str(get_locale() or "en")


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )

    @app.context_processor
    def bilingual_helpers() -> dict[str, object]:
        lang = current_language()
        return {
            "lang": lang,
            "other_lang": "fr" if lang == "en" else "en",
            "member_name": lambda member: member.name(lang),
            "province_name": lambda code: province_name(code, lang),
            "region_label": lambda code: REGIONS.get(code, code),
            "setting_label": lambda code: SETTINGS.get(code, code),
            "size_label": lambda code: SIZE_CLASSES.get(code, code),
            "holder_label": lambda code: HOLDER_TYPES.get(code, code),
            "role_label": lambda code: ROLES.get(code, code),
        }
