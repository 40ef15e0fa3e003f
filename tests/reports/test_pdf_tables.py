"""The PDF's tables: our word-at-a-time layout of a cell (ReviewPDF.multi_cell) breaks
lines where fpdf2's own multi_cell does, and the PDF it draws is the one fpdf2 draws."""

import re

from fpdf import FPDF

from reports.pdf import FONT_FILES, ReviewPDF, _table_lines, font_dir

WORDS = (
    "University Hospitals Birmingham NHS Foundation Trust",
    "Sandwell and West Birmingham Hospitals NHS Trust",
    "Team C",
    "Small numbers withheld: not plotted",
    "Above the 99.8% limit",
    "Within the limits",
    "12,345",
    "*",
    "0.35",
    "Midwife-led continuity of carer – 38 weeks ≥ 95% of births, at 37 °C",
    "Averyveryverylongwordthatnocellofthiswidthcanholdonaline at all",
    "  two  spaces apart ",
    "a line\nbroken by hand",
    "Birmingham Women’s and Children’s NHS Foundation Trust, Steelhouse Lane site",
)


def _rows(n: int) -> list[list[str]]:
    return [
        [WORDS[i % len(WORDS)], str(i * 37), WORDS[(i * 5 + 3) % len(WORDS)], f"{i / 7:.2f}"]
        for i in range(n)
    ]


def _pdf(fpdf2_only: bool, monkeypatch) -> bytes:
    if fpdf2_only:
        monkeypatch.setattr(ReviewPDF, "_table_cell", lambda self, *a: None)
    pdf = ReviewPDF(title="Tables", running_head="Tables")
    pdf.add_page()
    pdf.para("A table long enough to run over three pages, a row split at each turn.")
    for size, widths in ((7.5, [52, 24, 80, 24]), (8.5, [40, 30, 70, 40])):
        pdf.table(
            ["Team", "Numerator", "Against the limits", "Rate"],
            _rows(90),
            widths,
            ["LEFT", "RIGHT", "LEFT", "RIGHT"],
            size=size,
        )
    return bytes(pdf.output())


def _undated(data: bytes) -> bytes:
    return re.sub(rb"/CreationDate \(D:[^)]*\)|/ID \[[^\]]*\]", b"", data)


def test_a_tables_pdf_is_the_one_fpdf2_draws_cell_by_cell(monkeypatch):
    ours = _pdf(False, monkeypatch)
    theirs = _pdf(True, monkeypatch)
    assert _undated(ours) == _undated(theirs)
    assert len(re.findall(rb"/Type /Page\b", ours)) >= 3


def test_a_cells_lines_break_where_fpdf2_breaks_them():
    pdf = FPDF(unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(font_dir() / FONT_FILES[""]))
    pdf.add_page()
    pdf.c_margin = 0  # so that fpdf2 breaks at the width itself, as in a padded cell
    checked = 0
    for size in (7.5, 8.5, 9.5):
        pdf.set_font("DejaVu", "", size)
        for width in (10, 21, 35.3, 49, 77):
            for text in WORDS:
                ours = _table_lines(text, width, pdf.get_string_width)
                if ours is None:
                    continue  # left to fpdf2
                lines = pdf.multi_cell(width, 4, text, dry_run=True, output="LINES")
                assert ours == lines, (text, width, size)
                checked += 1
    assert checked > 100
    # what it leaves to fpdf2: a word wider than the cell, odd spaces, a break by hand
    assert _table_lines(WORDS[10], 35.3, pdf.get_string_width) is None
    assert _table_lines(WORDS[11], 77, pdf.get_string_width) is None
    assert _table_lines(WORDS[12], 77, pdf.get_string_width) is None
