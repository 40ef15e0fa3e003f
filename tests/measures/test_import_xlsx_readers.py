"""Two readers for an uploaded workbook (measures/imports.py): calamine for a plain one,
14x faster; openpyxl for one with a formula or a document type, so that the formula's cell
is named and entities are refused. Both give the cells as the import reads them."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from measures import imports
from tests.measures.test_imports import _xlsx

PLAIN = (
    ["team", "measure", "period", "numerator", "denominator"],
    [],
    ["Ward 7", "Falls", dt.datetime(2026, 11, 1), 1538, 2.5],
    ["Ward 8", None, "Nov-26", True, "1,538"],
)


def test_a_plain_workbook_is_read_by_calamine_not_openpyxl(monkeypatch):
    def refuse(content):
        raise AssertionError("a plain workbook went to openpyxl")

    monkeypatch.setattr(imports, "_openpyxl_rows", refuse)
    rows = list(imports._xlsx_rows(_xlsx(PLAIN)))
    assert rows == [
        ["team", "measure", "period", "numerator", "denominator"],
        [None, None, None, None, None],
        ["Ward 7", "Falls", dt.date(2026, 11, 1), 1538, 2.5],
        ["Ward 8", None, "Nov-26", True, "1,538"],
    ]
    # a whole number is an int, as openpyxl gives it, so it is quoted as 1538, not 1538.0
    assert type(rows[2][3]) is int


def test_both_readers_give_the_same_cells_but_for_a_dates_type():
    content = _xlsx(PLAIN)
    fast = list(imports._xlsx_rows(content))
    slow = list(imports._openpyxl_rows(content))
    assert slow[2][2] == dt.datetime(2026, 11, 1) and fast[2][2] == dt.date(2026, 11, 1)
    slow[2][2] = fast[2][2]
    assert fast == slow


@pytest.mark.parametrize(
    "xml, openpyxl",
    [
        (b'<c r="C4"><f>1+1</f><v>2</v></c>', True),
        (b'<x:c r="C4"><x:f t="shared" ref="C4:C9" si="0"/></x:c>', True),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><sst/>', True),
        (b'<font><family val="2"/><sz val="11"/></font><fill/><fgColor rgb="FF"/>', False),
        (b'<c r="A1" t="s"><v>0</v></c><t>&lt;f&gt;</t>', False),
    ],
)
def test_formulas_and_document_types_send_a_workbook_to_openpyxl(xml, openpyxl):
    assert bool(imports._OPENPYXL_ONLY.search(xml)) is openpyxl


def test_a_formula_is_still_named_by_its_cell():
    book = Workbook()
    book.active.append(["team", "measure", "period", "numerator", "denominator"])
    book.active["D2"] = "=1+1"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(imports._FormulaFound) as found:
        list(imports._xlsx_rows(out.getvalue()))
    assert (found.value.row, found.value.column) == (2, 4)
