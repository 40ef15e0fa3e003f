"""Data for the team and collaborative dashboard tests: the cast (tests/cast.py) with the
falls rate in the falls collaborative's measure set, charts computed, and as many extra
teams as a test asks for (to pin query counts at two sizes)."""

import datetime as dt

from django.utils import timezone

from collaboratives.models import Organisation, StretchTarget, Team
from measures import recompute
from measures.models import CollaborativeMeasure, DataPoint, Measure, Series
from measures.periods import period_starts
from tests.cast import START, build_cast

MONTHS = list(period_starts("monthly", dt.date(2024, 1, 1), dt.date(2025, 12, 1)))
TODAY = dt.date(2026, 1, 20)
# alpha: about 5 falls per 1,000 bed days, then well above its limits (a signal of concern)
ALPHA = [10, 11, 9, 10, 12, 9, 10, 11, 10, 9, 11, 10, 10, 9, 11, 10, 12, 10, 11, 10, 9, 24, 25, 26]
BETA = [
    16,
    15,
    17,
    16,
    15,
    16,
    17,
    15,
    16,
    16,
    15,
    17,
    16,
    15,
    16,
    17,
    15,
    16,
    16,
    15,
    17,
    16,
    15,
    16,
]


def fill(series, falls, bed_days=2000, months=MONTHS):
    DataPoint.objects.bulk_create(
        DataPoint(series=series, period_start=m, numerator=n, denominator=bed_days)
        for m, n in zip(months, falls, strict=False)
    )


def charts(series_ids):
    recompute.series_mark_stale(series_ids=series_ids, send=False)
    recompute.charts_recompute(series_ids=series_ids, worker="test")


def add_teams(cast, n: int) -> list[Team]:
    """n more teams in the falls collaborative, each reporting the falls rate."""
    teams = []
    for i in range(n):
        org = Organisation.objects.create(
            ods_code=f"RZ{len(cast.extra_teams) + i:03d}",
            name=f"Extra {len(cast.extra_teams) + i} Hospitals",
            kind="acute",
            ahsn=cast.east,
        )
        team = Team.objects.create(collaborative=cast.falls, organisation=org, joined_on=START)
        series = Series.objects.create(team=team, measure=cast.falls_rate)
        fill(series, [8 + (i + j) % 5 for j in range(len(MONTHS))], bed_days=1500)
        teams.append(team)
    cast.extra_teams.extend(teams)
    charts(list(Series.objects.filter(team__in=teams).values_list("pk", flat=True)))
    return teams


def build_dashboard_cast():
    cast = build_cast()
    cast.cm = CollaborativeMeasure.objects.create(
        collaborative=cast.falls, measure=cast.falls_rate, target=4
    )
    cast.share = Measure.objects.create(
        topic=cast.falls_rate.topic,
        name="Lying and standing blood pressure done",
        kind=Measure.Kind.PROCESS,
        operational_definition="Patients over 65 with a lying and standing blood pressure.",
        numerator_definition="Done",
        denominator_definition="Patients over 65",
        unit="%",
        multiplier=100,
        frequency=Measure.Frequency.MONTHLY,
        direction=Measure.Direction.UP,
        chart_type=Measure.ChartType.P,
    )
    cast.share_cm = CollaborativeMeasure.objects.create(
        collaborative=cast.falls, measure=cast.share, position=1
    )
    # alpha reports the share but has left out its last four months
    cast.alpha_share = Series.objects.create(team=cast.alpha, measure=cast.share)
    DataPoint.objects.bulk_create(
        DataPoint(series=cast.alpha_share, period_start=m, numerator=40 + i % 3, denominator=50)
        for i, m in enumerate(MONTHS[:-4])
    )
    fill(cast.alpha_series, ALPHA)
    fill(cast.beta_series, BETA)
    cast.extra_teams = []
    charts([cast.alpha_series.pk, cast.beta_series.pk, cast.alpha_share.pk])
    return cast


def halve_falls(cast):
    """The falls collaborative's stretch target: from 8 falls per 1,000 bed days to 4."""
    StretchTarget.objects.create(
        collaborative=cast.falls,
        measure=cast.falls_rate,
        baseline_value=8,
        baseline_period_start=dt.date(2024, 1, 1),
        baseline_period_end=dt.date(2024, 12, 1),
        target_value=4,
        target_date=dt.date(2026, 12, 31),
        reason="Halve the gap to the best in class.",
        set_at=timezone.now(),
    )
