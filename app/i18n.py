"""English and French: the locale a page is rendered in, and bilingual helpers for templates."""

from __future__ import annotations

from babel.support import NullTranslations
from flask import Flask, current_app, g, has_app_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user

from app.extensions import babel
from app.paths import TRANSLATIONS_DIR
from app.registry import HOLDER_TYPES, REGIONS, ROLES, SETTINGS, SIZE_CLASSES, province_name

SESSION_LANGUAGE_KEY = "lang"
_PAGE_TRANSLATIONS = "_page_translations"


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


def page_translations() -> NullTranslations:
    """The catalogue of the locale being rendered, looked up once per request and locale.

    Flask-Babel's template functions look the catalogue up again for every string (three
    context lookups and the locale's name built anew), about half of a string's cost on a page
    of fifty. Kept with the locale it belongs to, so a part rendered in another language
    (`force_locale`, an e-mail to someone who reads French) gets that language's catalogue."""
    if not has_app_context():
        return get_translations()
    locale = get_locale()
    kept = g.get(_PAGE_TRANSLATIONS)
    if kept is None or kept[0] is not locale:
        kept = (locale, get_translations())
        setattr(g, _PAGE_TRANSLATIONS, kept)
    return kept[1]


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
    app.jinja_env.install_gettext_callables(  # in place of Flask-Babel's, which look up per string
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
        newstyle=True,
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
