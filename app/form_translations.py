"""WTForms' own messages in the page's language, from catalogues read once per process.

Flask-WTF loads WTForms' French catalogue from disk on every request that renders or validates a
form (its `_get_translations` caches it on the request only); under load that showed as a
measurable share of each cast's CPU (docs/benchmarks.md). Flask-WTF looks for a
`wtforms_translations` attribute on the request first, so each request gets one shared object
that picks the catalogue of the page's locale from a per-process cache.
"""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask import Flask, request
from flask_babel import get_locale
from wtforms.i18n import messages_path


@lru_cache(maxsize=8)
def wtforms_catalogue(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class PageLocaleTranslations:
    """Looks the locale up at the moment a message is translated, as Flask-WTF does."""

    def _catalogue(self) -> support.Translations:
        return wtforms_catalogue(str(get_locale() or "en"))

    def ugettext(self, string: str) -> str:
        return self._catalogue().ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalogue().ungettext(singular, plural, n)


PAGE_LOCALE_TRANSLATIONS = PageLocaleTranslations()


def init_app(app: Flask) -> None:
    @app.before_request
    def share_form_catalogues() -> None:
        request.wtforms_translations = PAGE_LOCALE_TRANSLATIONS  # type: ignore[attr-defined]
