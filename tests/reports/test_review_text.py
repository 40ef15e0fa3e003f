"""The contract review's text: its spreadsheet writes names and commentary that look like
formulas as text, and a stale commentary save does not overwrite a newer one."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from collaboratives.models import AHSN, Collaborative, Organisation
from governance.models import RoleAssignment
from measures.exporters.formats import FORMULA_STARTS
from measures.models import Measure
from reports.models import ContractReview
from tests.cast import client_for
from tests.reports.test_report import END, START, TODAY, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo", "--scale", "tiny", "--today", TODAY, stdout=io.StringIO())
    director = User.objects.get(username="director")
    ahsn = AHSN.objects.get(pk=RoleAssignment.objects.get(person__user=director).ahsn_id)
    return ahsn, director


def test_the_review_spreadsheet_writes_formula_like_names_and_commentary_as_text(
    demo, django_capture_on_commit_callbacks
):
    ahsn, director = demo
    collaborative = Collaborative.objects.filter(lead_ahsn=ahsn).order_by("pk").first()
    Collaborative.objects.filter(pk=collaborative.pk).update(name="=1+1")
    team = collaborative.teams.order_by("pk").first()
    Organisation.objects.filter(pk=team.organisation_id).update(name="+SUM(A1:A9)")
    measure = collaborative.measure_set.order_by("pk").first().measure
    Measure.objects.filter(pk=measure.pk).update(name="-2+3")
    # The name shown is the current one (later_name where the AHSN has one).
    AHSN.objects.filter(pk=ahsn.pk).update(
        name='@HYPERLINK("http://example.invalid")',
        later_name='@HYPERLINK("http://example.invalid")',
    )
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    key = review.document["collaboratives"][0]["key"]

    response = client_for(director).post(
        reverse("review_commentary", args=[review.pk]),
        {"summary": "=cmd|'/c calc'!A1", key: "@SUM(1)", "lessons": "-1", "version": "0"},
    )
    assert response.status_code == 302
    review.refresh_from_db()

    workbook = load_workbook(io.BytesIO(bytes(review.xlsx)))
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert not [c.value for c in cells if c.data_type == "f"]
    assert not [t for t in texts if t.startswith(FORMULA_STARTS)]
    for name in ("=1+1", "+SUM(A1:A9)", "-2+3", '@HYPERLINK("http://example.invalid")'):
        assert any(t.startswith("'" + name) for t in texts), name  # there, and inert
    for note in ("=cmd|'/c calc'!A1", "@SUM(1)", "-1"):
        assert "'" + note in texts, note
    assert "Commentary" in workbook.sheetnames


def test_a_stale_commentary_save_does_not_overwrite_a_newer_one(
    demo, django_capture_on_commit_callbacks
):
    ahsn, director = demo
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    assert (review.period_start, review.period_end) == (START, END)
    url = reverse("review_commentary", args=[review.pk])
    first, second = client_for(director), client_for(director)  # two tabs, one page each

    saved = first.post(url, {"summary": "Steady progress in falls.", "version": "0"})
    stale = second.post(url, {"summary": "A hard year.", "version": "0"})

    assert saved.status_code == 302 and stale.status_code == 409
    review = ContractReview.objects.get(pk=review.pk)
    assert review.commentary == {"summary": "Steady progress in falls."}
    assert review.commentary_version == 1
    html = stale.content.decode()
    assert "Someone else saved this since you opened the page" in html
    assert "A hard year." in html and 'name="version" value="1"' in html
