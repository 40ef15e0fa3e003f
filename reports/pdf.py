"""The contract review as an A4 PDF: fpdf2, its charts drawn with fpdf2's own vector
primitives (reports/charts.py), no browser, no system library but the fonts.

A cover, a contents page, the portfolio summary, a section per collaborative, the
lessons learned and a note on method; real tables, charts as vector graphics, page
numbers. The text is in DejaVu Sans, so any text (°C, –, ≥) prints: Debian's
fonts-dejavu-core and fonts-dejavu-extra (the Dockerfile and CI install them), or the same
files in the folder that `COLLAB_FONT_DIR` names (`font_dir`).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import types
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, TableBordersLayout, WrapMode, XPos, YPos
from fpdf.fonts import FontFace
from fpdf.line_break import BREAKING_SPACE_SYMBOLS_STR
from fpdf.util import Padding

from dashboards.claims import STATUS_WORDS, progress_words
from measures.numbers import number_text, percent_text
from reports.charts import draw_pdf

# fpdf2 subsets the fonts with fontTools, which logs every table at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# The folders where Linux distributions put DejaVu Sans, tried after COLLAB_FONT_DIR.
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian and Ubuntu: fonts-dejavu-core and -extra
    "/usr/share/fonts/dejavu-sans-fonts",  # Fedora
    "/usr/share/fonts/TTF",  # Arch
)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
NHS_BLUE = (0, 94, 184)
DARK_BLUE = (0, 48, 135)
INK = (33, 43, 50)
GREY = (66, 84, 98)
PALE = (240, 244, 245)
WHITE = (255, 255, 255)
WIDTH = 180  # A4 210 mm less 15 mm margins
TOC_LINE = (6.2, 5.4)  # mm per contents line: a section, a subsection

DECISION_LABELS = {"adopt": "Adopted", "adapt": "Adapted", "abandon": "Abandoned"}


def _date(iso: str | None) -> str:
    if not iso:
        return ""
    day = dt.date.fromisoformat(iso[:10])
    return f"{day.day} {day:%B %Y}"


def _month(iso: str) -> str:
    return dt.date.fromisoformat(iso[:10]).strftime("%b %Y")


def summary_measures_words(s: dict) -> str:
    """The summary's sentence on measures (balancing measures are reported apart)."""
    worse = [
        f"{s['measures_deteriorated']} deteriorated" if s["measures_deteriorated"] else "",
        f"{s['measures_not_sustained']} not sustained" if s["measures_not_sustained"] else "",
    ]
    worse = [w for w in worse if w]
    return (
        f"Of {s['measures']} outcome and process measures, {s['measures_improved']} improved "
        "(a gain that still holds, by the charts' rules)"
        + (f"; {' and '.join(worse)}." if worse else ".")
    )


def summary_teams_words(s: dict) -> str:
    best = s["most_improvement"]
    text = (
        f"{s['teams_improved']} of {s['teams_judged']} teams with enough data improved their "
        "outcome measure."
    )
    if best:
        text += f" Most improvement: {best['name']} ({best['improved']} of {best['judged']} teams)."
    return text


def balancing_words(balancing: list[dict]) -> str:
    """Each balancing measure with its verdict; a worsening one is reported, not hidden."""
    return (
        "; ".join(
            f"{b['name']} ({b['collaborative']}): {STATUS_WORDS[b['status']].lower()}"
            for b in balancing
        )
        + "."
    )


def font_dir() -> Path:
    """The folder holding the report's three DejaVu Sans files: `COLLAB_FONT_DIR` when set,
    else the first of `FONT_DIRS` that has them all. Raises ImproperlyConfigured saying what
    to install (`manage.py check` warns of it too, reports.apps)."""
    configured = getattr(settings, "REPORT_FONT_DIR", "")
    for folder in [configured] if configured else FONT_DIRS:
        if all((Path(folder) / name).is_file() for name in FONT_FILES.values()):
            return Path(folder)
    where = f"COLLAB_FONT_DIR ({configured})" if configured else ", ".join(FONT_DIRS)
    raise ImproperlyConfigured(
        f"The contract review's PDF needs the DejaVu Sans fonts ({', '.join(FONT_FILES.values())})"
        f", not found in {where}: install Debian's fonts-dejavu-core and fonts-dejavu-extra, "
        "or set COLLAB_FONT_DIR to a folder holding them."
    )


# Characters at which fpdf2 may break a line other than a plain space, or that it treats
# apart (fpdf/line_break.py): text holding any of them is left to fpdf2.
_UNPLAIN = set(BREAKING_SPACE_SYMBOLS_STR + "\n\r\t\f\u00ad") - {" "}
# A line this close to the width could go either way with fpdf2's sums: left to fpdf2.
_TOO_CLOSE = 0.01  # mm


def _table_lines(text: str, width: float, measure) -> list[str] | None:
    """The lines fpdf2's multi_cell breaks `text` into in a cell `width` wide (word wrap,
    `measure` the text's width in the current font), or None where this cannot say so
    for certain: a word wider than the cell (fpdf2 would cut it), spaces at either end or
    two together, a break other than a space, or a line within `_TOO_CLOSE` of the width.

    fpdf2 adds characters until the next would pass the width, then breaks at the last
    space (dropping it). Widths only grow as characters are added, so that is: each line
    takes words while the line and the next word, with the space between, still fit."""
    if not text or text != text.strip() or "  " in text or not _UNPLAIN.isdisjoint(text):
        return None
    lines = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        used = measure(candidate)
        if abs(used - width) < _TOO_CLOSE:
            return None
        if used < width:
            line = candidate
            continue
        if not line:
            return None  # a word wider than the cell: fpdf2 cuts it where it must
        lines.append(line)
        used = measure(word)
        if abs(used - width) < _TOO_CLOSE or used > width:
            return None
        line = word
    lines.append(line)
    return lines


class ReviewPDF(FPDF):
    def __init__(self, title: str, running_head: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.title_text = title
        self.running_head = running_head
        folder = font_dir()
        for style, name in FONT_FILES.items():
            self.add_font("DejaVu", style, str(folder / name))
        self.set_margins(15, 18, 15)
        self.set_auto_page_break(True, margin=18)
        self.set_title(title)
        self.set_author("Collab")
        self.set_creator("Collab contract review")
        self.set_lang("en-GB")
        self.alias_nb_pages()
        self._in_table = False  # drawing a table of ours (`table`, `multi_cell`)

    def header(self):
        if self.page_no() == 1:
            return
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(*GREY)
        self.set_y(8)
        self.cell(0, 5, self.running_head, align="L")
        self.set_draw_color(*NHS_BLUE)
        self.set_line_width(0.4)
        self.line(15, 14, 195, 14)
        self.set_xy(self.l_margin, 18)

    def footer(self):
        if self.page_no() == 1:
            return
        self.set_y(-12)
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    # --- building blocks -----------------------------------------------------------------

    def heading(self, text: str, level: int = 0, *, new_page: bool = False, keep: float = 0):
        """A heading kept with the `keep` mm that follow it (a chart, a table's first rows)."""
        fresh = self.get_y() <= self.t_margin + 1
        if (new_page and not fresh) or self.will_page_break({0: 30, 1: 22, 2: 16}[level] + keep):
            self.add_page()
        if level < 2:
            self.start_section(text, level=level)
        size, gap = {0: (17, 4), 1: (13, 3), 2: (10.5, 2)}[level]
        self.set_font("DejaVu", "B", size)
        self.set_text_color(*(DARK_BLUE if level == 0 else INK))
        self.ln(gap if self.get_y() > 25 else 0)
        self.multi_cell(WIDTH, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.ln(1.5)
        self.set_text_color(*INK)

    def para(self, text: str, *, size: float = 9.5, style: str = "", colour=INK, gap=2.0):
        if not text:
            return
        self.set_font("DejaVu", style, size)
        self.set_text_color(*colour)
        self.multi_cell(WIDTH, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.ln(gap)
        self.set_text_color(*INK)

    def bullets(self, items: list[str], *, size: float = 9.5):
        self.set_font("DejaVu", "", size)
        for item in items:
            self.set_x(self.l_margin)
            self.cell(5, size * 0.5, "•")
            self.multi_cell(
                WIDTH - 5, size * 0.5, item, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L"
            )
            self.ln(0.8)
        self.ln(1.2)

    def multi_cell(self, w, h=None, text="", *args, **kwargs):
        """fpdf2's multi_cell, with a short way for the cells of our tables.

        fpdf2's table lays out every cell with multi_cell twice (once to measure the row,
        once to draw it), and multi_cell breaks text into lines a character at a time,
        measuring the line so far again at each one: a contract review's thirty thousand
        cells of teams and figures took most of the PDF's time. In a table of ours
        (`table`) a cell's text is broken into lines a word at a time, where fpdf2 would
        break it (`_table_lines`), and each line drawn by `cell` as multi_cell draws it:
        the same position, width, alignment, height and page-break check, so the PDF is
        the same. Anything else (a word wider than the cell, a width too close to call, a
        page break, any other caller) goes through fpdf2's own multi_cell.
        """
        drawn = self._table_cell(w, h, text, args, kwargs)
        if drawn is None:
            return super().multi_cell(w, h, text, *args, **kwargs)
        return drawn

    # The arguments fpdf2's Table passes to multi_cell for a cell's text (fpdf/table.py).
    _TABLE_CELL = frozenset(
        {"max_line_height", "border", "align", "new_x", "new_y", "fill", "markdown",
         "output", "wrapmode", "padding", "link"}
    )  # fmt: skip

    def _text_width(self):
        """A function giving a text's width in the current font, as fpdf2 sums it for a
        line (`get_string_width`, without building its styled fragments each time): the
        glyphs' widths at the font size, where no spacing, stretching or shaping applies."""
        font = self.current_font
        if (
            self.text_shaping
            or self.char_spacing
            or self.font_stretching != 100
            or getattr(font, "is_symbol", False)
            or not isinstance(getattr(font, "cw", None), dict)
        ):
            return self.get_string_width
        widths = font.cw
        scale = self.font_size_pt * 0.001 / self.k
        return lambda text: sum(map(widths.__getitem__, map(ord, text))) * scale

    def _table_cell(self, w, h, text, args, kwargs):
        """multi_cell's drawing of a table cell's text, or None to leave it to fpdf2."""
        if (
            not self._in_table
            or args
            or set(kwargs) != self._TABLE_CELL
            or kwargs["border"]
            or kwargs["fill"]
            or kwargs["markdown"]
            or kwargs["new_x"] != "RIGHT"
            or kwargs["new_y"] != "TOP"
            or kwargs["output"] != (MethodReturnValue.PAGE_BREAK | MethodReturnValue.HEIGHT)
            or kwargs["wrapmode"] != WrapMode.WORD
            or not isinstance(kwargs["padding"], Padding)
            or h is None
            or kwargs["max_line_height"] != h
            or Align.coerce(kwargs["align"]) not in (Align.L, Align.R)
        ):
            return None
        padding = kwargs["padding"]
        if not (padding.left and padding.right):
            return None  # fpdf2 would add its cell margin: not our tables' case
        width = w - padding.left - padding.right
        lines = _table_lines(text, width, self._text_width())
        if lines is None:
            return None
        x, y = self.x, self.y
        if self.will_page_break(padding.top + len(lines) * h + padding.bottom):
            return None  # multi_cell would break the page within the cell: fpdf2's to do
        height = len(lines) * h + padding.top + padding.bottom
        subset = getattr(self.current_font, "subset", None)
        if not isinstance(self._out, types.MethodType) and hasattr(subset, "pick"):
            # The table measuring its rows: fpdf2 swaps `_out` for a function that writes
            # nothing (FPDF._disable_writing) and puts the cursor back after. The height
            # is all it wants; of the drawing, only the glyphs it would have put in the
            # font's subset (numbered in the order first used) are kept, so take them.
            for line in lines:
                for c in line:
                    subset.pick(ord(c))
            return False, height
        # multi_cell draws each line from the padded corner down, with no cell margin
        margin = self.c_margin
        self.c_margin = 0
        try:
            self.set_xy(x + padding.left, y + padding.top)
            for i, line in enumerate(lines):
                last = i == len(lines) - 1
                self.cell(
                    width,
                    h,
                    line,
                    align=kwargs["align"],
                    link=kwargs["link"] or "",
                    new_x=XPos.RIGHT if last else XPos.LEFT,
                    new_y=YPos.TOP if last else YPos.NEXT,
                )
        finally:
            self.c_margin = margin
        # and leaves the cursor at the top right of the cell, past its right padding
        self.set_xy(x + padding.left + width + padding.right, y)
        return False, height

    def table(self, header: list[str], rows: list[list[str]], widths: list[float],
              align: list[str] | None = None, *, size: float = 8.5):  # fmt: skip
        if not rows:
            return
        self.set_font("DejaVu", "", size)
        self.set_text_color(*INK)
        self.set_fill_color(*PALE)
        self.set_draw_color(*(200, 207, 211))
        self.set_line_width(0.2)
        if self.will_page_break(8 + 6 * min(len(rows), 3)):
            self.add_page()
        self._in_table = True
        try:
            self._table(header, rows, widths, align, size)
        finally:
            self._in_table = False
        self.ln(3)

    def _table(self, header, rows, widths, align, size):
        with super().table(
            col_widths=widths,
            width=sum(widths),
            align="LEFT",
            text_align=align or ["LEFT"] * len(header),
            line_height=size * 0.52,
            padding=(1.2, 1.5),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            headings_style=FontFace(emphasis="BOLD", color=WHITE, fill_color=NHS_BLUE),
            cell_fill_color=PALE,
            cell_fill_mode="ROWS",
            repeat_headings=1,
        ) as t:
            row = t.row()
            for h in header:
                row.cell(h)
            for r in rows:
                row = t.row()
                for v in r:
                    row.cell("" if v is None else str(v))

    def plot(self, plot):
        if self.will_page_break(plot.height + 2):
            self.add_page()
        y = self.get_y()
        draw_pdf(self, plot, self.l_margin, y)
        self.set_y(y + plot.height + 2)

    def figures(self, items: list[tuple[str, str]]):
        """Key figures as boxes in a row: (number, words)."""
        if self.will_page_break(24):
            self.add_page()
        n = len(items)
        gap = 3
        w = (WIDTH - gap * (n - 1)) / n
        y = self.get_y()
        for i, (number, words) in enumerate(items):
            x = self.l_margin + i * (w + gap)
            self.set_fill_color(*PALE)
            self.set_draw_color(*NHS_BLUE)
            self.set_line_width(0.8)
            self.rect(x, y, w, 21, style="F")
            self.line(x, y, x, y + 21)
            self.set_xy(x + 3, y + 2.5)
            self.set_font("DejaVu", "B", 15)
            self.set_text_color(*DARK_BLUE)
            self.cell(w - 5, 7, number)
            self.set_xy(x + 3, y + 10.5)
            self.set_font("DejaVu", "", 7.5)
            self.set_text_color(*INK)
            self.multi_cell(w - 5, 3.6, words, align="L")
        self.set_xy(self.l_margin, y + 25)

    def commentary(self, text: str):
        if not text:
            return
        if self.will_page_break(20):
            self.add_page()
        self.set_font("DejaVu", "B", 9.5)
        self.set_text_color(*DARK_BLUE)
        self.cell(WIDTH, 6, "Commentary", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        y0 = self.get_y()
        self.set_x(self.l_margin + 4)
        self.set_font("DejaVu", "", 9.5)
        self.set_text_color(*INK)
        self.multi_cell(WIDTH - 4, 4.9, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        y1 = self.get_y()
        if y1 > y0:  # the rule beside it, on this page
            self.set_draw_color(*NHS_BLUE)
            self.set_line_width(1)
            self.line(self.l_margin + 0.5, y0, self.l_margin + 0.5, y1)
        self.ln(3)


def _toc(pdf: ReviewPDF, outline):
    pdf.set_x(pdf.l_margin)
    pdf.set_font("DejaVu", "B", 17)
    pdf.set_text_color(*DARK_BLUE)
    pdf.cell(WIDTH, 10, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.ln(3)
    for section in outline:
        level = section.level
        pdf.set_font("DejaVu", "B" if level == 0 else "", 10 if level == 0 else 9)
        pdf.set_text_color(*INK)
        indent = 6 * level
        pdf.set_x(pdf.l_margin + indent)
        link = pdf.add_link(page=section.page_number)
        name = section.name if len(section.name) < 95 else section.name[:92] + "…"
        line = TOC_LINE[min(level, 1)]
        pdf.cell(WIDTH - indent - 14, line, name, link=link)
        pdf.cell(14, line, str(section.page_number), align="R", link=link,
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip


def render_pdf(document: dict, commentary: dict, charts: dict, *, signed: dict | None) -> bytes:
    ahsn = document["ahsn"]["name"]
    period = f"{_date(document['period']['start'])} to {_date(document['period']['end'])}"
    pdf = ReviewPDF(
        title=f"Contract review: {ahsn}, {period}",
        running_head=f"Contract review · {ahsn} · {period}" + ("" if signed else " · DRAFT"),
    )
    _cover(pdf, document, period, signed)
    pdf.add_page()
    pdf.insert_toc_placeholder(_toc, pages=_toc_pages(document))
    _summary(pdf, document, commentary)
    for c in document["collaboratives"]:
        _collaborative(pdf, c, commentary, charts)
    _lessons(pdf, document, commentary)
    _method(pdf, document)
    return bytes(pdf.output())


def _toc_pages(document) -> int:
    """The pages the contents need: the outline's lines (as `_toc` draws them) over a page."""
    level0 = 3 + len(document["collaboratives"])  # summary, each, lessons, method
    level1 = sum(5 + bool(c["measures"]) for c in document["collaboratives"])
    height = 13 + level0 * TOC_LINE[0] + level1 * TOC_LINE[1]
    return max(1, math.ceil(height / (297 - 18 - 18 - 4)))


def _cover(pdf: ReviewPDF, document, period, signed):
    pdf.add_page()
    pdf.set_fill_color(*NHS_BLUE)
    pdf.rect(0, 0, 210, 92, style="F")
    pdf.set_text_color(*WHITE)
    pdf.set_xy(15, 30)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(WIDTH, 6, "CONTRACT REVIEW", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.set_font("DejaVu", "B", 24)
    pdf.multi_cell(
        WIDTH, 11, document["ahsn"]["name"], new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L"
    )
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 13)
    pdf.multi_cell(WIDTH, 7, "Improvement collaboratives, " + period,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")  # fmt: skip
    pdf.set_text_color(*INK)
    pdf.set_xy(15, 105)
    s = document["summary"]
    pdf.figures(
        [
            (str(s["collaboratives"]), "collaboratives in the period"),
            (str(s["teams_in_period"]), "teams taking part"),
            (str(s["cycles_completed"]), "PDSA cycles completed"),
            (f"{s['measures_improved']} of {s['measures']}", "measures improved"),
            (f"{s['teams_improved']} of {s['teams_judged']}", "teams' outcome improved"),
        ]
    )
    pdf.ln(2)
    pdf.para("This report covers:", size=10, style="B")
    pdf.bullets(
        [f"{c['name']} ({c['role'].lower()}, {c['phase'].lower()})"
         for c in document["collaboratives"]] or ["No collaborative ran in the period."],
        size=9.5,
    )  # fmt: skip
    pdf.ln(4)
    if signed:
        pdf.para(f"Signed off by {signed['name']} on {_date(signed['at'])}.", size=11, style="B")
    else:
        pdf.para("DRAFT: not yet signed off.", size=11, style="B", colour=(212, 53, 28))
    pdf.para(
        f"Built from the data as at {_date(document['built_at'])}: "
        f"{document['data_versions']['points']:,} data points "
        f"(data version total {document['data_versions']['total']:,}).",
        size=9,
        colour=GREY,
    )
    d = document["disclosure"]
    if d["enabled"]:
        pdf.para(
            f"Counts of people follow NHS Digital's small-number rules: 1 to "
            f"{d['suppress_up_to']} shown as {d['symbol']}, others rounded to the nearest "
            f"{d['round_to']}, percentages from the rounded figures.",
            size=9,
            colour=GREY,
        )


def _summary(pdf: ReviewPDF, document, commentary):
    s = document["summary"]
    pdf.heading("1. Portfolio summary", 0, new_page=True)
    pdf.para(
        f"{document['ahsn']['name']} led or partnered in {s['collaboratives']} improvement "
        f"collaborative{'s' if s['collaboratives'] != 1 else ''} in the period: "
        f"{s['national_topics']} on national topics and {s['local_topics']} on local "
        f"priorities. {s['teams_in_period']} teams took part ({s['teams_active']} active at "
        f"the end of the period); {s['teams_joined']} joined and "
        f"{s['teams_withdrawn']} withdrew during the period. Teams completed "
        f"{s['cycles_completed']} PDSA cycles and adopted {s['change_ideas_adopted']} change "
        f"ideas. {summary_measures_words(s)} {summary_teams_words(s)}"
    )
    if s["balancing"]:
        pdf.para("Balancing measures: " + balancing_words(s["balancing"]))
    d = s["cycles_by_decision"]
    pdf.figures(
        [
            (str(d["adopt"]), "cycles ended in adopting the change"),
            (str(d["adapt"]), "cycles ended in adapting it"),
            (str(d["abandon"]), "cycles ended in abandoning it"),
        ]
    )
    pdf.heading("The collaboratives", 2)
    pdf.table(
        [
            "Collaborative",
            "Topic",
            "Role",
            "Phase",
            "Teams",
            "Teams improved",
            "Cycles",
            "Median score",
        ],  # fmt: skip
        [
            [
                r["name"],
                f"{r['topic']} ({'national' if r['topic_kind'] == 'national' else 'local'})",
                r["role"],
                r["phase"],
                f"{r['teams_in_period']}",
                f"{r['teams_improved']} of {r['teams_judged']}",
                str(r["cycles"]),
                number_text(r["assessment_median"]),
            ]
            for r in s["rows"]
        ],
        [48, 34, 15, 16, 15, 20, 14, 18],
        ["LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"],
        size=7.8,
    )
    pdf.commentary(commentary.get("summary", ""))


def _collaborative(pdf: ReviewPDF, c, commentary, charts):
    number = c["_number"]
    pdf.heading(f"{number}. {c['name']}", 0, new_page=True)
    pdf.table(
        ["Topic", "Our role", "Phase", "Runs"],
        [[
            f"{c['topic']} ({c['topic_kind_label'].lower()})",
            c["role"] + ("" if c["role"] == "Lead" else f" (led by {c['lead_ahsn']})"),
            c["phase"],
            f"{_date(c['starts_on'])} to {_date(c['ends_on']) or 'open'}",
        ]],
        [62, 46, 22, 50],
    )  # fmt: skip
    pdf.heading("Aim and stretch target", 1)
    pdf.para(c["aim"], style="I")
    t = c["target"]
    if t:
        progress = ""
        if t["latest"] is not None:
            progress = (
                f" The latest complete month ({_month(t['latest']['period'])}) stood at "
                f"{number_text(t['latest']['value'])}"
                + progress_words(t["progress"], t.get("status", ""))
            )
        pdf.para(
            f"Stretch target: {t['measure']} from {number_text(t['baseline'])} (baseline "
            f"{_month(t['baseline_from'])} to {_month(t['baseline_to'])}) to "
            f"{number_text(t['target'])} by {_date(t['target_date'])}.{progress}"
        )
        when = "set early" if t["set_early"] else "set late"
        moved = (
            "and never moved"
            if not t["moves"]
            else f"and moved {t['moves']} time{'s' if t['moves'] != 1 else ''} since"
        )
        timing = t.get("timing", "")
        first = f"{timing.lower()}, on" if timing else "first set on"
        pdf.para(f"The target was {when} ({first} {_date(t['first_set_on'])}) {moved}.")
        if len(t["history"]) > 1:
            pdf.table(
                ["Set on", "Measure", "Baseline", "Target", "By", "Reason"],
                [
                    [
                        _date(h["set_on"]),
                        h["measure"],
                        number_text(h["baseline"]),
                        number_text(h["target"]),
                        _date(h["target_date"]),
                        h["reason"],
                    ]
                    for h in t["history"]
                ],  # fmt: skip
                [24, 40, 16, 16, 24, 60],
                size=7.8,
            )
    else:
        pdf.para("No stretch target was set by the end of the period.", style="B")

    pdf.heading("Teams and engagement", 1)
    teams = c["teams"]
    text = (
        f"{teams['in_period']} teams took part in the period; {teams['active']} were active at "
        f"its end. {teams['improved']} of {teams['judged']} teams with enough data improved "
        "their outcome measure."
    )
    if teams["joined"]:
        text += f" Joined in the period: {len(teams['joined'])}."
    text += (
        f" Withdrew in the period: {', '.join(teams['withdrawn'])}."
        if teams["withdrawn"]
        else " No team withdrew."
    )
    pdf.para(text)
    e = c["engagement"]
    pdf.table(
        ["Engagement", "In the period"],
        [
            ["Data completeness (due values sent)", percent_text(e["completeness"])],
            [
                "Team stability (teams where someone left)",
                f"{e['teams_with_leavers']} of {e['teams']} teams",
            ],
            ["People who left their team", e["people_left"]],
            [
                "Senior sponsor attended an event",
                f"{e['sponsors_attended']} of {e['teams_with_sponsor']} teams with a sponsor",
            ],
        ],  # fmt: skip
        [100, 80],
    )
    if e["sessions"]:
        pdf.table(
            ["Learning session", "Date", "Teams present", "People"],
            [
                [
                    s["title"],
                    _date(s["date"]),
                    f"{s['teams_present']} of {s['teams_expected']}",
                    s["people"],
                ]
                for s in e["sessions"]
            ],  # fmt: skip
            [90, 35, 30, 25],
            ["LEFT", "LEFT", "RIGHT", "RIGHT"],
        )
    else:
        pdf.para("No learning session fell in the period.")

    if c["measures"]:
        pdf.heading("Measures", 1, keep=100)
        pdf.para(
            "Each measure as one chart of the whole collaborative (every team's figures "
            "summed by month) and one funnel plot comparing the teams over the period. "
            "Improvement is claimed only where the chart's rules say so.",
            size=8.5,
            colour=GREY,
        )
    for m in c["measures"]:
        pdf.heading(f"{m['name']} ({m['kind_label'].lower()} measure)", 2, keep=75)
        pdf.para(m["reading"], style="B", size=9)
        key = f"{c['id']}-{m['id']}"
        if f"agg-{key}" in charts:
            pdf.plot(charts[f"agg-{key}"])
            words = m["words"]
            pdf.para(f"{words.get('chart', '')}, {words.get('convention', '')}.", size=7.5,
                     colour=GREY)  # fmt: skip
        if f"funnel-{key}" in charts:
            pdf.plot(charts[f"funnel-{key}"])
            funnel = m["funnel"]
            outside = funnel["outside"]
            withheld = funnel.get("withheld") or []
            pdf.para(
                (("Outside the 99.8% limits: " + ", ".join(outside) + ".")
                 if outside else "Every team is within the 99.8% limits.")
                + f" Across: {funnel['x_title'][:1].lower()}{funnel['x_title'][1:]}."
                + ((" Not plotted, their small numbers withheld: " + ", ".join(withheld) + ".")
                   if withheld else ""),
                size=8.5,
            )  # fmt: skip
            pdf.table(
                ["Team", "Numerator", "Denominator", "Rate", "Against the limits"],
                [[u["label"], u["numerator"], u["denominator"],
                  u["numerator"] if u["suppressed"] else number_text(u["rate"]), u["position"]]
                 for u in funnel["units"]],
                [52, 24, 26, 20, 58],
                ["LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"],
                size=7.5,
            )  # fmt: skip
        elif m["funnel_reason"]:
            pdf.para(f"No funnel plot: {m['funnel_reason']}", size=8.5, colour=GREY)

    pdf.heading("PDSA cycles and change ideas", 1)
    cy = c["cycles"]
    pdf.table(
        ["Cycles completed", "Adopted", "Adapted", "Abandoned", "No decision", "Still running"],
        [[str(cy["completed"]), str(cy["by_decision"]["adopt"]), str(cy["by_decision"]["adapt"]),
          str(cy["by_decision"]["abandon"]), str(cy["no_decision"]), str(cy["running"])]],
        [35, 27, 27, 27, 30, 34],
        ["RIGHT"] * 6,
    )  # fmt: skip
    if c["change_ideas"]:
        pdf.table(
            ["Change idea adopted", "Driver", "Teams adopting"],
            [
                [
                    i["title"] + (" (a team's own idea)" if i["local"] else ""),
                    i["driver"],
                    str(i["teams"]),
                ]
                for i in c["change_ideas"]
            ],  # fmt: skip
            [80, 75, 25],
            ["LEFT", "LEFT", "RIGHT"],
            size=8,
        )
    else:
        pdf.para("No change idea was adopted in the period.")

    pdf.heading("Assessment scores", 1)
    a = c["assessment"]
    if a["rated"]:
        pdf.para(
            f"{a['rated']} teams rated in the period; median score "
            f"{number_text(a['median'])} on the IHI scale (the faculty's rating where given, "
            "otherwise the team's own)."
        )
        pdf.plot(charts[f"assess-{c['id']}"])
    else:
        pdf.para("No team was rated in the period.")

    d = c["design"]
    pdf.heading("Design record highlights", 1)
    items = []
    if d["in_place"]:
        items.append("In place from the start: " + "; ".join(d["in_place"]) + ".")
    if d["missing"]:
        items.append("Missing at the start: " + "; ".join(d["missing"]) + ".")
    items += [f"{_date(ch['date'])}: {ch['text']}" for ch in d["changes"]]
    items += [f"{f['feature']} ({f['contribution'].lower()}): {f['text']}".strip(": ")
              for f in d["factors"]]  # fmt: skip
    if d["summary"]:
        pdf.para(d["summary"])
    if items:
        pdf.bullets(items)
    elif not d["summary"]:
        pdf.para("The design record has no entries yet.")
    pdf.commentary(commentary.get(c["key"], ""))


def _lessons(pdf: ReviewPDF, document, commentary):
    n = len(document["collaboratives"]) + 2
    pdf.heading(f"{n}. Lessons learned across the collaboratives", 0, new_page=True)
    lessons = document["lessons"]
    if lessons:
        by = {}
        for lesson in lessons:
            by.setdefault(lesson["collaborative"], []).append(lesson["text"])
        for name, texts in by.items():
            pdf.heading(name, 2)
            pdf.bullets(texts)
    else:
        pdf.para("No lessons were recorded in the design records by the end of the period.")
    pdf.commentary(commentary.get("lessons", ""))


def _method(pdf: ReviewPDF, document):
    n = len(document["collaboratives"]) + 3
    pdf.heading(f"{n}. About the figures", 0)
    d = document["disclosure"]
    pdf.bullets(
        [
            "Charts follow each collaborative's rules (NHS England's Making Data Count unless "
            "the collaborative chose otherwise): a point outside the limits, a shift, a trend "
            "or two of three near a limit is special cause variation.",
            "Funnel plots compare teams over the whole period against 95% and 99.8% limits, "
            "adjusted for overdispersion where needed (Spiegelhalter 2005).",
            "Small numbers: counts of people follow NHS Digital's disclosure control for "
            f"sub-national figures: 1 to {d['suppress_up_to']} shown as {d['symbol']}, other "
            f"counts rounded to the nearest {d['round_to']}, rates from the rounded figures. "
            "Months and teams with a suppressed count are left off the charts.",
            "Each team's detail is in the spreadsheet that comes with this report.",
        ],
        size=8.5,
    )
