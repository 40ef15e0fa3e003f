"""The summaries' payloads (dashboards.payloads): typed, stored with a version, and a stored
payload of another version recomputed, never read in a shape that no longer holds."""

import pytest
from django.urls import reverse

from dashboards.models import ReportingSummary
from dashboards.payloads import (
    LEVELS,
    VERSION,
    AhsnSummary,
    CollaborativeSummary,
    PayloadVersionError,
    ProgrammeSummary,
    TeamSummary,
    load,
)
from dashboards.summaries import (
    latest_rows,
    latest_summaries,
    month_of,
    snapshot_months,
    summaries_compute,
    summaries_refresh_changed,
)
from tests.cast import client_for
from tests.dashboards.portfolio_world import TODAY, build_world

pytestmark = pytest.mark.django_db

Level = ReportingSummary.Level

# A collaborative's payload as it was stored before payloads had a version (issue 16): the
# shares stored beside a hidden "_total", read with .get() defaults.
UNVERSIONED = {
    "teams": 2,
    "signals": {"concern": 0, "improvement": 1},
    "improved_share": 0.5,
    "completeness": 0.8,
    "phase": "active",
    "_total": {"teams": 2, "cycles": {}, "scores": {}},
}


@pytest.fixture
def world():
    cast = build_world()
    summaries_compute(today=TODAY)
    return cast


def test_every_level_is_stored_with_its_version_and_read_back_unchanged(world):
    ids = {
        Level.TEAM: [world.alpha.pk, world.beta.pk],
        Level.COLLABORATIVE: [world.falls.pk],
        Level.AHSN: [world.east.pk],
        Level.PROGRAMME: [world.falls_rate.topic_id],
    }
    kinds = {
        Level.TEAM: TeamSummary,
        Level.COLLABORATIVE: CollaborativeSummary,
        Level.AHSN: AhsnSummary,
        Level.PROGRAMME: ProgrammeSummary,
    }
    assert set(LEVELS) == set(Level.values)
    for level, pks in ids.items():
        for row in ReportingSummary.objects.filter(level=level, object_id__in=pks):
            assert row.payload["version"] == VERSION
            assert "_total" not in row.payload
            summary = load(level, row.payload)
            assert type(summary) is kinds[level]
            assert load(level, summary.to_json()) == summary
            assert summary.to_json() == row.payload


def test_a_payload_of_another_version_is_refused_with_a_clear_error():
    with pytest.raises(PayloadVersionError, match="payload version None.*reads version"):
        load(Level.COLLABORATIVE, UNVERSIONED)
    with pytest.raises(PayloadVersionError, match=f"version {VERSION + 1}"):
        load(Level.TEAM, {"version": VERSION + 1})


def test_an_old_stored_payload_is_left_out_then_recomputed_by_the_change_check(world):
    row = ReportingSummary.objects.get(level=Level.COLLABORATIVE, object_id=world.falls.pk)
    assert row.month == month_of(TODAY)
    ReportingSummary.objects.filter(pk=row.pk).update(payload=UNVERSIONED)

    # Read as if not computed yet: left out by every reader, and the page says so.
    assert world.falls.pk not in latest_summaries(Level.COLLABORATIVE, [world.falls.pk])
    assert world.falls.pk not in latest_rows(Level.COLLABORATIVE, [world.falls.pk])
    page = client_for(world.users["director"]).get(
        reverse("dashboard_portfolio", args=[world.east.pk])
    )
    assert page.status_code == 200
    assert "Not worked out yet" in page.content.decode()

    # Nothing else moved, yet the change check recomputes it, and only it.
    result = summaries_refresh_changed(today=TODAY)
    assert result["changed"] == 1 and result["collaborative"] == 1
    falls = latest_summaries(Level.COLLABORATIVE, [world.falls.pk])[world.falls.pk]
    assert falls.teams == 2 and falls.improved_share == 0.5
    assert summaries_refresh_changed(today=TODAY) == {"changed": 0}


def test_a_month_stored_only_in_an_old_version_is_not_offered_to_compare_with(world):
    assert snapshot_months(Level.AHSN, [world.east.pk]) == [month_of(TODAY)]
    ReportingSummary.objects.filter(level=Level.AHSN).update(payload=UNVERSIONED)
    assert snapshot_months(Level.AHSN, [world.east.pk]) == []
