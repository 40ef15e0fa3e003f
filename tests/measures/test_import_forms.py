"""Imports accept what people type: names with any dash, case or spacing; the usual period
forms; thousands separators. An ambiguous team is asked, never guessed. One error per
cell, naming what was expected; the page says plainly whether anything can be imported."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook

from collaboratives.models import Team
from collaboratives.workflows import team_withdraw
from measures.imports import ImportNotReady, import_answer, import_batch_create, import_confirm
from measures.models import DataPoint, ImportBatch, Series
from tests.cast import START, build_cast, client_for

pytestmark = pytest.mark.django_db

MEASURE = "Inpatient falls per 1,000 bed days"
HEADER = "team,measure,period,numerator,denominator\n"


@pytest.fixture
def cast():
    return build_cast()


@pytest.fixture
def ward7(cast):
    """Alpha's team renamed with a unit: its name has an en dash ("Alpha Hospitals – Ward 7")."""
    cast.alpha.unit = "Ward 7"
    cast.alpha.save()
    return cast.alpha


def upload(cast, content: bytes, user="lead", name="data.csv") -> ImportBatch:
    return import_batch_create(
        collaborative=cast.falls, user=cast.users[user], filename=name, content=content
    )


def one_row(team="Alpha Hospitals", measure=MEASURE, period="2024-11-01", num="3", den="1000"):
    return (HEADER + f'"{team}","{measure}","{period}","{num}","{den}"\n').encode()


def xlsx(rows) -> bytes:
    import io

    workbook = Workbook()
    workbook.active.append(["team", "measure", "period", "numerator", "denominator"])
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "team",
    [
        "Alpha Hospitals - Ward 7",  # a hyphen where the team has an en dash
        "Alpha Hospitals—Ward 7",  # an em dash, no spaces
        "alpha hospitals – ward 7",  # lower case
        "  ALPHA   Hospitals –  Ward 7 ",  # upper case and extra spaces
        "Alpha Hospitals – Ward 7",  # exactly as in Collab
    ],
)
def test_it_matches_team_names_whatever_the_dash_case_and_spaces(cast, ward7, team):
    batch = upload(cast, one_row(team=team))
    assert batch.findings["errors"] == []
    assert [a["team"] for a in batch.findings["add"]] == ["Alpha Hospitals – Ward 7"]


def test_it_matches_measure_names_whatever_the_case_and_spaces(cast):
    batch = upload(cast, one_row(measure="  inpatient FALLS per 1,000  bed days"))
    assert batch.findings["errors"] == [] and len(batch.findings["add"]) == 1


@pytest.mark.parametrize(
    "period",
    ["Nov-24", "Nov 2024", "November 2024", "2024-11", "01/11/2024", "2024-11-01", "45597"],
)
def test_it_reads_each_usual_period_form_as_november_2024(cast, period):
    batch = upload(cast, one_row(period=period))
    assert batch.findings["errors"] == []
    assert [a["period"] for a in batch.findings["add"]] == ["2024-11-01"]


def test_it_reads_an_excel_date_serial_and_a_date_cell_in_a_workbook(cast):
    batch = upload(
        cast,
        xlsx(
            [
                ["Alpha Hospitals", MEASURE, 45597, 3, 1000],  # 1 Nov 2024 as a plain number
                ["Alpha Hospitals", MEASURE, dt.datetime(2024, 12, 1), 4, 1000],
            ]
        ),
        name="data.xlsx",
    )
    assert batch.findings["errors"] == []
    assert [a["period"] for a in batch.findings["add"]] == ["2024-11-01", "2024-12-01"]


@pytest.mark.parametrize(("text", "value"), [("1,538", "1538"), ("12,345.5", "12345.5")])
def test_it_reads_thousands_separators(cast, text, value):
    batch = upload(cast, one_row(num="3", den=text))
    assert batch.findings["errors"] == []
    assert batch.findings["add"][0]["denominator"] == value


def test_a_month_for_a_weekly_measure_is_one_error_naming_the_monday_expected(cast):
    content = (HEADER + "Alpha Hospitals,Alpha's own audit,Nov 2024,3,\n").encode()
    errors = upload(cast, content).findings["errors"]
    assert errors == [
        {
            "row": 2,
            "column": "period",
            "reason": "“Nov 2024” is a month, but this measure is weekly: expected the Monday "
            "its week starts, such as 2026-11-02",
        }
    ]


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"den": "12x4"}, "denominator", "“12x4” is not a number: expected a number such as 1538"),
        ({"num": "lots"}, "numerator", "“lots” is not a number: expected a number such as 1538"),
        ({"period": "soon"}, "period", "“soon” is not a period: expected a date such as"),
        ({"period": ""}, "period", "is empty: expected a date such as"),
        ({"team": "Nowhere"}, "team", "“Nowhere” is not a team of this collaborative you can"),
        ({"measure": "Smiles"}, "measure", "“Smiles” is not a measure this team reports: expe"),
    ],
)
def test_each_bad_cell_gets_exactly_one_error_naming_what_was_expected(cast, cells, column, reason):
    errors = upload(cast, one_row(**cells)).findings["errors"]
    assert len(errors) == 1, errors
    assert errors[0]["column"] == column and errors[0]["reason"].startswith(reason)
    assert "expected" in errors[0]["reason"]


def test_a_withdrawn_team_is_one_error_saying_so_and_what_was_expected(cast):
    team_withdraw(team=cast.alpha, on=dt.date(2024, 6, 1))
    errors = upload(cast, one_row(), user="falls_manager").findings["errors"]
    assert errors == [
        {
            "row": 2,
            "column": "team",
            "reason": "means Alpha Hospitals, which withdrew from the collaborative on "
            "01/06/2024, so its data can no longer be entered: expected a team still taking part",
        }
    ]


def test_a_cell_with_an_nhs_number_is_refused_without_being_quoted(cast):
    errors = upload(cast, one_row(den="943 476 5919")).findings["errors"]
    assert [e["column"] for e in errors] == ["denominator"]
    assert "943" not in errors[0]["reason"] and "NHS number" in errors[0]["reason"]


@pytest.fixture
def shared_code(cast):
    """A second team of the same organisation in the same collaborative: "RA1" (its ODS
    code) and "Alpha Hospitals" now mean either team."""
    ward9 = Team.objects.create(
        collaborative=cast.falls,
        organisation=cast.alpha.organisation,
        unit="Ward 9",
        joined_on=START,
    )
    cast.alpha.unit = "Ward 7"
    cast.alpha.save()
    Series.objects.create(team=ward9, measure=cast.falls_rate)
    return ward9


def test_an_ods_code_shared_by_two_teams_is_asked_never_guessed(cast, shared_code):
    manager = "manager"
    content = (
        HEADER
        + f'RA1,"{MEASURE}",2024-11-01,3,1000\n'
        + f'ra1,"{MEASURE}",2024-12-01,4,1000\n'
        + f'Beta Hospitals,"{MEASURE}",2024-11-01,5,1000\n'
    ).encode()
    batch = upload(cast, content, user=manager)
    f = batch.findings
    assert [a["team"] for a in f["add"]] == ["Beta Hospitals"]  # nothing of RA1 guessed
    assert f["errors"] == []
    assert len(f["questions"]) == 1
    question = f["questions"][0]
    assert question["rows"] == [2, 3]
    assert [o["name"] for o in question["options"]] == [
        "Alpha Hospitals – Ward 7",
        "Alpha Hospitals – Ward 9",
    ]
    with pytest.raises(ImportNotReady):
        import_confirm(batch=batch, user=cast.users[manager])
    assert not DataPoint.objects.exists()

    # The page asks, with one radio per team, and says the file is not ready yet.
    client = client_for(cast.users[manager])
    html = client.get(reverse("measures:import_batch", args=[batch.pk])).content.decode()
    assert "Not ready yet: answer the question below" in html
    assert html.count('type="radio"') == 2 and "Which team does “RA1” mean?" in html
    assert "Import 1 value" not in html

    # Not answering is an error in the error summary.
    answer = reverse("measures:import_answer", args=[batch.pk])
    refused = client.post(answer, {})
    assert refused.status_code == 400 and "Choose the team “RA1” means" in refused.content.decode()

    client.post(answer, {"q0": shared_code.pk})
    batch.refresh_from_db()
    assert batch.findings["questions"] == [] and batch.total == 3
    assert {a["team"] for a in batch.findings["add"]} == {
        "Alpha Hospitals – Ward 9",
        "Beta Hospitals",
    }
    html = client.get(reverse("measures:import_batch", args=[batch.pk])).content.decode()
    assert "Ready to import 3 values" in html and "“RA1” means Alpha Hospitals – Ward 9" in html
    import_confirm(batch=batch, user=cast.users[manager])
    ward9_points = DataPoint.objects.filter(series__team=shared_code)
    assert sorted(ward9_points.values_list("numerator", flat=True)) == [Decimal(3), Decimal(4)]
    assert not DataPoint.objects.filter(series__team=cast.alpha).exists()


def test_an_answered_row_repeating_a_matched_one_is_an_error(cast, shared_code):
    content = (
        HEADER
        + f'Alpha Hospitals – Ward 9,"{MEASURE}",2024-11-01,3,1000\n'
        + f'RA1,"{MEASURE}",Nov 2024,4,1000\n'
    ).encode()
    batch = upload(cast, content, user="manager")
    import_answer(batch=batch, user=cast.users["manager"], choices={"ra1": shared_code.pk})
    assert batch.findings["errors"] == [
        {"row": 3, "column": "period", "reason": "repeats row 2 for this team and measure"}
    ]


def test_the_page_says_plainly_that_nothing_can_be_imported_when_there_are_errors(cast):
    batch = upload(cast, one_row(num="lots"))
    html = client_for(cast.users["lead"]).get(reverse("measures:import_batch", args=[batch.pk]))
    text = html.content.decode()
    assert "Nothing can be imported: the file has 1 error." in text
    assert "Waiting for confirmation" not in text


def test_the_page_says_plainly_when_every_value_is_already_in(cast):
    batch = upload(cast, one_row())
    import_confirm(batch=batch, user=cast.users["lead"])
    again = upload(cast, one_row())
    html = client_for(cast.users["lead"]).get(reverse("measures:import_batch", args=[again.pk]))
    assert (
        "Nothing to import: every value in the file is already in Collab." in html.content.decode()
    )


def test_a_workbook_number_that_is_not_finite_is_one_error_and_a_serial_with_a_time_is_its_day(
    cast,
):
    batch = upload(
        cast,
        xlsx(
            [
                ["Alpha Hospitals", MEASURE, 45597.75, 3, 1000],  # 1 Nov 2024, 18:00
                ["Alpha Hospitals", MEASURE, "2024-12-01", float("inf"), 1000],
            ]
        ),
        name="data.xlsx",
    )
    assert [a["period"] for a in batch.findings["add"]] == ["2024-11-01"]
    assert [(e["row"], e["column"]) for e in batch.findings["errors"]] == [(3, "numerator")]


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        (
            {"period": "15/11/2024"},
            "period",
            "“15/11/2024” is not the start of a month: expected the 1st, such as 01/11/2024, "
            "or the month, such as Nov 2024",
        ),
        ({"period": "2999-01-01"}, "period", "is in the future: expected a period that has"),
        ({"num": "-3"}, "numerator", "cannot be negative: expected 0 or more"),
        ({"den": ""}, "denominator", "is required for this measure: this measure needs one"),
        ({"den": "0"}, "denominator", "is zero while the numerator is above zero: expected"),
        ({"num": "2.5"}, "numerator", "counts people or events, so must be a whole number: exp"),
        ({"period": "2001-01-01"}, "period", "is before "),
    ],
)
def test_the_write_paths_reasons_say_what_an_import_expected(cast, cells, column, reason):
    errors = upload(cast, one_row(**cells)).findings["errors"]
    assert len(errors) == 1, errors
    assert errors[0]["column"] == column and errors[0]["reason"].startswith(reason)
    assert "expected" in errors[0]["reason"], errors[0]["reason"]


def test_a_team_seen_but_not_entered_for_is_one_error_saying_what_was_expected(cast):
    errors = upload(cast, one_row(), user="faculty").findings["errors"]
    assert [(e["column"], e["reason"]) for e in errors] == [
        (
            "team",
            "means Alpha Hospitals, whose data you may not enter: expected a team you are a "
            "member of, or one of a collaborative you run",
        )
    ]


def test_every_reason_the_write_path_gives_is_told_with_what_was_expected():
    # Each reason measures/writes.py can give a cell an import could send (a proportion's
    # numerator above its denominator among them), as the import words it.
    from measures.imports import _POINT_EXPECTED, _expected

    day = dt.date(2024, 11, 1)
    for reason in _POINT_EXPECTED:
        assert "expected" in _expected(reason, "Nov 2024", day), reason
    said = _expected("is above the denominator, which a proportion cannot be", "", day)
    assert said.endswith("expected a numerator no larger than the denominator")
