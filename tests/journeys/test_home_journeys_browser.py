"""Journeys `lead_status_and_peers` and `manager_whats_due` (issue 17), against the demo at
its tiny scale: from the home page, the trust lead reads each measure's status and where
the team stands among its peers, and the improvement manager sees who owes data, the
overdue cycles and the next learning event.

Each prints `journey NAME: N actions` (clicks plus fields filled through `Counted`, login
excluded) and asserts the count, never a time. What the page says is checked against the
rules it must come from, called here on the same database: the verdicts of
`dashboards.claims.team_claims`, the words of `dashboards.peers.peer_position` (through
`peers.team_peer_position`, as the team's chart page reads them), `governance.reporting.overdue`,
`PDSACycle.objects.overdue` and the calendar.

Two last tests photograph the home page of each demo role at 320 and 1280 px wide (to
/work/wt/shots/home_<role>_<width>.png when that folder exists, else test-artifacts),
checking that nothing scrolls sideways at 320 px, and run axe-core on each.
"""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from collaboratives.models import Collaborative, LearningEvent, PDSACycle, Team
from dashboards import claims
from dashboards.peers import team_peer_position
from governance import access, disclosure
from governance.reporting import overdue, periods_owed
from measures.models import ChartResult, DataPoint, Series
from tests.conftest import ARTIFACTS
from tests.journeys.counting import Counted
from tests.journeys.test_journeys_browser import AXE, RUN_AXE, Camera, no_problems
from tests.test_browser import problems  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAD_MOST_ACTIONS = 2  # issue 17's acceptance
MANAGER_MOST_ACTIONS = 1
SHOTS = Path("/work/wt/shots")


@pytest.fixture
def demo():
    """The demo at its tiny scale, ending today (what `make run` shows, smaller)."""
    call_command("seed_demo", "--scale", "tiny", stdout=io.StringIO())
    return {u.username: u for u in get_user_model().objects.all()}


def _text(locator) -> str:
    """What `locator` shows, its white space collapsed."""
    return _said(locator.inner_text())


def _said(text: str) -> str:
    return " ".join(text.split())


def test_lead_status_and_peers(page, log_in, demo, problems):  # noqa: F811
    lead = demo["lead"]
    today = timezone.localdate()
    shoot = Camera(page, "lead-status-and-peers")
    log_in(lead)
    page.set_viewport_size({"width": 1280, "height": 900})
    counted = Counted(page)
    page.goto("/")
    shoot("home")

    teams = Team.objects.filter(pk__in=access.principal(lead).teams).select_related(
        "collaborative", "organisation"
    )
    checked = 0
    for team in teams:
        set_rows = claims.measure_set_rows(team.collaborative)
        series = list(
            team.series.filter(measure_id__in=[r["measure_id"] for r in set_rows])
            .select_related("measure", "team__collaborative")
            .order_by("measure__name")
        )
        results = {
            r.series_id: r
            for r in ChartResult.objects.filter(series__in=series).latest_per_series()
        }
        said = claims.team_claims(
            team, day=today, set_rows=set_rows, series=series, results=results
        )
        verdicts = {v.measure_id: v for v in said.verdicts}
        scope = disclosure.scope_for(lead, team.collaborative)
        section = page.locator(f"#home-team-{team.pk}")
        assert said.measures.words in _text(section)
        for s in series:
            row = section.locator(
                "tr", has=page.get_by_role("link", name=s.measure.name, exact=True)
            )
            text = _said(row.inner_text())
            status = verdicts[s.measure_id].label
            peers, _ = team_peer_position(s, lead, scope)
            assert status in text, (s.measure.name, status, text)
            assert _said(peers.words) in text, (s.measure.name, peers.words, text)
            checked += 1
    assert checked >= 3, "the demo lead's team reports several measures"

    print(f"journey lead_status_and_peers: {counted.actions} actions")
    assert counted.actions <= LEAD_MOST_ACTIONS
    no_problems(problems)


def _something_due(manager, today) -> None:
    """The tiny demo's teams are up to date: one forgets its last month of one measure and
    one cycle runs past its planned end, unstudied, so the page has something to say."""
    collaborative = Collaborative.objects.filter(
        lead_ahsn__in=access.principal(manager).manager_ahsns
    ).first()
    series = (
        Series.objects.filter(
            team__collaborative=collaborative,
            team__status=Team.Status.ACTIVE,
            measure__frequency="monthly",
            measure__in=collaborative.measure_set.values("measure_id"),
        )
        .select_related("team", "measure")
        .first()
    )
    due = periods_owed(collaborative, series.team, "monthly", today=today, sent=set())
    DataPoint.objects.filter(series=series, period_start=due[-1]).delete()
    cycle = (
        PDSACycle.objects.current()
        .filter(team__collaborative=collaborative, team__status=Team.Status.ACTIVE)
        .order_by("-planned_start", "id")
        .first()
    )
    PDSACycle.objects.filter(pk=cycle.pk).update(
        planned_start=today - dt.timedelta(days=20),
        planned_end=today - dt.timedelta(days=6),
        status=PDSACycle.Status.DOING,
        study_result="",
        act_decision="",
    )


def test_manager_whats_due(page, log_in, demo, problems):  # noqa: F811
    manager = demo["manager"]
    today = timezone.localdate()
    _something_due(manager, today)
    shoot = Camera(page, "manager-whats-due")
    log_in(manager)
    page.set_viewport_size({"width": 1280, "height": 900})
    counted = Counted(page)
    page.goto("/")
    shoot("home")

    p = access.principal(manager)
    runs = (
        Collaborative.objects.filter(lead_ahsn__in=p.manager_ahsns)
        .exclude(phase=Collaborative.Phase.CLOSED)
        .order_by("name")
    )
    assert runs.exists()
    owing = cycles = 0
    for collaborative in runs:
        section = page.locator(f"#home-run-{collaborative.pk}")
        owed = _text(section.locator(".collab-home-owed"))
        for item in overdue(collaborative, today):
            assert str(access.named_for(manager, item.team)) in owed, (str(item.team), owed)
            owing += 1
        late = _text(section.locator(".collab-home-cycles"))
        for cycle in PDSACycle.objects.overdue(today).filter(
            team__collaborative=collaborative, team__status=Team.Status.ACTIVE
        ):
            assert cycle.title in late, (cycle.title, late)
            cycles += 1
        event = (  # the next one people attend: an action period is not an event
            LearningEvent.objects.filter(collaborative=collaborative, ends_on__gte=today)
            .exclude(kind=LearningEvent.Kind.ACTION_PERIOD)
            .order_by("starts_on", "title")
            .first()
        )
        said = _text(section.locator(".collab-home-event"))
        if event is None:
            assert "No learning event is planned" in said
        else:
            assert event.title in said, (event.title, said)
    assert owing and cycles, "the demo has data owed and cycles overdue"

    print(f"journey manager_whats_due: {counted.actions} actions")
    assert counted.actions <= MANAGER_MOST_ACTIONS
    no_problems(problems)


def test_each_roles_home_at_320_and_1280(page, log_in, demo, problems):  # noqa: F811
    folder = SHOTS if SHOTS.is_dir() else ARTIFACTS / "home"
    folder.mkdir(parents=True, exist_ok=True)
    page.set_default_timeout(30_000)
    for role in ("lead", "manager", "faculty", "director", "national"):
        page.context.clear_cookies()
        log_in(demo[role])
        for width in (320, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto("/")
            assert page.locator(".collab-home-section").count(), role
            page.screenshot(path=str(folder / f"home_{role}_{width}.png"), full_page=True)
            if width == 320:
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= 320, f"{role}'s home scrolls sideways at 320px: {scroll}"
    no_problems(problems)


def test_each_roles_home_has_no_serious_accessibility_violation(browser, live_server, demo):
    """axe-core on each demo role's home page (injected into a context that bypasses the
    content security policy, as in test_journeys_browser)."""
    from django.conf import settings
    from django.test import Client

    found = []
    for role in ("lead", "manager", "faculty", "director", "national"):
        client = Client()
        client.force_login(demo[role])
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context = browser.new_context(base_url=live_server.url, bypass_csp=True)
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        for width in (320, 1280):
            tab.set_viewport_size({"width": width, "height": 900})
            tab.goto("/")
            tab.add_script_tag(path=str(AXE))
            result = tab.evaluate(RUN_AXE)
            found += [
                (role, width, v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
        context.close()
    assert found == []
