"""Cells of the CSV files lipvote writes, safe to open in a spreadsheet (OWASP "CSV injection").

Excel, LibreOffice and Google Sheets read a cell that begins with "=", "+", "-" or "@" (or with a
tab or carriage return before one) as a formula, which can fetch URLs or run commands when the
administrator opens an export. Text cells that begin with one of those characters get a single
quote in front, which spreadsheets show as text and do not display. Numbers written from numeric
columns stay numbers (a population of -5 could not be stored anyway), as OWASP advises. The
member import removes that one quote again, so an export re-imports unchanged.
"""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "'"


def spreadsheet_cell(value: object) -> object:
    """`value` as a CSV cell: integers as they are, text defused when a spreadsheet would evaluate it."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return NEUTRALISER + text if text.startswith(FORMULA_TRIGGERS) else text


def imported_cell(text: str) -> str:
    """The inverse for a cell read back: drop the one quote `spreadsheet_cell` put in front."""
    if text.startswith(NEUTRALISER) and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text
