"""The home page issues no more queries when a collaborative has more teams, for each role
(the pattern of tests/dashboards/test_query_counts.py): asked at 4 teams in the falls
collaborative and again at 14, the second count may not exceed the first."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collaboratives.models import Team
from dashboards.summaries import summaries_compute
from measures.models import CollaborativeMeasure, Measure, Series
from measures.recompute import charts_recompute
from tests.cast import client_for
from tests.dashboards.portfolio_world import LEVEL, TODAY, add_teams, build_world, write

pytestmark = pytest.mark.django_db

# role: the cap at 4 teams (each section's queries, then the dashboards and collaboratives).
# The lead's include, per measure, the funnel its peer-position words come from (the
# measure-set row, the window's end and complete-period cut, the points and the teams).
CAPS = {"lead": 23, "manager": 14, "faculty": 13, "director": 11, "national": 11}


@pytest.mark.parametrize("who", list(CAPS))
def test_the_home_pages_query_count_does_not_grow_with_the_teams(
    who, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    world = build_world()
    add_teams(world.falls, 2, world.falls_rate, ahsn=world.east)
    summaries_compute(today=TODAY)
    client = client_for(world.users[who])
    assert client.get("/").status_code == 200  # warm: session, caches
    with CaptureQueriesContext(connection) as small:
        assert client.get("/").status_code == 200
    count = len(small)
    assert count <= CAPS[who], f"{who}: {count} queries at 4 teams"

    add_teams(world.falls, 10, world.falls_rate, ahsn=world.east)
    summaries_compute(today=TODAY)
    with django_assert_max_num_queries(count):
        assert client.get("/").status_code == 200


def test_the_lead_home_from_the_fragment_cache_makes_fewer_queries(
    fragment_cache, settings, monkeypatch
):
    """With the fragment cache on, the lead's section (each measure's verdict and place
    among peers) is built once and then read: fewer queries than building it, however many
    measures (the key costs the collaborative's versions, not a funnel per measure)."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    world = build_world()
    add_teams(world.falls, 2, world.falls_rate, ahsn=world.east)
    summaries_compute(today=TODAY)
    client = client_for(world.users["lead"])
    assert client.get("/").status_code == 200  # a miss: built and kept
    with CaptureQueriesContext(connection) as cached:
        assert client.get("/").status_code == 200
    assert fragment_cache.stats[("lead_measures", "hit")] == 1
    assert fragment_cache.stats[("lead_measures", "miss")] == 1
    settings.COLLAB_FRAGMENT_CACHE = False
    with CaptureQueriesContext(connection) as built:
        assert client.get("/").status_code == 200
    assert len(cached) < len(built), (len(cached), len(built))


def _two_rates(monkeypatch):
    """The portfolio world with a second rate in the falls collaborative's set, charted for
    each of its teams: two measures with a funnel each on the lead's home."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    world = build_world()
    add_teams(world.falls, 2, world.falls_rate, ahsn=world.east)
    second = Measure.objects.get(pk=world.falls_rate.pk)
    second.pk = None
    second.name = "Falls with harm per 1,000 bed days"
    second.save()
    CollaborativeMeasure.objects.create(collaborative=world.falls, measure=second)
    for team in Team.objects.filter(collaborative=world.falls):
        write(Series.objects.create(team=team, measure=second), LEVEL)
    charts_recompute(series_ids=Series.objects.values_list("pk", flat=True), worker="test")
    summaries_compute(today=TODAY)
    return world


def test_the_lead_home_reads_the_complete_periods_once_for_every_measure(monkeypatch):
    """The verdicts and each measure's funnel window count up to the latest complete period:
    read once for the team's section, not once more per measure (each read is a pass over the
    collaborative's recent points)."""
    from measures import completeness

    world = _two_rates(monkeypatch)
    reads = []
    entered = completeness._entered
    monkeypatch.setattr(
        completeness, "_entered", lambda *a, **k: reads.append(1) or entered(*a, **k)
    )
    response = client_for(world.users["lead"]).get("/")
    assert response.status_code == 200
    (section,) = response.context["home"].lead
    assert sum(line.peers is not None for line in section.measures) >= 2
    assert len(reads) == 1


def _lead_home_queries(monkeypatch) -> list[str]:
    """The SQL of the lead's home in the two-rates world, built (the cache is off in tests),
    with a funnel for each of the two measures."""
    world = _two_rates(monkeypatch)
    with CaptureQueriesContext(connection) as captured:
        response = client_for(world.users["lead"]).get("/")
    assert response.status_code == 200
    (section,) = response.context["home"].lead
    assert sum(line.peers is not None for line in section.measures) >= 2
    return [q["sql"] for q in captured]


def test_the_lead_home_reads_the_measures_rows_and_newest_periods_once_for_every_funnel(
    monkeypatch,
):
    """Each measure's funnel window counts back from the newest period any team reported,
    and its funnel reads the measure's row in the set: both read once for the team's
    section, not once per measure."""
    sql = _lead_home_queries(monkeypatch)
    newest = [q for q in sql if 'MAX("measures_datapoint"."period_start")' in q]
    rows = [
        q
        for q in sql
        if q.startswith('SELECT "measures_collaborativemeasure"."id"')
        and '"measures_measure"."id"' in q
        and '"collaboratives_collaborative"."id"' in q
    ]
    assert len(newest) == 1, newest
    assert len(rows) == 1, rows


def test_the_lead_home_reads_the_teams_once_for_every_funnel(monkeypatch):
    """Each funnel names and orders its teams (organisation, pseudonym, the collaborative's
    naming default): the collaborative's teams are read once for the team's section, not
    once per measure."""
    # Teams read with their organisations (the funnels' names), other than the viewer's own
    # teams (the home's sections and the header read those, leaving out closed collaboratives)
    teams = [
        q
        for q in _lead_home_queries(monkeypatch)
        if q.startswith('SELECT "collaboratives_team"."id"')
        and '"collaboratives_organisation"."id"' in q.split(" FROM ")[0]
        and "\"phase\" = 'closed'" not in q
    ]
    assert len(teams) == 1, teams
