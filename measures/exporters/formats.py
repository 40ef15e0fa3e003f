"""File formats for exporters' rows: CSV and XLSX, with formula neutralising.

A spreadsheet runs text that begins with =, +, -, @, a tab or a carriage return as a
formula (OWASP "CSV Injection"); such text is prefixed with an apostrophe, which every
spreadsheet shows as plain text. openpyxl writes text that begins with "=" as a formula,
so the neutralising happens before any cell reaches it.
"""

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Rows = Iterable[Sequence]


def neutralise(value):
    """The value, or for text a spreadsheet would run, the text made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def render_csv(rows: Rows) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads the accents right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def render_xlsx(sheets: Sequence[tuple[str, Rows]]) -> bytes:
    """One worksheet per (title, rows); written streaming, so large exports stay small in memory."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        for row in rows:
            sheet.append([_xlsx_value(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_value(value):
    from decimal import Decimal

    if isinstance(value, Decimal):
        # Counts and rates fit a float's precision; Excel has no decimal type.
        return int(value) if value == value.to_integral_value() else float(value)
    return neutralise(value)
