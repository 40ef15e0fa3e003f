"""Measure data in from spreadsheets: read a file by its content, preview, then import.

Steps: `import_file_read` finds what the file is from its bytes (never its name), refuses
what is not a plain CSV or XLSX (a renamed binary, macros, an old .xls, a file too big or
that unzips too big, text not in UTF-8, formulas), and yields rows. `import_preview`
matches each row to a team's series and says what would be added, changed or left, and
each error's row, column and reason. `import_confirm` writes it all through the one write
path in one transaction, or nothing.

NHS numbers: every cell of a row (any column, named or not) is checked, and a row with
one is refused without its cells being quoted back; an error quotes a cell only after the
cell passes the check (`_quoted`). A header or file name with one refuses the file. The
uploaded bytes are never kept: the batch keeps what parsing found (the rows to add or
change, and the errors), which is all that the confirmation needs.

Columns (long format, one row per team, measure and period): team, measure, period,
numerator, denominator. The template download has the same columns, filled in but for
the values.
"""

import csv
import datetime as dt
import functools
import hashlib
import io
import math
import re
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from python_calamine import CalamineWorkbook

from collab import jobs
from collaboratives.models import Team
from governance import access
from governance.safeguards import HOW_TO, find_nhs_numbers
from measures.models import DataPoint, DataPointRevision, ImportBatch, Measure, Series
from measures.numbers import decimal_text
from measures.writes import PointChange, SeriesWrite, datapoints_write_many, point_errors

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# An XLSX is a zip: its parts are capped unzipped too, so a small file cannot unpack to GBs.
MAX_XLSX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 100_000
# Confirmed imports with more values than this run in a Celery worker, with a progress page.
WORKER_ROWS = 2_000
COLUMNS = ("team", "measure", "period", "numerator", "denominator")
REQUIRED = ("team", "measure", "period", "numerator")
FORMULA_STARTS = ("=", "+", "@")


class ImportFileInvalid(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason}


def sniff(content: bytes) -> str:
    """ "xlsx" or "csv", from the bytes; raise ImportFileInvalid for anything else."""
    if not content:
        raise ImportFileInvalid("The file is empty.")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ImportFileInvalid(
            f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: split it into "
            "smaller files."
        )
    if content.startswith(b"PK\x03\x04"):
        return "xlsx"
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ImportFileInvalid(
            "This is an old Excel (.xls) or a password-protected file: save it as an Excel "
            "workbook (.xlsx) or CSV UTF-8 without a password."
        )
    if content.startswith(b"%PDF"):
        raise ImportFileInvalid("This is a PDF, not a spreadsheet: upload a CSV or XLSX file.")
    head = content[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileInvalid("This is not a spreadsheet or CSV file: upload a CSV or XLSX.")
    return "csv"


def _csv_rows(content: bytes):
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileInvalid(
            "The file is in UTF-16, not UTF-8: save it as CSV UTF-8 (comma delimited)."
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileInvalid(
            "The file is not in UTF-8 (perhaps Windows-1252 or Latin-1): save it as "
            "CSV UTF-8 (comma delimited) and upload it again."
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        yield from csv.reader(io.StringIO(text, newline=""), dialect)
    except csv.Error as e:
        raise ImportFileInvalid(f"The CSV file cannot be read: {e}.") from None


def _xlsx_rows(content: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportFileInvalid(
            "The file looks like a zip but cannot be opened: save it again as .xlsx."
        ) from None
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportFileInvalid(
            "This is a zip file, not an Excel workbook: upload a CSV or .xlsx file."
        )
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise ImportFileInvalid(
            "The workbook contains macros: save it as an Excel workbook (.xlsx) without "
            "macros and upload it again."
        )
    if sum(i.file_size for i in infos) > MAX_XLSX_UNZIPPED_BYTES:
        raise ImportFileInvalid(
            "The workbook unpacks to more than "
            f"{MAX_XLSX_UNZIPPED_BYTES // (1024 * 1024)} MB: split it into smaller files."
        )
    if any(i.flag_bits & 0x1 for i in infos):
        raise ImportFileInvalid("The workbook is encrypted: save it without a password.")

    if _needs_openpyxl(archive, infos):
        yield from _openpyxl_rows(content)
        return
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception:  # calamine raises its own error types for a broken workbook
        raise ImportFileInvalid("The workbook cannot be read: save it again as .xlsx.") from None
    for row in rows:
        # As openpyxl reads them: a blank cell is None, a whole number an int.
        yield [
            None if v == "" else int(v) if isinstance(v, float) and v.is_integer() else v
            for v in row
        ]


# A formula cell (<f>, with or without a namespace prefix), or a document type that could
# declare entities: such a workbook is read by openpyxl, which says where the formula is
# and, through defusedxml, refuses entities. Every other workbook is read by calamine, 13x
# to 14x faster (README, "Dependencies").
_OPENPYXL_ONLY = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]|<!DOCTYPE|<!ENTITY")


def _needs_openpyxl(archive: zipfile.ZipFile, infos) -> bool:
    return any(
        _OPENPYXL_ONLY.search(archive.read(i))
        for i in infos
        if i.filename.lower().endswith((".xml", ".rels", ".vml"))
    )


def _openpyxl_rows(content: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as e:  # openpyxl raises many types for broken or hostile XML
        from defusedxml import DefusedXmlException

        if any(isinstance(x, DefusedXmlException) for x in (e, e.__cause__, e.__context__)):
            raise ImportFileInvalid(
                "The workbook contains XML that is not allowed (entities or a DTD)."
            ) from None
        raise ImportFileInvalid("The workbook cannot be read: save it again as .xlsx.") from None
    sheet = workbook.worksheets[0]
    for row_number, row in enumerate(sheet.iter_rows(), start=1):
        values = []
        for column_number, cell in enumerate(row, start=1):
            if getattr(cell, "data_type", None) == "f":
                raise _FormulaFound(row_number, column_number)
            values.append(cell.value)
        yield values
    workbook.close()


class _FormulaFound(Exception):
    def __init__(self, row: int, column: int):
        self.row, self.column = row, column


def import_file_read(content: bytes) -> tuple[str, list[tuple[int, dict]]]:
    """(file type, [(row number, {column: value})]); raises ImportFileInvalid."""
    file_type = sniff(content)
    reader = _xlsx_rows(content) if file_type == "xlsx" else _csv_rows(content)
    rows = []
    header = None
    try:
        for number, raw in enumerate(reader, start=1):
            if header is None:
                if not any(v not in (None, "") for v in raw):
                    continue
                if any(find_nhs_numbers(_text(v)) for v in raw):
                    raise ImportFileInvalid(f"A column name {HOW_TO}.")
                header = [str(v or "").strip().lower() for v in raw]
                missing = [c for c in REQUIRED if c not in header]
                if missing:
                    raise ImportFileInvalid(
                        "The first row must name the columns team, measure, period, "
                        f"numerator and denominator; missing: {', '.join(missing)}."
                    )
                continue
            if not any(v not in (None, "") for v in raw):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileInvalid(
                    f"The file has more than {MAX_ROWS:,} rows: split it into smaller files."
                )
            row = {c: (raw[i] if i < len(raw) else None) for i, c in enumerate(header)}
            # Cells beyond the named columns are kept too, so that every cell is checked.
            extra = {f"column {i + 1}": raw[i] for i in range(len(header), len(raw))}
            rows.append((number, {c: row.get(c) for c in COLUMNS} | row | extra))
    except _FormulaFound as f:
        raise ImportFileInvalid(
            f"Row {f.row}, column {f.column} holds a formula: paste values only "
            "(Paste Special, Values) and upload again."
        ) from None
    if header is None:
        raise ImportFileInvalid("The file has no rows: the first row must name the columns.")
    if not rows:
        raise ImportFileInvalid("The file has column names but no rows of data.")
    return file_type, rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _quoted(text: str) -> str:
    """A cell quoted in an error, only once it has passed the NHS-number check."""
    text = text[:80]
    return "this value" if find_nhs_numbers(text) else f"“{text}”"


# Every dash a keyboard or Excel's autocorrect makes, read as a hyphen; curly quotes as straight.
_DASHES = dict.fromkeys(
    map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-"
)
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u02bc"), "'")


@functools.lru_cache(maxsize=8192)  # a file repeats each team and measure name many times
def name_key(text: str) -> str:
    """A team, organisation or measure name as compared: dashes, case and spaces aside.

    "Alpha Hospitals - Ward 7", "alpha hospitals–ward 7" and "ALPHA  HOSPITALS – WARD 7"
    give the same key.
    """
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_QUOTES)
    text = re.sub(r"\s*-\s*", "-", text)
    return " ".join(text.split()).casefold()


# Excel stores a date as days since 30 Dec 1899 (its 1900 leap-year bug folded in); a
# serial in this range is a date from 1927 to 2173, too large to be a month number.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_SERIALS = range(10_000, 100_000)
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH_FORMATS = ("%b-%y", "%b %y", "%b-%Y", "%b %Y", "%B %Y", "%B-%Y", "%B %y", "%Y-%m", "%m/%Y")
PERIOD_EXPECTED = (
    "expected a date such as 01/11/2026 or 2026-11-01, or a month such as Nov 2026, "
    "Nov-26 or 2026-11"
)
NUMBER_EXPECTED = "expected a number such as 1538 or 1,538"


@dataclass(frozen=True)
class Period:
    day: dt.date
    month_only: bool = False  # written as a month ("Nov 2026"): the 1st of it


def _period(value) -> Period | None:
    """A period cell in any of the forms people type, or None."""
    if isinstance(value, dt.datetime):
        return Period(value.date())
    if isinstance(value, dt.date):
        return Period(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A serial with a fraction is a date and a time of day: the date is the period.
        if math.isfinite(value) and int(value) in _EXCEL_SERIALS:
            return Period(_EXCEL_EPOCH + dt.timedelta(days=int(value)))
        return None
    text = " ".join(_text(value).translate(_DASHES).split())
    if text.isdigit() and int(text) in _EXCEL_SERIALS:
        return Period(_EXCEL_EPOCH + dt.timedelta(days=int(text)))
    if _ISO_DAY.fullmatch(text):
        # The commonest form, read without strptime's cost; what it refuses (2026-13-01)
        # goes on to the formats below as before.
        try:
            return Period(dt.date.fromisoformat(text))
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return Period(dt.datetime.strptime(text, fmt).date())
        except ValueError:
            continue
    for fmt in _MONTH_FORMATS:
        try:
            return Period(dt.datetime.strptime(text, fmt).date(), month_only=True)
        except ValueError:
            continue
    return None


def _number(value) -> Decimal | None:
    """A number cell: thousands separators and spaces allowed; ValueError names the problem."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise ValueError(f"{_quoted(_text(value))} is not a number: {NUMBER_EXPECTED}")
        return number
    text = _text(value)
    if not text:
        return None
    if text.startswith(FORMULA_STARTS):
        raise ValueError(f"{_quoted(text)} holds a formula: paste values only, {NUMBER_EXPECTED}")
    plain = text.replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", plain):
        plain = plain.replace(",", "")
    try:
        number = Decimal(plain)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(f"{_quoted(text)} is not a number: {NUMBER_EXPECTED}")
    return number


class _Matcher:
    """The collaborative's teams and series the user can see, by name key: a key may match
    several teams (an ODS code shared by two teams of one organisation), which is asked."""

    def __init__(self, collaborative, user):
        series_qs = (
            access.visible(Series.objects.filter(team__collaborative=collaborative), user)
            .select_related("team__organisation", "measure")
            .filter(measure__archived_at__isnull=True)
        )
        self.teams: dict[str, dict[int, object]] = defaultdict(dict)
        self.collaborative = collaborative
        self.series: dict[tuple[int, str], Series] = {}
        self.editable: dict[int, bool] = {}
        for s in series_qs:
            team = s.team
            if team.pk not in self.editable:
                self.editable[team.pk] = access.can(user, access.EDIT_DATA, team)
                keys = {str(team), team.organisation.ods_code, team.organisation.name}
                for key in keys:
                    if key:
                        self.teams[name_key(key)][team.pk] = team
            self.series[(team.pk, name_key(s.measure.name))] = s


def _check_row(number, row, matcher, choices, today, seen):
    """One row: ("ok", (number, series, period, num, den)), ("errors", [RowError]) or
    ("ask", team key, candidate teams). One error per cell, the first found."""
    errors: dict[str, str] = {}

    def error(column, reason):
        errors.setdefault(column, reason)

    def failed():
        order = sorted(errors, key=lambda c: COLUMNS.index(c) if c in COLUMNS else len(COLUMNS))
        return "errors", [RowError(number, c, errors[c]) for c in order]

    raw_period = row.get("period")
    period = _period(raw_period)
    if period is None:
        if _text(raw_period):
            error("period", f"{_quoted(_text(raw_period))} is not a period: {PERIOD_EXPECTED}")
        else:
            error("period", f"is empty: {PERIOD_EXPECTED}")
    values = {}
    for column in ("numerator", "denominator"):
        try:
            values[column] = _number(row.get(column))
        except ValueError as e:
            error(column, str(e))
    team_name, measure_name = _text(row.get("team")), _text(row.get("measure"))
    key = name_key(team_name)
    candidates = matcher.teams.get(key, {})
    team = None
    if not team_name:
        error("team", "is empty: expected the team's name or ODS code")
    elif not candidates:
        error(
            "team",
            f"{_quoted(team_name)} is not a team of this collaborative you can see: expected "
            "a team's name as in Collab, or its organisation's ODS code",
        )
    elif len(candidates) == 1:
        team = next(iter(candidates.values()))
    elif choices.get(key) in candidates:
        team = candidates[choices[key]]
    elif not errors:
        return "ask", key, candidates
    series = None
    if team is not None:
        series = matcher.series.get((team.pk, name_key(measure_name)))
        if not measure_name:
            error("measure", "is empty: expected the measure's name as in Collab")
        elif series is None:
            error(
                "measure",
                f"{_quoted(measure_name)} is not a measure this team reports: expected a "
                "measure name as in the import template",
            )
        elif not matcher.editable.get(team.pk):
            error("team", _not_editable(team))
    if errors:
        return failed()
    numerator, denominator = values["numerator"], values["denominator"]
    measure = series.measure
    if period.month_only and measure.frequency == Measure.Frequency.WEEKLY:
        error(
            "period",
            f"{_quoted(_text(raw_period))} is a month, but this measure is weekly: expected "
            "the Monday its week starts, such as 2026-11-02",
        )
        return failed()
    if period.month_only and measure.is_event_dated:
        error("period", f"{_quoted(_text(raw_period))} is a month: expected the event's date")
        return failed()
    day = period.day
    if (series.pk, day) in seen:
        error("period", f"repeats row {seen[(series.pk, day)]} for this team and measure")
        return failed()
    if not measure.has_denominator and denominator is not None:
        error("denominator", "is not used by this measure: expected it empty")
        return failed()
    point_errs, num, den = point_errors(
        measure,
        PointChange(day, numerator, denominator),
        today,
        collaborative=matcher.collaborative,
    )
    for e in point_errs:
        error(e.field, _expected(e.reason, _text(raw_period), day))
    if numerator is None and not point_errs:
        error("numerator", f"is empty: {NUMBER_EXPECTED}")
    if errors:
        return failed()
    seen[(series.pk, day)] = number
    return "ok", (number, series, day, num, den)


def _not_editable(team) -> str:
    """Why a team the user can see takes no data from them, and what was expected. The team
    is named as in Collab, whole (as the preview's rows name it), not as the cell had it."""
    if team.status == Team.Status.WITHDRAWN:
        when = f" on {team.withdrawn_on:%d/%m/%Y}" if team.withdrawn_on else ""
        return (
            f"means {team}, which withdrew from the collaborative{when}, so its data can no "
            "longer be entered: expected a team still taking part"
        )
    return (
        f"means {team}, whose data you may not enter: expected a team you are a member "
        "of, or one of a collaborative you run"
    )


# The write path's reasons (measures/writes.py, shared with the grid) with what an import
# expected instead.
_POINT_EXPECTED = {
    "is in the future": "expected a period that has already started",
    "cannot be negative": "expected 0 or more",
    "is required for this measure": f"this measure needs one, {NUMBER_EXPECTED}",
    "is missing while a denominator is given": NUMBER_EXPECTED,
    "is too large": "expected a number below 10,000,000,000",
    "counts people or events, so must be a whole number": "expected a whole number, such as 3",
    "is zero while the numerator is above zero": "expected what the numerator is counted out "
    "of, above zero",
    "is above the denominator, which a proportion cannot be": "expected a numerator no larger "
    "than the denominator",
}


def _expected(reason: str, period_text: str, day: dt.date) -> str:
    if reason == "monthly periods start on the 1st":
        return (
            f"{_quoted(period_text)} is not the start of a month: expected the 1st, such as "
            f"{day.replace(day=1):%d/%m/%Y}, or the month, such as {day:%b %Y}"
        )
    if reason == "weekly periods start on a Monday":
        monday = day - dt.timedelta(days=day.weekday())
        return (
            f"{_quoted(period_text)} is not a Monday: expected the Monday its week starts, "
            f"such as {monday:%d/%m/%Y}"
        )
    if reason.startswith("is before "):  # "is before 01 Jan 2024, the start of ..."
        return f"{reason}: expected a period from then on"
    return f"{reason}: {_POINT_EXPECTED[reason]}" if reason in _POINT_EXPECTED else reason


def _pending(row: dict) -> dict:
    """A row waiting for an answer, as its named cells (already past the NHS-number check)."""
    period = _period(row.get("period"))
    return {c: _text(row.get(c)) for c in COLUMNS} | {
        "period": period.day.isoformat(),
        "period_text": _text(row.get("period"))[:80],
        "month_only": period.month_only,
    }


def _unpend(cells: dict) -> dict:
    period = cells["period_text"] if cells.get("month_only") else cells["period"]
    return {c: cells[c] for c in COLUMNS} | {"period": period}


def import_preview(*, collaborative, user, content: bytes, today: dt.date | None = None) -> dict:
    """What importing `content` would do, without writing anything.

    Returns {"file_type", "add": [...], "change": [...], "unchanged": n, "errors": [...],
    "questions": [...], "pending": [...], "seen": [...]}: each add or change names the row,
    team, measure, period and values (old and new for a change, with the version seen,
    which the import expects); each error the row, column and reason (one per cell). A
    team name or code that matches several teams is never guessed: its rows wait in
    "pending" and a question asks which team it means (`import_answer`). Raises
    ImportFileInvalid for a file that cannot be read at all.
    """
    file_type, rows = import_file_read(content)
    findings = _findings(collaborative, user, rows, choices={}, today=today)
    return {"file_type": file_type} | findings


def _findings(collaborative, user, rows, *, choices, today, seen_before=None) -> dict:
    today = today or timezone.localdate()
    matcher = _Matcher(collaborative, user)
    seen = dict(seen_before or {})
    errors, valid, pending, questions = [], [], [], {}
    for number, row in rows:
        nhs_errors = [
            RowError(number, column, HOW_TO)
            for column, value in row.items()
            # A workbook's date cell is a date, not text: its printed time ("00:00:00")
            # would otherwise join its digits into ten.
            if not isinstance(value, (dt.date, dt.time)) and find_nhs_numbers(_text(value))
        ]
        if nhs_errors:
            # Refused whole, and nothing else said about it: no cell of it is quoted.
            errors.extend(nhs_errors)
            continue
        outcome = _check_row(number, row, matcher, choices, today, seen)
        if outcome[0] == "ok":
            valid.append(outcome[1])
        elif outcome[0] == "errors":
            errors.extend(outcome[1])
        else:
            _, key, candidates = outcome
            question = questions.setdefault(
                key,
                {
                    "key": key,
                    "text": _quoted(_text(row.get("team"))),
                    "rows": [],
                    "options": [{"team": pk, "name": str(t)} for pk, t in candidates.items()],
                },
            )
            question["rows"].append(number)
            pending.append({"row": number, "cells": _pending(row)})

    existing = {}
    wanted = {(series.pk, period) for _, series, period, _, _ in valid}
    series_pks = sorted({pk for pk, _ in wanted})
    periods = sorted({period for _, period in wanted})
    # One query per 500 series rather than one per series; the points it reads beyond
    # the file's own (series, period) pairs are left out below.
    for start in range(0, len(series_pks), 500):
        for p in DataPoint.objects.filter(
            series_id__in=series_pks[start : start + 500], period_start__in=periods
        ):
            if (p.series_id, p.period_start) in wanted:
                existing[(p.series_id, p.period_start)] = p

    add, change, unchanged = [], [], 0
    for number, series, period, num, den in valid:
        point = existing.get((series.pk, period))
        item = {
            "row": number,
            "series": series.pk,
            "team": str(series.team),
            "measure": series.measure.name,
            "period": period.isoformat(),
            "numerator": _plain(num),
            "denominator": _plain(den),
            "version": point.version if point else 0,
        }
        if point is None:
            add.append(item)
        elif (point.numerator, point.denominator) == (num, den):
            unchanged += 1
        else:
            item["old_numerator"] = _plain(point.numerator)
            item["old_denominator"] = _plain(point.denominator)
            change.append(item)
    for question in questions.values():
        question["options"].sort(key=lambda o: o["name"])
    listed = _first_rows(errors, ERROR_ROWS_LISTED)
    return {
        "add": add,
        "change": change,
        "unchanged": unchanged,
        "errors": [e.as_dict() for e in listed],
        "error_count": len(errors),
        "error_rows_unlisted": len({e.row for e in errors}) - len({e.row for e in listed}),
        "questions": list(questions.values()),
        "pending": pending,
        "seen": [[series_pk, day.isoformat(), row] for (series_pk, day), row in seen.items()],
    }


# The rows whose errors a preview lists and stores; further rows with errors are counted.
# (A 2 MB file of 99,999 bad rows stored 9.9 MB of details nobody reads past the first.)
ERROR_ROWS_LISTED = 200


def _first_rows(errors: list, rows: int) -> list:
    """The errors of the first `rows` rows that have any, in file order."""
    kept: set = set()
    out = []
    for e in errors:
        if e.row not in kept:
            if len(kept) == rows:
                break
            kept.add(e.row)
        out.append(e)
    return out


def import_answer(*, batch: ImportBatch, user, choices: dict[str, int]) -> ImportBatch:
    """Settle the batch's questions: `choices` maps each question's key to the team meant.

    The rows that waited are checked now, with that team, as the preview checks any row
    (a repeat of a row already matched is an error), and join the adds, changes and
    errors. Raises ImportNotReady if a question is left unanswered or the batch is not
    waiting for confirmation.
    """
    if batch.status != ImportBatch.Status.PREVIEW or batch.confirmed_at is not None:
        raise ImportNotReady("This file is no longer waiting for confirmation.")
    findings = batch.findings
    questions = findings.get("questions", [])
    for question in questions:
        options = {o["team"] for o in question["options"]}
        if choices.get(question["key"]) not in options:
            raise ImportNotReady("Choose a team for each question.")
    seen = {(s, dt.date.fromisoformat(d)): row for s, d, row in findings.get("seen", [])}
    rows = [(p["row"], _unpend(p["cells"])) for p in findings.get("pending", [])]
    more = _findings(batch.collaborative, user, rows, choices=choices, today=None, seen_before=seen)
    for name in ("add", "change", "errors"):
        findings[name] = sorted(findings.get(name, []) + more[name], key=lambda i: i["row"])
    findings["unchanged"] = findings.get("unchanged", 0) + more["unchanged"]
    for name in ("error_count", "error_rows_unlisted"):  # the waiting rows' are added
        findings[name] = findings.get(name, 0) + more[name]
    findings["questions"], findings["pending"], findings["seen"] = [], [], more["seen"]
    findings["answers"] = [
        {
            "text": q["text"],
            "team": next(o["name"] for o in q["options"] if o["team"] == choices[q["key"]]),
        }
        for q in questions
    ]
    batch.findings = findings
    batch.total = len(findings["add"]) + len(findings["change"])
    ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEW).update(
        findings=findings, total=batch.total
    )
    return batch


def import_state(batch: ImportBatch) -> str:
    """What the batch's page says plainly: whether anything can be imported, and what next."""
    f = batch.findings
    if batch.status != ImportBatch.Status.PREVIEW:
        return batch.get_status_display()
    errors, questions = len(f.get("errors", [])), len(f.get("questions", []))
    if errors:
        return (
            f"Nothing can be imported: the file has {errors:,} error{'s' if errors != 1 else ''}. "
            "Fix them in the file and upload it again."
        )
    if questions:
        return (
            "Not ready yet: answer the question"
            f"{'s' if questions != 1 else ''} below about which team the file means."
        )
    if not batch.total:
        return "Nothing to import: every value in the file is already in Collab."
    if batch.total == 1:
        return "Ready to import 1 value: check it below."
    return f"Ready to import {batch.total:,} values: check them below."


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def import_batch_create(*, collaborative, user, filename: str, content: bytes) -> ImportBatch:
    """Store the upload's preview (or the reason it cannot be read), never its bytes."""
    batch = ImportBatch(
        collaborative=collaborative,
        uploaded_by=user,
        filename=filename[:255],
        content_sha256=hashlib.sha256(content).hexdigest(),
    )
    try:
        if find_nhs_numbers(batch.filename):
            batch.filename = "(name withheld)"
            raise ImportFileInvalid(f"The file's name {HOW_TO}. Rename the file.")
        findings = import_preview(collaborative=collaborative, user=user, content=content)
    except ImportFileInvalid as e:
        batch.status = ImportBatch.Status.REJECTED
        batch.file_error = str(e)
    else:
        batch.status = ImportBatch.Status.PREVIEW
        batch.file_type = findings.pop("file_type")
        batch.findings = findings
        batch.total = len(findings["add"]) + len(findings["change"])
    batch.save()
    return batch


class ImportNotReady(Exception):
    """The batch has errors, or was imported already, or is not waiting for confirmation."""


def import_confirm(*, batch: ImportBatch, user) -> dict:
    """Write a previewed batch through the one write path, in one transaction.

    Claims the batch with a conditional UPDATE inside the transaction (a second
    confirmation waits, then finds it claimed; a worker that dies leaves it to claim
    again), then writes every series' rows in one `datapoints_write_many`, each series
    expecting the versions the preview saw: a value changed since then raises
    DataPointConflict and the whole import is rolled back.
    """
    if batch.findings.get("errors"):
        raise ImportNotReady("Fix the errors in the file and upload it again.")
    if batch.findings.get("questions"):
        raise ImportNotReady("Answer the questions about which team the file means first.")
    items = batch.findings.get("add", []) + batch.findings.get("change", [])
    by_series = defaultdict(list)
    for item in items:
        by_series[item["series"]].append(item)
    try:
        with transaction.atomic():
            claimed = ImportBatch.objects.filter(
                pk=batch.pk, status=ImportBatch.Status.PREVIEW
            ).update(status=ImportBatch.Status.IMPORTING)
            if not claimed:
                raise ImportNotReady("This file has been imported already.")
            series_map = Series.objects.select_related("measure", "team__collaborative").in_bulk(
                list(by_series)
            )
            results = datapoints_write_many(
                writes=[
                    SeriesWrite(
                        series_map[series_pk],
                        [
                            PointChange(
                                dt.date.fromisoformat(i["period"]), i["numerator"], i["denominator"]
                            )
                            for i in series_items
                        ],
                        {dt.date.fromisoformat(i["period"]): i["version"] for i in series_items},
                    )
                    for series_pk, series_items in by_series.items()
                ],
                by=user,
                source=DataPointRevision.Source.IMPORT,
                reason=f"Imported from {batch.filename}",
            )
            created = sum(r.created for r in results.values())
            updated = sum(r.updated for r in results.values())
            result = {"created": created, "updated": updated}
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportBatch.Status.DONE,
                progress=len(items),
                result=result,
                confirmed_at=timezone.now(),
            )
    except ImportNotReady:
        raise
    except Exception as e:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED, result={"error": str(e)}
        )
        raise
    batch.refresh_from_db()
    return result


def import_queue(*, batch: ImportBatch, user) -> bool:
    """Send a large batch to a worker once, after this transaction commits; False if it was
    sent already. The page polls the batch until the worker has finished."""
    queued = ImportBatch.objects.filter(
        pk=batch.pk, status=ImportBatch.Status.PREVIEW, confirmed_at__isnull=True
    ).update(confirmed_at=timezone.now())
    if queued:
        jobs.send_on_commit("measures.tasks.import_batch_confirm_task", batch.pk, user.pk)
    return bool(queued)
