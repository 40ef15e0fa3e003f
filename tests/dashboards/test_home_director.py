"""The AHSN director's home: the state of this quarter's contract review and the
collaboratives needing attention (open sustain alerts, from dashboards.alerts; outcomes
deteriorated and signals of concern, from the stored summaries), for their AHSN only."""

import datetime as dt

import pytest
from django.utils import timezone

from dashboards.home import director_sections, quarter_of
from dashboards.models import SustainAlert
from reports.models import ContractReview
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
