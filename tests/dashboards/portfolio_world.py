"""Data for the summaries, portfolio and national tests: the cast with charts behind it.

On top of tests/cast.py: the falls topic is a national programme; each collaborative's
measure set holds the falls rate (its outcome measure); alpha's falls drop by two thirds
after its change (an improvement), beta's stay level with its last two months missing,
delta's (maternity, west) rise; the charts are computed (in a test transaction the
after-commit tasks never run); alpha has an adopted cycle and assessments. Summaries are
computed as of TODAY. `add_teams` grows a collaborative for the query-count tests.
"""

import datetime as dt
from decimal import Decimal

from collaboratives.models import Organisation, PDSACycle, Team, TeamAssessment, Topic
from dashboards.summaries import summaries_compute
from measures.models import CollaborativeMeasure, DataPointRevision, Series
from measures.recompute import charts_recompute
from measures.writes import PointChange, datapoints_write
from tests.cast import START, build_cast

TODAY = dt.date(2025, 9, 20)
MONTHS = [dt.date(2024 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 21)]  # to Aug 25


def write(series, values, months=MONTHS):
    datapoints_write(
        series=series,
        changes=[PointChange(m, n, 1000) for m, n in zip(months, values, strict=True)],
        by=None,
        source=DataPointRevision.Source.IMPORT,
        today=TODAY,
    )


LEVEL = [9, 11, 10, 12, 9, 10, 11, 10, 9, 11, 10, 12, 10, 9, 11, 10, 12, 10, 9, 11]
IMPROVING = LEVEL[:12] + [3, 2, 4, 3, 2, 3, 3, 2]
RISING = LEVEL[:12] + [19, 21, 20, 22, 19, 21, 20, 22]


def build_world():
    cast = build_cast()
    topic = cast.falls_rate.topic
    topic.kind = Topic.Kind.NATIONAL
    topic.save()
    for collab in (cast.falls, cast.sepsis, cast.maternity):
        CollaborativeMeasure.objects.create(collaborative=collab, measure=cast.falls_rate)
    write(cast.alpha_series, IMPROVING)
    write(cast.beta_series, LEVEL[:-2], MONTHS[:-2])
    write(cast.delta_series, RISING)
    charts_recompute(series_ids=Series.objects.values_list("pk", flat=True), worker="test")
    cast.alpha_cycle.act_decision = PDSACycle.Decision.ADOPT
    cast.alpha_cycle.status = PDSACycle.Status.DONE
    cast.alpha_cycle.study_result = "Falls halved on the ward."
    cast.alpha_cycle.save()
    TeamAssessment.objects.create(
        team=cast.alpha, month=dt.date(2025, 7, 1), self_rating=Decimal("3.0")
    )
    TeamAssessment.objects.create(
        team=cast.alpha,
        month=dt.date(2025, 8, 1),
        self_rating=Decimal("4.0"),
        faculty_rating=Decimal("3.5"),
    )
    return cast


def add_teams(collab, n: int, measure, *, ahsn) -> list[Team]:
    """`n` more teams in `collab`, each with a year of level data and an assessment."""
    teams = []
    base = Team.objects.filter(collaborative=collab).count()
    for i in range(n):
        org = Organisation.objects.create(
            ods_code=f"X{collab.pk}{base + i:03d}",
            name=f"Extra Trust {collab.pk}-{base + i}",
            kind=Organisation.Kind.COMMUNITY,
            ahsn=ahsn,
        )
        team = Team.objects.create(collaborative=collab, organisation=org, joined_on=START)
        write(Series.objects.create(team=team, measure=measure), LEVEL)
        TeamAssessment.objects.create(team=team, month=dt.date(2025, 8, 1), self_rating=2)
        teams.append(team)
    charts_recompute(series_ids=Series.objects.values_list("pk", flat=True), worker="test")
    return teams


def compute():
    return summaries_compute(today=TODAY)
