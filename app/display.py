"""How people see times, numbers and motion states: one format per locale, everywhere.

Times are shown in the federation's time zone (the LIPVOTE_TIMEZONE setting, default
America/Toronto) with the zone named, as "3 December 2026, 14:05 EST" or
"3 décembre 2026, 14 h 05 HNE". Machine formats (ISO 8601 in UTC) stay in downloads, the
log and the `datetime` attribute of `<time>`. Numbers follow the page's locale: "95,000" and
"75.9%" in English, "95 000" and "75,9 %" in French. See docs/decisions.md.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Flask, current_app
from flask_babel import format_decimal, format_number, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

TIME_PATTERNS = {"en": "d MMMM y, HH:mm zzz", "fr": "d MMMM y, HH 'h' mm zzz"}
SHORT_TIME_PATTERNS = {"en": "d MMM, HH:mm zzz", "fr": "d MMM, HH 'h' mm zzz"}
CLOCK_PATTERNS = {"en": "HH:mm:ss zzz", "fr": "HH 'h' mm 'min' ss 's' zzz"}

MOTION_STATES = {
    "draft": _l("draft"),
    "open": _l("open"),
    "closed": _l("closed, not certified"),
    "certified": _l("certified"),
}


# Canadian locales name the Eastern, Central, Mountain, Pacific, Atlantic and Newfoundland zones
# in both languages ("EST", "HNE"); plain "fr" would print an offset instead.
FORMAT_LOCALES = {"en": "en_CA", "fr": "fr_CA"}


def federation_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "America/Toronto")


def _language() -> str:
    return "fr" if str(get_locale() or "en").startswith("fr") else "en"


def as_utc(value: datetime) -> datetime:
    """Stored times are naive UTC; aware ones are converted."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def machine_time(value: datetime) -> str:
    """ISO 8601 in UTC to the second, for `datetime` attributes and scripts."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_machine_time(text: str) -> datetime | None:
    """A leaf's or log's ISO 8601 time back as an aware datetime (None when it is not one)."""
    try:
        return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except (TypeError, ValueError):
        return None


def when_text(value: datetime | str | None, patterns: dict[str, str] = TIME_PATTERNS) -> str:
    if isinstance(value, str):
        value = parse_machine_time(value)
    if value is None:
        return ""
    language = _language()
    return str(format_datetime(as_utc(value), patterns[language], tzinfo=federation_zone(),
                               locale=FORMAT_LOCALES[language]))


def when(value: datetime | str | None, short: bool = False) -> Markup:
    """A `<time>` element: the people's format as text, the machine format as attribute."""
    if isinstance(value, str):
        value = parse_machine_time(value)
    if value is None:
        return Markup("—")
    text = when_text(value, SHORT_TIME_PATTERNS if short else TIME_PATTERNS)
    return Markup('<time datetime="{}">{}</time>').format(machine_time(value), text)


def clock(value: datetime) -> str:
    return when_text(value, CLOCK_PATTERNS)


def number(n: int | Decimal) -> str:
    return str(format_number(n))


def rounded(value: Fraction, places: int) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def percent(share: Fraction | None, places: int = 1) -> str:
    """A share as a percentage: "62.4%" in English, "62,4 %" (no-break space) in French."""
    if share is None:
        return "—"
    pattern = "#,##0." + "0" * places if places else "#,##0"
    digits = str(format_decimal(rounded(share * 100, places), format=pattern))
    return digits + ("\u00a0%" if _language() == "fr" else "%")


def motion_state(state: object) -> str:
    """A motion state (enum or its value) in the reader's language."""
    value = getattr(state, "value", state)
    return str(MOTION_STATES.get(str(value), value))


def init_app(app: Flask) -> None:
    app.add_template_filter(when, "when")
    app.add_template_filter(number, "number")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(motion_state, "motion_state")
    app.add_template_global(when, "format_when")
    app.add_template_global(motion_state, "state_label")
