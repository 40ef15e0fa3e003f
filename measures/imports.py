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
import hashlib
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from governance import access
from governance.safeguards import HOW_TO, find_nhs_numbers
from measures.models import DataPoint, DataPointRevision, ImportBatch, Series
from measures.writes import PointChange, datapoints_write, point_errors

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


def _period(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _number(value):
    text = _text(value)
    if text.startswith(FORMULA_STARTS):
        raise ValueError("holds a formula; paste values only")
    return text or None


def import_preview(*, collaborative, user, content: bytes, today: dt.date | None = None) -> dict:
    """What importing `content` would do, without writing anything.

    Returns {"file_type", "add": [...], "change": [...], "unchanged": n, "errors": [...]}:
    each add or change names the row, team, measure, period and values (old and new for a
    change, with the version seen, which the import expects); each error the row, column
    and reason. Raises ImportFileInvalid for a file that cannot be read at all.
    """
    today = today or timezone.localdate()
    file_type, rows = import_file_read(content)
    series_qs = (
        access.visible(Series.objects.filter(team__collaborative=collaborative), user)
        .select_related("team__organisation", "measure")
        .filter(measure__archived_at__isnull=True)
    )
    editable_teams = {}
    series_by_key = {}
    for s in series_qs:
        team = s.team
        if team.pk not in editable_teams:
            editable_teams[team.pk] = access.can(user, access.EDIT_DATA, team)
        for team_key in (str(team).lower(), team.organisation.ods_code.lower()):
            series_by_key[(team_key, s.measure.name.lower())] = s
    team_keys = {k[0] for k in series_by_key}

    errors, valid, seen = [], [], {}
    for number, row in rows:
        row_errors = []

        def error(column, reason, number=number, row_errors=row_errors):
            row_errors.append(RowError(number, column, reason))

        for column, value in row.items():
            # A workbook's date cell is a date, not text: its printed time ("00:00:00")
            # would otherwise join its digits into ten.
            if not isinstance(value, (dt.date, dt.time)) and find_nhs_numbers(_text(value)):
                error(column, HOW_TO)
        if row_errors:
            # Refused whole, and nothing else said about it: no cell of it is quoted.
            errors.extend(row_errors)
            continue
        team_name, measure_name = _text(row["team"]), _text(row["measure"])
        series = series_by_key.get((team_name.lower(), measure_name.lower()))
        if not team_name:
            error("team", "is empty")
        elif team_name.lower() not in team_keys:
            error("team", f"{_quoted(team_name)} is not a team of this collaborative you can see")
        elif not measure_name:
            error("measure", "is empty")
        elif series is None:
            error("measure", f"{_quoted(measure_name)} is not a measure this team reports")
        elif not editable_teams.get(series.team_id):
            error("team", "you may not enter data for this team")
        period = _period(row["period"])
        if period is None:
            error("period", "is not a date (write it as 2024-01-31 or 31/01/2024)")
        try:
            numerator = _number(row["numerator"])
        except ValueError as e:
            error("numerator", str(e))
            numerator = None
        try:
            denominator = _number(row["denominator"])
        except ValueError as e:
            error("denominator", str(e))
            denominator = None
        if series is not None and period is not None and not row_errors:
            key = (series.pk, period)
            if key in seen:
                error("period", f"repeats row {seen[key]} for this team and measure")
            else:
                seen[key] = number
                if not series.measure.has_denominator and denominator not in (None, ""):
                    error("denominator", "is not used by this measure; leave it empty")
                change = PointChange(period, numerator, denominator)
                point_errs, num, den = point_errors(
                    series.measure, change, today, collaborative=collaborative
                )
                for e in point_errs:
                    error(e.field, e.reason)
                if numerator is None and not point_errs:
                    error("numerator", "is empty")
                if not row_errors:
                    valid.append((number, series, period, num, den))
        errors.extend(row_errors)

    existing = {}
    by_series = defaultdict(list)
    for _, series, period, _, _ in valid:
        by_series[series.pk].append(period)
    for series_pk, periods in by_series.items():
        for p in DataPoint.objects.filter(series_id=series_pk, period_start__in=periods):
            existing[(series_pk, p.period_start)] = p

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
    listed = _first_rows(errors, ERROR_ROWS_LISTED)
    return {
        "file_type": file_type,
        "add": add,
        "change": change,
        "unchanged": unchanged,
        "errors": [e.as_dict() for e in listed],
        "error_count": len(errors),
        "error_rows_unlisted": len({e.row for e in errors}) - len({e.row for e in listed}),
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


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


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
    again), then writes each series' rows expecting the versions the preview saw: a value
    changed since then raises DataPointConflict and the whole import is rolled back.
    """
    if batch.findings.get("errors"):
        raise ImportNotReady("Fix the errors in the file and upload it again.")
    items = batch.findings.get("add", []) + batch.findings.get("change", [])
    by_series = defaultdict(list)
    for item in items:
        by_series[item["series"]].append(item)
    created = updated = 0
    try:
        with transaction.atomic():
            claimed = ImportBatch.objects.filter(
                pk=batch.pk, status=ImportBatch.Status.PREVIEW
            ).update(status=ImportBatch.Status.IMPORTING)
            if not claimed:
                raise ImportNotReady("This file has been imported already.")
            series_map = Series.objects.select_related("measure").in_bulk(list(by_series))
            for series_pk, series_items in by_series.items():
                result = datapoints_write(
                    series=series_map[series_pk],
                    changes=[
                        PointChange(
                            dt.date.fromisoformat(i["period"]), i["numerator"], i["denominator"]
                        )
                        for i in series_items
                    ],
                    by=user,
                    source=DataPointRevision.Source.IMPORT,
                    reason=f"Imported from {batch.filename}",
                    expected_versions={
                        dt.date.fromisoformat(i["period"]): i["version"] for i in series_items
                    },
                )
                created += result.created
                updated += result.updated
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
    from measures.tasks import import_batch_confirm_task

    queued = ImportBatch.objects.filter(
        pk=batch.pk, status=ImportBatch.Status.PREVIEW, confirmed_at__isnull=True
    ).update(confirmed_at=timezone.now())
    if queued:
        transaction.on_commit(lambda: import_batch_confirm_task.delay(batch.pk, user.pk))
    return bool(queued)
