"""The national viewer's home: the programmes, each linked down to its collaboratives, with
counts of teams (dashboards.claims) and outcome rates only as governance.disclosure
publishes them; no team is named, and no small count leaves the collaborative."""

import datetime as dt

import pytest
from django.urls import reverse

from dashboards import claims
from dashboards.home import national_programmes, outcome_words
from governance import disclosure
from measures.models import Series
from measures.recompute import charts_recompute
from tests.cast import client_for
from tests.dashboards.home_world import home_text, page_text, world  # noqa: F401 (a fixture)
from tests.dashboards.portfolio_world import MONTHS, compute, write

pytestmark = pytest.mark.django_db


def _line(programmes, collaborative):
    for p in programmes:
        for line in p.collaboratives:
            if line.collaborative == collaborative:
                return line
    raise AssertionError(f"{collaborative} is not listed")


def test_the_programmes_link_down_to_each_collaborative(world):  # noqa: F811
    national = world.users["national"]
    (falls,) = national_programmes(national)
    assert falls.name == "Falls" and falls.kind == "National programme"
    assert [line.collaborative for line in falls.collaboratives] == [
        world.falls,
        world.maternity,
        world.sepsis,
    ]
    for line in falls.collaboratives:
        assert line.url == reverse("dashboard_collaborative", args=[line.collaborative.pk])
    assert _line([falls], world.falls).teams == "1 of 2 teams improved"
    assert _line([falls], world.sepsis).teams == "no team has enough data for a verdict yet"
    assert falls.teams == claims.programme_claims(world.falls_rate.topic).words
    html = client_for(national).get("/").content.decode()
    assert reverse("dashboard_collaborative", args=[world.maternity.pk]) in html


def test_published_figures_only_and_no_team_names(world):  # noqa: F811
    measure = world.falls_rate
    measure.counts_patient_events = True  # falls happen to patients: the rules apply
    measure.save()
    gamma = Series.objects.create(team=world.gamma, measure=measure)
    write(gamma, [1, 2, 1], MONTHS[-3:])  # four falls in three months at sepsis
    charts_recompute(series_ids=[gamma.pk], worker="test")
    compute()

    national = world.users["national"]
    programmes = national_programmes(national)
    # falls: 8 (alpha, Jun to Aug) + 10 (beta, Jun) falls in 4,000 bed days
    falls = _line(programmes, world.falls).outcome
    published = disclosure.disclose_rate(18, 4000, multiplier=1000)
    assert published["percent"] == "5"
    # The level, pooled, from that month: not "5 ... since Jun 2025" (read as a change);
    # the unit is not repeated when the measure's name already has it.
    assert falls == f"{measure.name}: 5 (every team pooled, from Jun 2025)."
    assert "4.5" not in falls  # the raw rate
    sepsis = _line(programmes, world.sepsis).outcome
    assert sepsis == f"{measure.name}: too few to publish (every team pooled, from Jun 2025)."
    assert "1.3" not in sepsis

    text = page_text(national)
    assert "too few to publish" in text and "4.5 per" not in text
    for team in (world.alpha, world.beta, world.gamma, world.delta):
        assert team.organisation.name not in text
        assert team.pseudonym not in home_text(national)


def test_only_national_viewers_get_the_section(world):  # noqa: F811
    for who in ("lead", "manager", "faculty", "director", "outsider"):
        assert national_programmes(world.users[who]) == []
        assert "Programmes and their collaboratives" not in home_text(world.users[who])


def test_a_proportion_keeps_its_percent_sign_and_a_rate_its_unit_when_the_name_lacks_it():
    since = dt.date(2026, 9, 1)
    rate = {"has_denominator": True, "suppressed": False, "since": since}
    assert outcome_words({**rate, "measure": "Term admissions", "percent": "7", "unit": "%"}) == (
        "Term admissions: 7% (every team pooled, from Sep 2026)."
    )
    assert outcome_words(
        {**rate, "measure": "Falls", "percent": "5", "unit": " per 1,000 bed days"}
    ) == ("Falls: 5 per 1,000 bed days (every team pooled, from Sep 2026).")
