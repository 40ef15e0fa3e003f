"""The AHSN director's home: the state of this quarter's contract review and the
collaboratives needing attention (open sustain alerts, from dashboards.alerts; outcomes
deteriorated and signals of concern, from the stored summaries), for their AHSN only."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from dashboards.home import director_sections, quarter_of
from dashboards.models import SustainAlert
from reports.forms import last_twelve_months
from reports.models import ContractReview
from tests.cast import client_for
from tests.dashboards.home_world import home_text, world  # noqa: F401 (a fixture)
from tests.dashboards.portfolio_world import TODAY

pytestmark = pytest.mark.django_db


def _review(ahsn, status, requested: dt.date, **more):
    review = ContractReview.objects.create(
        ahsn=ahsn,
        period_start=dt.date(2024, 9, 1),
        period_end=dt.date(2025, 8, 31),
        status=status,
        **more,
    )
    at = timezone.make_aware(dt.datetime.combine(requested, dt.time(10)))
    ContractReview.objects.filter(pk=review.pk).update(requested_at=at)
    return review


def test_the_quarter():
    assert quarter_of(TODAY) == (dt.date(2025, 7, 1), dt.date(2025, 9, 30))
    assert quarter_of(dt.date(2025, 12, 31)) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert quarter_of(dt.date(2026, 1, 1)) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def test_the_reports_state_this_quarter(world):  # noqa: F811
    director = world.users["director"]
    (section,) = director_sections(director, TODAY)
    assert section.report_state == "Not started"
    assert section.report.text == "No contract review has been asked for in July to September 2025."
    _review(world.east, ContractReview.Status.SIGNED_OFF, dt.date(2025, 6, 30),
            signed_off_at=timezone.now(), signed_off_by_name="Last quarter")  # fmt: skip
    _review(world.west, ContractReview.Status.READY, dt.date(2025, 9, 1), document={"x": 1})
    assert director_sections(director, TODAY)[0].report_state == "Not started"
    ready = _review(world.east, ContractReview.Status.READY, dt.date(2025, 9, 2), document={"x": 1})
    (section,) = director_sections(director, TODAY)
    assert section.report_state == "Draft ready"
    assert f"/reports/{ready.pk}/" == section.report.url
    signed = _review(
        world.east,
        ContractReview.Status.SIGNED_OFF,
        dt.date(2025, 9, 1),
        signed_off_at=timezone.make_aware(dt.datetime(2025, 9, 3, 9)),
        signed_off_by_name="Dr Director",
    )
    (section,) = director_sections(director, TODAY)
    assert section.report_state == "Signed off"  # the furthest on, though asked for earlier
    assert section.report.url == f"/reports/{signed.pk}/"
    assert section.report.text == (
        "The review of 1 Sep 2024 to 31 Aug 2025 was signed off on 3 Sep 2025 by Dr Director."
    )
    text = home_text(director)
    assert "Signed off" in text and "Dr Director" in text


def test_collaboratives_needing_attention(world):  # noqa: F811
    director = world.users["director"]
    (section,) = director_sections(director, TODAY)
    assert section.attention == []
    for team, series in ((world.alpha, world.alpha_series), (world.delta, world.delta_series)):
        SustainAlert.objects.create(
            series=series,
            team=team,
            period_start=dt.date(2025, 8, 1),
            message="The gain may be fading.",
            raised_at=timezone.now(),
        )
    (section,) = director_sections(director, TODAY)
    assert [item.text for item in section.attention] == ["Falls: 1 gain may be fading."]
    text = home_text(director)
    assert "Falls: 1 gain may be fading." in text and "Maternity" not in text


def test_only_directors_get_the_section(world):  # noqa: F811
    for who in ("lead", "manager", "faculty", "national", "outsider"):
        assert director_sections(world.users[who], TODAY) == []
        assert "contract review" not in home_text(world.users[who])


def test_the_home_builds_the_quarters_review_in_one_click_when_none_is_under_way(world):  # noqa: F811
    director = world.users["director"]
    (section,) = director_sections(director, TODAY)
    # The usual contract-review year: the twelve whole months to the end of last month.
    assert section.build_period == (dt.date(2024, 9, 1), dt.date(2025, 8, 31))
    assert section.build_url == f"/reports/ahsns/{world.east.pk}/"
    _review(world.east, ContractReview.Status.FAILED, dt.date(2025, 9, 2))
    assert director_sections(director, TODAY)[0].build_period is not None  # ask again
    _review(world.east, ContractReview.Status.BUILDING, dt.date(2025, 9, 3))
    assert director_sections(director, TODAY)[0].build_period is None

    ContractReview.objects.all().delete()
    client = client_for(director)
    html = client.get("/").content.decode()
    form = re.search(r'<form method="post" action="([^"]+)" class="collab-home-build">(.*?)</form>',
                     html, re.S)  # fmt: skip
    assert form, "the home page offers no button to build the review"
    fields = dict(re.findall(r'name="(period_\w+)" value="([^"]+)"', form.group(2)))
    start, end = last_twelve_months(timezone.localdate())
    assert fields == {"period_start": start.isoformat(), "period_end": end.isoformat()}
    response = client.post(form.group(1), fields)
    review = ContractReview.objects.get(ahsn=world.east)
    assert response.status_code == 302 and response["Location"] == f"/reports/{review.pk}/"
    assert (review.period_start, review.period_end, review.requested_by) == (start, end, director)
