"""The contract-review report: built for the demo AHSN, read back from its PDF, XLSX and
HTML; signed off and frozen; reachable only by the AHSN's directors."""

import datetime as dt
import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from collaboratives.models import AHSN, Collaborative, Team
from dashboards.claims import number_text, rounded
from governance.models import Person, Role, RoleAssignment
from measures.models import Measure, Series
from measures.writes import PointChange, datapoints_write
from reports.build import review_request
from reports.models import ContractReview
from reports.pdf import progress_words
from tests.cast import client_for

pytestmark = pytest.mark.django_db

TODAY = "2026-11-27"
START, END = dt.date(2025, 12, 1), dt.date(2026, 10, 31)


@pytest.fixture
def demo():
    call_command("seed_demo", "--scale", "tiny", "--today", TODAY, stdout=io.StringIO())
    director = User.objects.get(username="director")
    ahsn = AHSN.objects.get(pk=RoleAssignment.objects.get(person__user=director).ahsn_id)
    return ahsn, director


def build(ahsn, user, django_capture_on_commit_callbacks, start=START, end=END):
    with django_capture_on_commit_callbacks(execute=True):
        review = review_request(ahsn=ahsn, start=start, end=end, user=user)
    review.refresh_from_db()
    return review


def pdf_text(review) -> str:
    reader = PdfReader(io.BytesIO(bytes(review.pdf)))
    return "\n".join(page.extract_text() for page in reader.pages)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_it_builds_the_demo_ahsns_report_with_every_section_in_the_pdf(
    demo, django_capture_on_commit_callbacks
):
    ahsn, director = demo
    review = build(ahsn, director, django_capture_on_commit_callbacks)

    assert review.status == ContractReview.Status.READY
    assert review.progress == 100
    reader = PdfReader(io.BytesIO(bytes(review.pdf)))
    pages = len(reader.pages)
    assert pages >= 5
    text = _squash(pdf_text(review))
    assert ahsn.current_name in text
    assert "Contents" in text
    assert "1. Portfolio summary" in text
    assert f"Page 2 of {pages}" in text
    collaboratives = Collaborative.objects.filter(lead_ahsn=ahsn)
    assert collaboratives.exists()
    for c in collaboratives:
        assert c.name in text
        assert c.topic.name in text
        for cm in c.measure_set.exclude(measure__kind="balancing"):
            assert _squash(cm.measure.name) in text
    for heading in ("Aim and stretch target", "Teams and engagement", "Measures",
                    "PDSA cycles and change ideas", "Assessment scores",
                    "Design record highlights", "Lessons learned across the collaboratives",
                    "About the figures"):  # fmt: skip
        assert heading in text
    assert "DRAFT" in text
    # The contents page links each section to its page.
    assert reader.outline


def test_improvement_is_claimed_only_where_the_chart_verdict_says_improved(
    demo, django_capture_on_commit_callbacks
):
    ahsn, director = demo
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    measures = [m for c in review.document["collaboratives"] for m in c["measures"]]
    assert measures
    for m in measures:
        claims = m["reading"].startswith("Improved")
        assert claims == (m["status"] == "improved"), m["name"]
    summary = review.document["summary"]
    assert summary["measures_improved"] == sum(m["status"] == "improved" for m in measures)


def test_the_xlsx_has_each_teams_detail_which_the_pdf_leaves_out(
    demo, django_capture_on_commit_callbacks
):
    ahsn, director = demo
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    book = load_workbook(io.BytesIO(bytes(review.xlsx)), read_only=True)
    assert {"About", "Collaboratives", "Teams", "Team measures", "Measures by month"} <= set(
        book.sheetnames
    )
    rows = list(book["Teams"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:3] == ("Collaborative", "Team", "Status")
    teams = Team.objects.filter(collaborative__lead_ahsn=ahsn, joined_on__lte=END)
    assert sorted(r[1] for r in body) == sorted(t.name_for_peers() for t in teams)
    measure_rows = list(book["Team measures"].iter_rows(values_only=True))[1:]
    assert measure_rows
    assert {r[1] for r in measure_rows} <= {t.name_for_peers() for t in teams}
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Status"] == "Draft"
    # The team-level rows are not in the PDF.
    text = pdf_text(review)
    assert "Against the funnel limits" not in text


def test_the_xlsx_sheets_keep_their_header_in_view_filter_and_format_dates_and_rates(
    demo, django_capture_on_commit_callbacks
):
    ahsn, director = demo
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    book = load_workbook(io.BytesIO(bytes(review.xlsx)))
    about = book["About"]
    assert [c.font.b for c in about["A"]] == [True] * about.max_row
    assert about.column_dimensions["B"].width == 100
    for name in ("Collaboratives", "Teams", "Team measures", "Measures by month", "Measures"):
        sheet = book[name]
        assert sheet.max_row > 1, name
        assert sheet.freeze_panes == "A2", name
        assert sheet.auto_filter.ref == sheet.dimensions, name
        header = sheet[1]
        assert all(c.font.b and c.fill.fgColor.rgb.endswith("005EB8") for c in header), name
    teams = book["Teams"]
    header = [c.value for c in teams[1]]
    for column, number_format in [
        ("Joined", "d mmm yyyy"),
        ("Assessed in", "d mmm yyyy"),
        ("Data completeness", "0%"),
    ]:
        cells = [row[header.index(column)] for row in teams.iter_rows(min_row=2)]
        filled = [c for c in cells if c.value is not None]
        assert filled, column
        assert {c.number_format for c in filled} == {number_format}, column
    assert all(0 <= c.value <= 1 for c in filled)  # completeness: a fraction, shown as %
    joined = [row[header.index("Joined")].value for row in teams.iter_rows(min_row=2)]
    assert all(isinstance(v, dt.datetime) for v in joined)  # dates the sheet can sort
    by_month = book["Measures by month"]
    periods = [row[3] for row in by_month.iter_rows(min_row=2)]
    assert {c.number_format for c in periods} == {"d mmm yyyy"}
    assert by_month.column_dimensions["B"].width == 45


def test_the_html_version_is_the_same_report_on_an_nhs_page(
    demo, django_capture_on_commit_callbacks
):
    ahsn, director = demo
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    response = client_for(director).get(reverse("review_detail", args=[review.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="nhsuk-header' in html
    for c in review.document["collaboratives"]:
        assert f'id="{c["key"]}"' in html
        for m in c["measures"]:
            if m["chart"]:
                assert "figures as a table" in html
    assert "<svg" in html and 'role="img"' in html
    assert "style=" not in review.html  # the strict CSP blocks inline styles
    # Each funnel's caption names its axis as the PDF does: the first letter lowered, the
    # month's name left as it is ("to Nov 2026", not "to nov 2026").
    funnels = [m["funnel"] for c in review.document["collaboratives"] for m in c["measures"]]
    titles = [f["x_title"] for f in funnels if f and f.get("x_title")]
    assert titles, "the demo's report has a funnel"
    for title in titles:
        assert f"Across: {title[:1].lower()}{title[1:]}." in html


def test_commentary_goes_into_every_rendering_and_sign_off_freezes_the_report(
    demo, django_capture_on_commit_callbacks
):
    ahsn, director = demo
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    client = client_for(director)
    key = review.document["collaboratives"][0]["key"]
    response = client.post(
        reverse("review_commentary", args=[review.pk]),
        {"summary": "A year of steady progress in falls.", key: "Teams kept going."},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert "A year of steady progress in falls." in pdf_text(review)
    assert "Teams kept going." in review.html
    book = load_workbook(io.BytesIO(bytes(review.xlsx)), read_only=True)
    written = list(book["Commentary"].iter_rows(values_only=True))
    assert written == [
        ("Section", "Commentary"),
        ("Portfolio summary", "A year of steady progress in falls."),
        (review.document["collaboratives"][0]["name"], "Teams kept going."),
    ]

    response = client.post(reverse("review_sign_off", args=[review.pk]), {})
    assert response.status_code == 400  # the confirmation box is required
    response = client.post(reverse("review_sign_off", args=[review.pk]), {"confirm": "on"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == ContractReview.Status.SIGNED_OFF
    assert review.signed_off_by == director
    frozen = (bytes(review.pdf), bytes(review.xlsx), review.html, review.data_versions)
    assert "Signed off by" in pdf_text(review)

    # Later data changes, rebuilds and commentary do not alter it.
    series = Series.objects.filter(
        team__collaborative__lead_ahsn=ahsn, measure__frequency="monthly"
    ).first()
    datapoints_write(
        series=series,
        changes=[PointChange(period_start=dt.date(2026, 1, 1), numerator="1", denominator="2")],
        by=None,
        source="admin",
        today=dt.date.fromisoformat(TODAY),
    )  # fmt: skip
    assert client.post(reverse("review_rebuild", args=[review.pk])).status_code == 404
    client.post(reverse("review_commentary", args=[review.pk]), {"summary": "Changed"})
    review.refresh_from_db()
    assert (bytes(review.pdf), bytes(review.xlsx), review.html, review.data_versions) == frozen
    assert review.period_start == START and review.period_end == END
    download = client.get(reverse("review_download", args=[review.pk, "pdf"]))
    assert download.status_code == 200
    assert download.content == frozen[0]
    assert download["Content-Type"] == "application/pdf"


def test_signed_off_report_keeps_the_data_versions_it_was_built_from(
    demo, django_capture_on_commit_callbacks
):
    ahsn, director = demo
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    versions = review.data_versions["series"]
    expected = {
        str(pk): v
        for pk, v in Series.objects.filter(team__collaborative__lead_ahsn=ahsn).values_list(
            "pk", "data_version"
        )
    }
    assert {k: versions[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("other_director", 404),
        ("manager", 404),
        ("national", 404),
        ("member", 404),
        ("anonymous", 302),
    ],  # fmt: skip
)
def test_only_the_ahsns_directors_reach_its_reviews(
    demo, django_capture_on_commit_callbacks, client, who, expected
):
    ahsn, director = demo
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    other = AHSN.objects.exclude(pk=ahsn.pk).first()
    users = {
        "other_director": _user_with("other_director", Role.AHSN_DIRECTOR, ahsn=other),
        "manager": User.objects.get(username="manager"),
        "national": User.objects.get(username="national"),
        "member": User.objects.get(username="member"),
    }
    c = client if who == "anonymous" else client_for(users[who])
    urls = [
        reverse("review_list", args=[ahsn.pk]),
        reverse("review_detail", args=[review.pk]),
        reverse("review_commentary", args=[review.pk]),
        reverse("review_download", args=[review.pk, "pdf"]),
        reverse("review_download", args=[review.pk, "xlsx"]),
    ]
    for url in urls:
        assert c.get(url).status_code == expected, url
    for name in ("review_sign_off", "review_rebuild"):
        assert c.post(reverse(name, args=[review.pk]), {"confirm": "on"}).status_code == expected
    review.refresh_from_db()
    assert review.status == ContractReview.Status.READY
    # A guessed id answers the same as another AHSN's review.
    assert c.get(reverse("review_detail", args=[review.pk + 100])).status_code == expected


def _user_with(username, role, **scope):
    user = User.objects.create_user(username, password="x")
    person = Person.objects.create(name=username.title(), user=user)
    RoleAssignment.objects.create(person=person, role=role, **scope)
    return user


def test_a_director_asks_for_a_report_and_watches_its_progress(
    demo, django_capture_on_commit_callbacks
):
    ahsn, director = demo
    client = client_for(director)
    page = client.get(reverse("review_list", args=[ahsn.pk]))
    assert page.status_code == 200
    assert "Build the draft report" in page.content.decode()
    # Without running the task: the review waits, and its page polls.
    response = client.post(
        reverse("review_list", args=[ahsn.pk]),
        {"period_start": "2025-12-01", "period_end": "2026-10-31"},
    )
    review = ContractReview.objects.get(ahsn=ahsn)
    assert response.url == reverse("review_detail", args=[review.pk])
    assert review.status == ContractReview.Status.DRAFT
    partial = client.get(reverse("review_detail", args=[review.pk]), headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert 'hx-trigger="every 2s"' in partial.content.decode()
    assert "<progress" in partial.content.decode()

    from reports.build import review_build

    assert review_build(review.pk, worker="w1")
    partial = client.get(reverse("review_detail", args=[review.pk]), headers={"HX-Request": "true"})
    assert partial.status_code == 286  # htmx stops polling
    assert partial["HX-Refresh"] == "true"


def test_the_period_form_refuses_an_end_before_the_start(demo):
    ahsn, director = demo
    response = client_for(director).post(
        reverse("review_list", args=[ahsn.pk]),
        {"period_start": "2026-10-31", "period_end": "2026-01-01"},
    )
    assert response.status_code == 400
    assert "The last day must be on or after the first day" in response.content.decode()
    assert not ContractReview.objects.exists()


def test_counts_of_people_in_the_demo_report_follow_the_small_number_rules(
    demo, django_capture_on_commit_callbacks
):
    ahsn, director = demo
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    people = Measure.objects.filter(counts_people=True).values_list("name", flat=True)
    checked = 0
    for c in review.document["collaboratives"]:
        for m in c["measures"]:
            if m["name"] not in people:
                continue
            for p in (m["chart"] or {}).get("points", []):
                for text in (p["numerator"], p["denominator"]):
                    checked += 1
                    assert _published(text), (m["name"], text)
            for u in (m["funnel"] or {}).get("units", []):
                for text in (u["numerator"], u["denominator"]):
                    assert _published(text), (m["name"], text)
    assert checked


def _published(text: str) -> bool:
    """'*', '0', '' or a multiple of 5 from 10 up."""
    if text in ("*", "0", ""):
        return True
    n = int(text.replace(",", ""))
    return n >= 10 and n % 5 == 0


def test_the_portfolio_links_its_director_to_the_contract_reviews(demo):
    ahsn, director = demo
    url = reverse("dashboard_portfolio", args=[ahsn.pk])
    link = reverse("review_list", args=[ahsn.pk])
    assert link in client_for(director).get(url).content.decode()
    manager = User.objects.get(username="manager")  # sees the portfolio, not the review
    response = client_for(manager).get(url)
    if response.status_code == 200:
        assert link not in response.content.decode()


def test_a_moved_stretch_target_shows_its_history_and_how_often_it_moved(
    demo, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from collaboratives.models import StretchTarget

    ahsn, director = demo
    collaborative = Collaborative.objects.filter(lead_ahsn=ahsn, stretch_targets__isnull=False)[0]
    first = collaborative.stretch_targets.order_by("set_at").first()
    StretchTarget.objects.create(
        collaborative=collaborative,
        measure=first.measure,
        baseline_value=first.baseline_value,
        baseline_period_start=first.baseline_period_start,
        baseline_period_end=first.baseline_period_end,
        target_value=first.target_value + 1,
        target_date=first.target_date,
        reason="Eased after the winter pressures.",
        set_at=timezone.make_aware(dt.datetime(2026, 2, 1, 9)),
    )
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    section = next(c for c in review.document["collaboratives"] if c["id"] == collaborative.pk)
    target = section["target"]
    assert target["moves"] >= 1
    assert target["reason"] == "Eased after the winter pressures."
    text = _squash(pdf_text(review))
    assert "Eased after the winter pressures." in text
    assert re.search(r"and moved \d+ times? since", text)


@pytest.mark.parametrize(
    ("progress", "status", "claimed"),
    [
        (1.2, "improved", True),
        (1.2, "no_change", False),
        (0.5, "improved", True),
        (0.5, "deteriorated", False),
    ],
)
def test_target_progress_claims_a_gain_only_where_the_verdict_says_improved(
    progress, status, claimed
):
    words = progress_words(progress, status)
    assert ("no gain is claimed" not in words) is claimed
    assert ("the target is reached" in words) is (claimed and progress >= 1)


def test_balancing_measures_are_reported_with_their_verdict_beside_the_count(
    demo, django_capture_on_commit_callbacks
):
    ahsn, director = demo
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    balancing = [
        m
        for c in review.document["collaboratives"]
        for m in c["measures"]
        if m["kind"] == "balancing"
    ]
    assert balancing  # the falls aim names bed rails as its balancing measure
    summary = review.document["summary"]
    assert summary["measures"] == sum(
        m["kind"] != "balancing" for c in review.document["collaboratives"] for m in c["measures"]
    )
    text = _squash(pdf_text(review))
    assert "Balancing measures:" in text
    for m in balancing:
        assert _squash(m["name"]) in text
    html = review.html
    assert 'id="balancing-measures"' in html


def test_the_median_score_reads_the_same_in_the_pdf_the_page_and_the_spreadsheet(
    demo, django_capture_on_commit_callbacks
):
    ahsn, director = demo
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    medians = [
        c["assessment"]["median"]
        for c in review.document["collaboratives"]
        if c["assessment"]["median"] is not None
    ]
    assert medians
    text = _squash(pdf_text(review))
    sheet = load_workbook(io.BytesIO(bytes(review.xlsx)))["Collaboratives"]
    header = [c.value for c in sheet[1]]
    column = header.index("Median assessment")
    in_sheet = [row[column].value for row in sheet.iter_rows(min_row=2) if row[column].value]
    for median in medians:
        shown = number_text(median)
        assert f"median score {shown} on the IHI scale" in text
        assert f"median score {shown} on the IHI scale" in _squash(review.html)
        assert rounded(median) in in_sheet


def test_commentary_with_an_nhs_number_is_refused_and_never_reaches_the_pdf(
    demo, django_capture_on_commit_callbacks
):
    ahsn, director = demo
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    key = review.document["collaboratives"][0]["key"]
    for written in ("943.476.5919", "943/476/5919", "943\u2009476\u00a05919"):
        response = client_for(director).post(
            reverse("review_commentary", args=[review.pk]),
            {"summary": "A steady year.", key: f"Patient {written} fell twice."},
        )
        assert response.status_code in (200, 400)
        assert "Remove the NHS number" in response.content.decode()
    review.refresh_from_db()
    assert review.commentary == {}
    # Nor can it be stored by a path that skips the form.
    review.commentary = {key: "Patient 9434765919"}
    with pytest.raises(ValidationError):
        review.save()
    review.refresh_from_db()
    text = pdf_text(review)
    assert "9434765919" not in text and "476 5919" not in text and "476.5919" not in text


def test_the_ahsn_is_called_by_its_current_name_on_every_page_and_file(
    demo, django_capture_on_commit_callbacks
):
    ahsn, director = demo
    # The demo's AHSNs carry their founding name and the one they go by now.
    ahsn.later_name = "Health Innovation Testshire"
    ahsn.save()
    review = build(ahsn, director, django_capture_on_commit_callbacks)
    client = client_for(director)
    collaborative = Collaborative.objects.filter(lead_ahsn=ahsn).first()
    pages = [
        reverse("review_home"),
        reverse("review_list", args=[ahsn.pk]),
        reverse("review_detail", args=[review.pk]),
        reverse("review_commentary", args=[review.pk]),
        reverse("dashboard_portfolio", args=[ahsn.pk]),
        reverse("collaborative", args=[collaborative.pk]),
        reverse("ahsn_audit", args=[ahsn.pk]),
        "/",
    ]
    for url in pages:
        html = client.get(url, follow=True).content.decode()
        assert ahsn.name not in html, url
    assert "Health Innovation Testshire" in client.get(pages[1]).content.decode()
    assert ahsn.name not in _squash(pdf_text(review))
    assert "Health Innovation Testshire" in _squash(pdf_text(review))
    about = dict(load_workbook(io.BytesIO(bytes(review.xlsx)), read_only=True)["About"].values)
    assert about["Contract review"] == "Health Innovation Testshire"
