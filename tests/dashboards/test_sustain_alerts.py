"""Sustain alerts: a gain fading in the sustain phase is raised once, shown on the team's and
the AHSN's pages, and emailed to the team lead once."""

import datetime as dt

import pytest
from django.core import mail

from collaboratives.models import Collaborative
from dashboards.alerts import alerts_for_ahsn, alerts_for_team
from dashboards.models import SustainAlert
from dashboards.sustain import alerts_sweep
from dashboards.tasks import sustain_alerts_sweep
from measures import recompute
from measures.models import CollaborativeMeasure, DataPoint
from measures.periods import period_starts
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

# The team joined in January 2024 (tests/cast.py): the 12 months before are the verdict's
# baseline, the months after are judged against it.
MONTHS = list(period_starts("monthly", dt.date(2023, 1, 1), dt.date(2024, 11, 1)))
# falls per 2,000 bed days: 12 months about 5 per 1,000, 8 months at 1.5 (an improvement),
# then 3 months back at 12 per 1,000 (above the limits: the gain lost, deteriorated)
BASELINE = [10, 11, 9, 10, 12, 9, 10, 11, 10, 9, 11, 10]
IMPROVED = [3, 3, 2, 3, 4, 3, 3, 3]
FADING = [24, 25, 23]


def fill(series, falls):
    DataPoint.objects.filter(series=series).delete()
    DataPoint.objects.bulk_create(
        DataPoint(series=series, period_start=m, numerator=n, denominator=2000)
        for m, n in zip(MONTHS, falls, strict=False)
    )


def recompute_now(series):
    recompute.series_mark_stale(series_ids=[series.pk], send=False)
    return recompute.charts_recompute(series_ids=[series.pk], worker="test")


@pytest.fixture
def cast():
    cast = build_cast()
    CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=cast.falls_rate)
    cast.falls.phase = Collaborative.Phase.SUSTAIN
    cast.falls.save()
    lead = cast.users["lead"].person
    lead.email = "lead@example.nhs.uk"
    lead.save()
    cast.alpha.lead = lead
    cast.alpha.save()
    return cast


def test_a_fading_gain_raises_one_alert_and_emails_the_lead_once(
    cast, django_capture_on_commit_callbacks
):
    fill(cast.alpha_series, BASELINE + IMPROVED + FADING)
    with django_capture_on_commit_callbacks(execute=True):
        recompute_now(cast.alpha_series)
    alert = SustainAlert.objects.get()
    assert alert.team == cast.alpha and alert.series == cast.alpha_series
    assert alert.period_start == MONTHS[20]  # the first month back above the limit
    assert "had improved" in alert.message and "concern" in alert.message
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["lead@example.nhs.uk"]
    assert f"/teams/{cast.alpha.pk}/dashboard/" in mail.outbox[0].body
    alert.refresh_from_db()
    assert alert.emailed_to == "lead@example.nhs.uk" and alert.emailed_at is not None

    # recomputed again (another change), and swept: still one alert, one email
    DataPoint.objects.filter(series=cast.alpha_series, period_start=MONTHS[0]).update(numerator=11)
    with django_capture_on_commit_callbacks(execute=True):
        recompute_now(cast.alpha_series)
        alerts_sweep()
    assert SustainAlert.objects.count() == 1 and len(mail.outbox) == 1


def test_no_alert_without_an_earlier_improvement(cast, django_capture_on_commit_callbacks):
    # one month above the limit (deteriorated), but nothing had improved before it
    fill(cast.alpha_series, BASELINE + BASELINE[:8] + [25])
    with django_capture_on_commit_callbacks(execute=True):
        recompute_now(cast.alpha_series)
    assert not SustainAlert.objects.exists() and not mail.outbox


def test_a_concern_point_under_a_gain_that_still_holds_raises_no_alert(
    cast, django_capture_on_commit_callbacks
):
    # one month above the limit after the gain, but five of the latest six are still low:
    # the verdict stays improved (naming the concern), so nothing has left `improved`
    fill(cast.alpha_series, BASELINE + IMPROVED + [3, 24])
    with django_capture_on_commit_callbacks(execute=True):
        recompute_now(cast.alpha_series)
    result = cast.alpha_series.chart_results.get()
    assert result.status == "improved" and result.point_type[-1] == "concern"
    assert not SustainAlert.objects.exists() and not mail.outbox


def test_no_alert_outside_the_sustain_phase(cast, django_capture_on_commit_callbacks):
    cast.falls.phase = Collaborative.Phase.ACTIVE
    cast.falls.save()
    fill(cast.alpha_series, BASELINE + IMPROVED + FADING)
    with django_capture_on_commit_callbacks(execute=True):
        recompute_now(cast.alpha_series)
    assert not SustainAlert.objects.exists()


def test_the_alert_clears_when_the_chart_no_longer_shows_it(
    cast, django_capture_on_commit_callbacks
):
    fill(cast.alpha_series, BASELINE + IMPROVED + FADING)
    recompute_now(cast.alpha_series)
    assert len(alerts_for_team(cast.alpha)) == 1
    fill(cast.alpha_series, BASELINE + IMPROVED + [3, 2, 3])  # the figures were corrected
    recompute_now(cast.alpha_series)
    assert alerts_for_team(cast.alpha) == []
    assert SustainAlert.objects.get().cleared_at is not None


def test_the_daily_sweep_finds_a_collaborative_that_moved_into_sustain(
    cast, django_capture_on_commit_callbacks
):
    cast.falls.phase = Collaborative.Phase.ACTIVE
    cast.falls.save()
    fill(cast.alpha_series, BASELINE + IMPROVED + FADING)
    recompute_now(cast.alpha_series)
    assert not SustainAlert.objects.exists()
    cast.falls.phase = Collaborative.Phase.SUSTAIN
    cast.falls.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert sustain_alerts_sweep.delay().get() == 1
    assert len(mail.outbox) == 1


def test_a_lead_without_email_is_emailed_once_they_have_one(
    cast, django_capture_on_commit_callbacks
):
    lead = cast.alpha.lead
    lead.email = ""
    lead.save()
    fill(cast.alpha_series, BASELINE + IMPROVED + FADING)
    with django_capture_on_commit_callbacks(execute=True):
        recompute_now(cast.alpha_series)
    assert SustainAlert.objects.get().emailed_at is None and not mail.outbox
    lead.email = "lead@example.nhs.uk"
    lead.save()
    alerts_sweep()
    assert len(mail.outbox) == 1


def test_alerts_show_for_the_ahsn_whose_collaboratives_they_are_in(cast):
    fill(cast.alpha_series, BASELINE + IMPROVED + FADING)
    recompute_now(cast.alpha_series)
    assert [a.team for a in alerts_for_ahsn(cast.east)] == [cast.alpha]
    assert alerts_for_ahsn(cast.west) == []
    cast.falls.partner_ahsns.add(cast.west)
    assert len(alerts_for_ahsn(cast.west)) == 1
    assert alerts_for_team(cast.beta) == []


def test_detection_reads_a_fixed_number_of_queries_however_many_series(
    cast, django_assert_max_num_queries
):
    from dashboards.sustain import alerts_detect
    from measures.models import Series

    fill(cast.alpha_series, BASELINE + IMPROVED + FADING)
    fill(cast.beta_series, BASELINE + IMPROVED + FADING)
    recompute_now(cast.alpha_series)
    recompute_now(cast.beta_series)
    ids = list(Series.objects.values_list("pk", flat=True))
    counts = []
    for series_ids in (ids[:1], ids):
        with django_assert_max_num_queries(6) as captured:
            alerts_detect(series_ids=series_ids)
        counts.append(len(captured))
    assert counts[0] == counts[1]


def _own_measure_alert(cast) -> SustainAlert:
    """An open alert on alpha's own (custom) measure, which national viewers may not see."""
    from django.utils import timezone

    return SustainAlert.objects.create(
        series=cast.alpha_custom_series,
        team=cast.alpha,
        period_start=MONTHS[0],
        message="Alpha's own audit had improved; the gain may be fading.",
        raised_at=timezone.now(),
    )


def test_an_alert_on_a_teams_own_measure_stays_private_from_national_viewers(cast):
    _own_measure_alert(cast)
    assert len(alerts_for_team(cast.alpha, cast.users["lead"])) == 1
    assert len(alerts_for_ahsn(cast.east, cast.users["director"])) == 1
    assert alerts_for_team(cast.alpha, cast.users["national"]) == []
    assert alerts_for_ahsn(cast.east, cast.users["national"]) == []


def test_the_team_page_shows_an_own_measures_alert_to_the_team_not_to_national_viewers(cast):
    """The page reads its alerts among the series it shows the viewer, not by a second
    reading of the access rules: the same answer as alerts_for_team with the user."""
    from tests.cast import client_for

    _own_measure_alert(cast)
    page = f"/teams/{cast.alpha.pk}/dashboard/"
    seen = {
        who: "the gain may be fading" in client_for(cast.users[who]).get(page).content.decode()
        for who in ("lead", "national")
    }
    assert seen == {"lead": True, "national": False}


def test_the_team_page_names_each_alerts_measure_without_a_query_per_alert(cast):
    """The alerts take their series and measures from those the page read: the measure's
    name and the chart's link are shown, and a second alert adds no query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django.utils.html import escape

    from tests.cast import client_for

    client = client_for(cast.users["lead"])
    page = f"/teams/{cast.alpha.pk}/dashboard/"
    _own_measure_alert(cast)
    client.get(page)  # the session and caches warm
    with CaptureQueriesContext(connection) as one:
        html = client.get(page).content.decode()
    measure = cast.alpha_custom_series.measure
    assert f"/series/{cast.alpha_custom_series.pk}/" in html.split('id="sustain-alerts"')[1]
    assert escape(measure.name) in html.split('id="sustain-alerts"')[1].split("</div>")[0]
    SustainAlert.objects.create(
        series=cast.alpha_series,
        team=cast.alpha,
        period_start=MONTHS[1],
        message="Falls had improved; the gain may be fading.",
        raised_at=timezone.now(),
    )
    with CaptureQueriesContext(connection) as two:
        html = client.get(page).content.decode()
    alerts = html.split('id="sustain-alerts"')[1].split("</div>")[0]
    assert escape(cast.alpha_series.measure.name) in alerts and escape(measure.name) in alerts
    assert len(two.captured_queries) == len(one.captured_queries)


def test_with_no_alert_open_in_the_ahsn_one_short_query_answers(cast):
    """The access rules are read only when an alert is open in the AHSN's collaboratives:
    a cleared alert, or none in the AHSN's collaboratives, gives one query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    cleared = _own_measure_alert(cast)
    cleared.cleared_at = timezone.now()
    cleared.save()
    with CaptureQueriesContext(connection) as captured:
        assert alerts_for_ahsn(cast.east, cast.users["director"]) == []
        assert alerts_for_ahsn(cast.west, cast.users["director"]) == []
    assert len(captured) == 2
    assert all("measures_series" not in q["sql"] for q in captured.captured_queries)
    cleared.cleared_at = None  # open again
    cleared.save()
    assert len(alerts_for_ahsn(cast.east, cast.users["director"])) == 1
    assert alerts_for_ahsn(cast.west, cast.users["director"]) == []
