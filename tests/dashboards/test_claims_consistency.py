"""Every page and the contract review give the same counts, as the same viewer.

On the tiny demo seed (the one the seed and report tests use), charts and summaries worked
out, one viewer (the superuser, who may open every page) reads: for each team, its
dashboard, its row in the teams table and its row in the contract review; for each
collaborative, its portfolio row, its national region and its report section; for each
AHSN, its portfolio summary, its national row and its report's led sections added up. The
report's cover figures equal the sums of its sections.
"""

import datetime as dt
import io
import re
from collections import defaultdict

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from collaboratives.models import AHSN, Collaborative, Team, Topic
from dashboards import claims
from dashboards.summaries import programme_topic_ids, summaries_compute
from governance.models import RoleAssignment
from measures.models import Series
from measures.recompute import charts_recompute
from reports.content import review_document
from tests.cast import client_for

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 27)
# A period holding every collaborative of the seed, to today: the report then counts the
# same collaboratives and teams the pages do.
START = dt.date(2000, 1, 1)


@pytest.fixture
def seeded():
    call_command("seed_demo", "--scale", "tiny", "--today", TODAY.isoformat(), stdout=io.StringIO())
    # In a test transaction the after-commit chart jobs never run: run them now.
    charts_recompute(series_ids=list(Series.objects.values_list("pk", flat=True)), worker="test")
    # The tiny seed runs local topics only: make one a national programme, so that the
    # national page compares it region by region.
    Topic.objects.filter(pk=Collaborative.objects.order_by("pk")[0].topic_id).update(
        kind=Topic.Kind.NATIONAL
    )
    summaries_compute(today=TODAY)
    viewer = User.objects.get(username="admin")
    return viewer, client_for(viewer)


def counts(tally) -> tuple[int, int, int]:
    return (tally.teams, tally.improved, tally.judged)


def test_every_page_and_the_report_give_the_same_counts(seeded):
    viewer, client = seeded
    reports = {
        a.pk: review_document(a, START, TODAY, today=TODAY)[0]
        for a in AHSN.objects.filter(collaboratives__isnull=False).distinct()
    }
    report_teams = {row["team_id"]: row for doc in reports.values() for row in doc["teams"]}
    sections = {}
    for ahsn_id, doc in reports.items():
        for section in doc["collaboratives"]:
            if section["role"] == "Lead":
                sections[section["id"]] = (ahsn_id, section)

    # Each team: its dashboard, the teams table and the report say the same.
    teams = list(Team.objects.select_related("collaborative"))
    assert teams
    seen_balancing = False
    for collaborative in Collaborative.objects.all():
        table = client.get(
            reverse("dashboard_collaborative_teams", args=[collaborative.pk]), {"status": "all"}
        ).context["rows"]
        by_team = {row["team"].pk: row for row in table}
        for team in collaborative.teams.all():
            page = client.get(reverse("dashboard_team", args=[team.pk]))
            tally = page.context["measures_tally"]
            row = by_team[team.pk]
            assert (row["tally"].improved, row["tally"].counted) == (
                tally.improved,
                tally.counted,
            ), team
            assert [(b.name, b.status) for b in row["tally"].balancing] == [
                (b.name, b.status) for b in tally.balancing
            ]
            assert tally.words in page.content.decode()
            assert not re.search(r"\d+ of improvement", page.content.decode())
            seen_balancing |= bool(tally.balancing)
            said = claims.team_claims(team, viewer=viewer)
            assert row["outcome"] == claims.status_of(said.outcome)
            reported = report_teams.get(team.pk)
            if reported is not None:
                assert (reported["measures_improved"], reported["measures_counted"]) == (
                    tally.improved,
                    tally.counted,
                ), team
                assert claims.status_of(reported["outcome"]) == row["outcome"], team
    assert seen_balancing  # the falls aim's bed rails, beside the count

    # Each collaborative and each AHSN: portfolio, national page and report.
    national = client.get(reverse("dashboard_national"))
    national_ahsns = {r["ahsn"].pk: r for r in national.context["ahsn_rows"]}
    regions_by_topic = {}
    for topic_id in programme_topic_ids():
        page = client.get(reverse("dashboard_national"), {"topic": topic_id})
        regions_by_topic[topic_id] = {r["ahsn"].pk: r for r in page.context["regions"]}

    for ahsn_id in reports:
        portfolio = client.get(reverse("dashboard_portfolio", args=[ahsn_id])).context
        rows = {r["collaborative"].pk: r for r in portfolio["rows"]}
        led = [s for cid, (aid, s) in sections.items() if aid == ahsn_id]
        assert led
        total = claims.TeamTally()
        for section in led:
            row = rows[section["id"]]
            from_report = claims.TeamTally(
                teams=section["teams"]["active"],
                judged=section["teams"]["judged"],
                improved=section["teams"]["improved"],
            )
            assert counts(row["tally"]) == counts(from_report), section["name"]
            total = total + from_report
        assert counts(portfolio["summary"]["tally"]) == counts(total)
        # "most improvement" among the same collaboratives, by the one definition
        best_page = portfolio["most_improvement"]
        best_report = reports[ahsn_id]["summary"]["most_improvement"]
        assert (best_page and best_page["name"]) == (best_report and best_report["name"])
        assert counts(national_ahsns[ahsn_id]["tally"]) == counts(total)
        assert counts(claims.ahsn_claims(AHSN.objects.get(pk=ahsn_id), viewer=viewer)) == counts(
            total
        )

    # The AHSNs that lead nothing say so alike: no teams on any page.
    for ahsn in AHSN.objects.exclude(pk__in=list(reports)):
        portfolio = client.get(reverse("dashboard_portfolio", args=[ahsn.pk])).context
        assert counts(portfolio["summary"]["tally"]) == (0, 0, 0)
        assert counts(national_ahsns[ahsn.pk]["tally"]) == (0, 0, 0)
        assert counts(claims.ahsn_claims(ahsn, viewer=viewer)) == (0, 0, 0)

    # A programme region by region: each AHSN's collaboratives on the topic added up.
    by_region = defaultdict(claims.TeamTally)
    for cid, (ahsn_id, section) in sections.items():
        topic_id = Collaborative.objects.get(pk=cid).topic_id
        if topic_id in regions_by_topic:
            by_region[(topic_id, ahsn_id)] += claims.TeamTally(
                teams=section["teams"]["active"],
                judged=section["teams"]["judged"],
                improved=section["teams"]["improved"],
            )
    assert by_region
    for (topic_id, ahsn_id), tally in by_region.items():
        assert counts(regions_by_topic[topic_id][ahsn_id]["tally"]) == counts(tally)


def test_the_reports_cover_equals_the_sum_of_its_sections(seeded):
    director = User.objects.get(username="director")
    ahsn = AHSN.objects.get(pk=RoleAssignment.objects.get(person__user=director).ahsn_id)
    doc, _ = review_document(ahsn, dt.date(2025, 12, 1), TODAY, today=TODAY)
    sections, s = doc["collaboratives"], doc["summary"]
    assert sections
    assert s["collaboratives"] == len(sections)
    assert s["teams_in_period"] == sum(c["teams"]["in_period"] for c in sections)
    assert s["teams_active"] == sum(c["teams"]["active"] for c in sections)
    assert s["teams_joined"] == sum(len(c["teams"]["joined"]) for c in sections)
    assert s["teams_withdrawn"] == sum(len(c["teams"]["withdrawn"]) for c in sections)
    assert s["teams_improved"] == sum(c["teams"]["improved"] for c in sections)
    assert s["teams_judged"] == sum(c["teams"]["judged"] for c in sections)
    assert s["cycles_completed"] == sum(c["cycles"]["completed"] for c in sections)
    assert s["change_ideas_adopted"] == sum(len(c["change_ideas"]) for c in sections)
    counted = [m for c in sections for m in c["measures"] if m["kind"] != "balancing"]
    assert s["measures"] == len(counted)
    assert s["measures_improved"] == sum(m["status"] == "improved" for m in counted)
    balancing = [m for c in sections for m in c["measures"] if m["kind"] == "balancing"]
    assert balancing  # the falls aim's bed rails: reported, not left out
    assert sorted((b["name"], b["status"]) for b in s["balancing"]) == sorted(
        (m["name"], m["status"]) for m in balancing
    )
    for key in ("teams_in_period", "teams_improved", "measures_improved", "cycles"):
        column = "cycles" if key == "cycles" else key
        assert sum(r[column] for r in s["rows"]) == (
            s["cycles_completed"] if key == "cycles" else s[key]
        )
    # every teams' row in the sections is in the report's team detail, once
    assert len(doc["teams"]) == s["teams_in_period"]


def test_a_viewer_outside_the_collaborative_gets_the_same_counts(seeded):
    # The national viewer sees published figures of measures that count people; the
    # verdicts and the counts built on them are the raw data's, for every viewer.
    _, inside = seeded
    outside = client_for(User.objects.get(username="national"))
    compared = 0
    for team in Team.objects.all():
        url = reverse("dashboard_team", args=[team.pk])
        page = outside.get(url)
        if page.status_code != 200:
            continue
        mine = inside.get(url).context["measures_tally"]
        theirs = page.context["measures_tally"]
        assert (theirs.improved, theirs.counted) == (mine.improved, mine.counted), team
        # a chart drawn for them (an event-dated series publishes none) names the same verdict
        verdicts = {
            p.series.pk: p.words["status"] for p in page.context["panels"] if p.result is not None
        }
        for p in inside.get(url).context["panels"]:
            if p.series.pk in verdicts:
                assert verdicts[p.series.pk] == p.words["status"], p.series
        compared += 1
    assert compared
