"""Whole numbers from request data: ASCII digits only, and never larger than the database holds.

Python's `int()` (and so WTForms' IntegerField, `request.args.get(type=int)` and werkzeug's
`<int:...>` converter, whose regex is `\\d+`) accepts Arabic-Indic and other scripts' digits,
`_` separators and surrounding Unicode spaces, and `str.isdigit()` says yes to "²", on which
`int()` then fails. A number a person types must be the one stored, so every whole number read
from a form, a query string, a URL path or a CSV cell goes through `parse_whole_number`, and
date-time fields (parsed by strptime, which has the same habit) take ASCII digits only.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter, Map
from wtforms import DateTimeLocalField, IntegerField

# The id and index columns are INTEGER: 32-bit signed on PostgreSQL (a larger parameter is an
# error there, "integer out of range"), 64-bit on SQLite (OverflowError in the driver beyond that).
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,18}")  # at most 18 digits: below 2**63, so never an OverflowError
_GROUPING = str.maketrans("", "", ", \u00a0\u202f")  # comma, space, no-break and narrow no-break space
_ASCII_SPACE = " \t"

NOT_A_WHOLE_NUMBER = _l("Enter a whole number using the digits 0 to 9.")
NOT_A_DATE_TIME = _l("Enter the date and time with the digits 0 to 9, e.g. 2026-03-01 09:30.")


def parse_whole_number(text: str, *, grouping: bool = False) -> int:
    """The value of `text` written with ASCII digits 0-9 (surrounding spaces allowed); ValueError otherwise.

    With `grouping`, thousands separators (comma, space, no-break spaces: "12,500", "12 500") are
    ignored, as spreadsheets and French typography write them.
    """
    raw = text.strip(_ASCII_SPACE)
    if grouping:
        raw = raw.translate(_GROUPING)
    if not _DIGITS.fullmatch(raw):
        raise ValueError(f"not a whole number in ASCII digits: {text[:40]!r}")
    return int(raw)


def query_int(text: str) -> int:
    """`type=` for `request.args.get`: a malformed value counts as absent (the default applies)."""
    return parse_whole_number(text)


class WholeNumberField(IntegerField):
    """IntegerField that accepts only the ASCII digits 0-9 (no "١٢", "1_000", "²" or sign)."""

    def __init__(self, *args: Any, grouping: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grouping = grouping

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        try:
            self.data = parse_whole_number(str(valuelist[0]), grouping=self.grouping)
        except ValueError as e:
            self.data = None
            raise ValueError(str(NOT_A_WHOLE_NUMBER)) from e


class AsciiDateTimeLocalField(DateTimeLocalField):
    """DateTimeLocalField that takes ASCII digits only: strptime's %Y reads "\u0662\u0660\u0662\u0666" as 2026."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and not all(str(value).isascii() for value in valuelist):
            self.data = None
            raise ValueError(str(NOT_A_DATE_TIME))
        super().process_formdata(valuelist)


class StoredIdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits, at most MAX_ID, so a huge or foreign-script id is a
    404 instead of a database error (500) or another record."""

    regex = r"[0-9]+"

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        if signed and min is None:
            min = -MAX_ID - 1
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)


def init_app(app: Flask) -> None:
    """Replace werkzeug's int converter; must run before any blueprint adds its rules."""
    app.url_map.converters["int"] = StoredIdConverter
