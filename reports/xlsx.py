"""The contract review's spreadsheet: each team's detail, which the PDF leaves out.

Sheets: About, Collaboratives, Teams (one row per team), Team measures (one row per team
and measure over the period), Measures by month (the aggregate charts' figures, one row
per period or, for event-dated measures, per event), Measures (each chart's reading) and
Commentary (the director's, per section). Every
count of people is as published (governance/disclosure.py); text a spreadsheet would run
is made inert.
"""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter

from dashboards.claims import STATUS_WORDS, rounded, status_of
from measures.exporters.formats import neutralise

HEADER_FILL = PatternFill("solid", fgColor="005EB8")
HEADER_FONT = Font(bold=True, color="FFFFFF")
WRAPPED = Alignment(wrap_text=True, vertical="top")
BOLD = Font(bold=True)
DATE = "d mmm yyyy"
PERCENT = "0%"


def _cell(ws, value, **style) -> WriteOnlyCell:
    """`value` with a style (font, fill, alignment, number_format), as a streamed sheet
    takes one."""
    cell = WriteOnlyCell(ws, value=value)
    for name, v in style.items():
        setattr(cell, name, v)
    return cell


def _sheet(wb, title, header, rows, widths, *, formats=None, alignment=None):
    """A sheet of a styled `header` row, frozen and filtered, and `rows`.

    The workbook is written as a stream (openpyxl's write-only mode: each row becomes XML
    as it is appended, not a cell object kept until the save), so what a sheet says of its
    columns comes first and each cell's style is given with it: `formats` a number format
    per column letter ({"D": DATE}), `alignment` every body cell's."""
    ws = wb.create_sheet(title)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    ws.append([_cell(ws, v, fill=HEADER_FILL, font=HEADER_FONT, alignment=WRAPPED) for v in header])
    formatted = [
        (column_index_from_string(column) - 1, number_format)
        for column, number_format in (formats or {}).items()
    ]
    for row in rows:
        values = [neutralise(v) for v in row]
        for i, number_format in formatted:
            if values[i] is not None:
                values[i] = _cell(ws, values[i], number_format=number_format)
        if alignment is not None:
            values = [v if v is None else _cell(ws, v, alignment=alignment) for v in values]
        ws.append(values)
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"


def _count(text):
    """A figure as a number the spreadsheet can add up; "*" and "" stay text."""
    if not isinstance(text, str):
        return text
    plain = text.replace(",", "")
    if plain.isdigit():
        return int(plain)
    try:
        return float(plain)
    except ValueError:
        return text


def _day(iso):
    return dt.date.fromisoformat(iso[:10]) if iso else None


def verdict_words(status) -> str:
    return STATUS_WORDS[status_of(status)]


def _yes(v) -> str:
    return "Yes" if v else "No"


def render_xlsx(document: dict, *, signed: dict | None, commentary: dict | None = None) -> bytes:
    """The report's figures a sheet per table, and the director's commentary on its own sheet
    (a row per section written, in the report's order), as the PDF and the page carry it."""
    wb = Workbook(write_only=True)
    about = wb.create_sheet("About")
    about.column_dimensions["A"].width = 26
    about.column_dimensions["B"].width = 100
    d = document["disclosure"]
    for row in [
        ["Contract review", document["ahsn"]["name"]],
        ["Period", f"{document['period']['start']} to {document['period']['end']}"],
        ["Status", f"Signed off by {signed['name']} on {signed['at'][:10]}" if signed else "Draft"],
        ["Built from the data as at", document["built_at"][:19].replace("T", " ")],
        ["Data points", document["data_versions"]["points"]],
        ["Data version total", document["data_versions"]["total"]],
        [
            "Small numbers",
            f"Counts of people: 1 to {d['suppress_up_to']} shown as {d['symbol']}, others "
            f"rounded to the nearest {d['round_to']}; rates from the rounded figures "
            "(NHS Digital's method for sub-national figures).",
        ],
    ]:
        label, value = (neutralise(v) for v in row)
        about.append([_cell(about, label, font=BOLD), value])

    _sheet(
        wb,
        "Collaboratives",
        [
            "Collaborative",
            "Topic",
            "Topic kind",
            "Role",
            "Phase",
            "Teams taking part",
            "Teams active at the end",
            "Joined",
            "Withdrawn",
            "Teams improved",
            "Teams with enough data",
            "Measures improved",
            "Measures (outcome and process)",
            "Cycles completed",
            "Median assessment",
        ],  # fmt: skip
        [
            [
                r["name"],
                r["topic"],
                r["topic_kind"],
                r["role"],
                r["phase"],
                r["teams_in_period"],
                r["teams_active"],
                r["teams_joined"],
                r["teams_withdrawn"],
                r["teams_improved"],
                r["teams_judged"],
                r["measures_improved"],
                r["measures"],
                r["cycles"],
                rounded(r["assessment_median"]),
            ]  # fmt: skip
            for r in document["summary"]["rows"]
        ],
        [50, 30, 12, 10, 12, 12, 12, 10, 10, 14, 14, 14, 14, 14, 14],
    )
    _sheet(
        wb,
        "Teams",
        [
            "Collaborative",
            "Team",
            "Status",
            "Joined",
            "Withdrawn",
            "Data completeness",
            "Learning sessions attended",
            "Learning sessions held",
            "People who left",
            "Has a senior sponsor",
            "Sponsor attended",
            "Cycles adopted",
            "Cycles adapted",
            "Cycles abandoned",
            "Cycles running",
            "Latest assessment",
            "Assessed in",
            "Rated by",
            "Measures improved",
            "Measures (outcome and process)",
            "Outcome measure",
        ],  # fmt: skip
        [
            [
                t["collaborative"],
                t["team"],
                t["status"],
                _day(t["joined_on"]),
                _day(t["withdrawn_on"]),
                t.get("completeness"),
                t.get("sessions_attended"),
                t.get("sessions_held"),
                _count(t.get("members_left")),
                _yes(t.get("has_sponsor")),
                _yes(t.get("sponsor_attended")),
                t["cycles"]["adopt"],
                t["cycles"]["adapt"],
                t["cycles"]["abandon"],
                t["cycles"]["running"],
                t.get("assessment"),
                _day(t.get("assessment_month")),
                t.get("assessment_by", ""),
                t.get("measures_improved"),
                t.get("measures_counted"),
                verdict_words(t.get("outcome")),
            ]  # fmt: skip
            for t in document["teams"]
        ],
        [45, 45, 10, 12, 12, 12, 12, 12, 12, 12, 12, 10, 10, 10, 10, 12, 12, 10, 12, 12, 16],
        formats={"D": DATE, "E": DATE, "F": PERCENT, "Q": DATE},
    )
    _sheet(
        wb,
        "Team measures",
        [
            "Collaborative",
            "Team",
            "Measure",
            "Numerator",
            "Denominator",
            "Rate",
            "Against the funnel limits",
        ],  # fmt: skip
        [
            [
                t["collaborative"],
                t["team"],
                m["measure"],
                _count(m["numerator"]),
                _count(m["denominator"]),
                rounded(m["rate"], 3),
                m["position"],
            ]  # fmt: skip
            for t in document["teams"]
            for m in t["measures"]
        ],
        [45, 45, 50, 12, 12, 10, 24],
    )
    _sheet(
        wb,
        "Measures by month",
        [
            "Collaborative",
            "Measure",
            "Kind",
            "Period",
            "Numerator",
            "Denominator",
            "Value",
            "Centre line",
            "Lower limit",
            "Upper limit",
        ],  # fmt: skip
        [
            [
                c["name"],
                m["name"],
                m["kind"],
                _day(p["x"]),
                _count(p["numerator"]),
                _count(p["denominator"]),
                rounded(p["y"], 3),
                rounded(p["cl"], 3),
                rounded(p["lcl"], 3),
                rounded(p["ucl"], 3),
            ]  # fmt: skip
            for c in document["collaboratives"]
            for m in c["measures"]
            if m["chart"]
            for p in m["chart"]["points"]
        ],
        [40, 45, 10, 12, 12, 12, 10, 10, 10, 10],
        formats={"D": DATE},
    )
    _sheet(
        wb,
        "Measures",
        ["Collaborative", "Measure", "Kind", "Unit", "Small-number rules", "Reading"],
        [
            [c["name"], m["name"], m["kind"], m["unit"], _yes(m["counts_people"]), m["reading"]]
            for c in document["collaboratives"]
            for m in c["measures"]
        ],
        [40, 50, 10, 24, 10, 90],
    )
    commentary = commentary or {}
    sections = [("summary", "Portfolio summary")]
    sections += [(c["key"], c["name"]) for c in document["collaboratives"]]
    sections += [("lessons", "Lessons learned across the collaboratives")]
    _sheet(
        wb,
        "Commentary",
        ["Section", "Commentary"],
        [[title, commentary[key]] for key, title in sections if commentary.get(key)],
        [40, 120],
        alignment=WRAPPED,
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
