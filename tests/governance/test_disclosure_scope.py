"""Who is inside a collaborative, which measures follow the small-number rules, and the one
gate (`disclose_for`) with its scope."""

import datetime as dt
from types import SimpleNamespace

import pytest

from collaboratives.models import Collaborative
from governance import access, disclosure
from governance.models import Role
from tests.cast import build_cast, user_with_role

# Who is inside falls, user by user (the cast: tests/cast.py), written out, not computed.
INSIDE_FALLS = {
    "national": False,  # reads everything, inside nothing
    "director": True,  # east leads falls
    "manager": True,  # runs east's collaboratives
    "falls_manager": True,
    "faculty": True,
    "lead": True,  # alpha
    "member": True,  # alpha
    "beta_lead": True,  # beta, alpha's peer
    "outsider": False,
}


@pytest.mark.django_db
def test_it_counts_the_teams_people_faculty_runners_and_lead_directors_inside():
    c = build_cast()
    for name, expected in INSIDE_FALLS.items():
        assert access.inside(c.users[name], c.falls) is expected, name
    # Team people are inside their own collaborative only.
    assert access.inside(c.users["lead"], c.sepsis) is False
    # A partner AHSN's director reads the collaborative but is outside its sharing terms.
    c.falls.partner_ahsns.add(c.west)
    west_director = user_with_role("west_director", Role.AHSN_DIRECTOR, ahsn=c.west)
    assert access.inside(west_director, c.falls) is False


@pytest.mark.django_db
def test_inside_q_and_inside_agree_for_every_user_and_collaborative():
    c = build_cast()
    for user in c.users.values():
        by_query = set(
            Collaborative.objects.filter(access.inside_q(user)).values_list("pk", flat=True)
        )
        by_rule = {x.pk for x in (c.falls, c.sepsis, c.maternity) if access.inside(user, x)}
        assert by_query == by_rule, user.username


@pytest.mark.django_db
def test_it_names_a_team_only_to_those_its_terms_allow():
    c = build_cast()
    alpha = c.alpha  # the collaborative names no one by default, and alpha did not agree
    assert access.may_name(c.users["lead"], alpha)  # its own people
    assert access.may_name(c.users["faculty"], alpha)  # those who teach, run or direct
    assert access.may_name(c.users["director"], alpha)
    assert not access.may_name(c.users["beta_lead"], alpha)  # a peer
    assert not access.may_name(c.users["national"], alpha)
    shown = access.team_for(c.users["national"], alpha.pk)
    assert str(shown) == alpha.pseudonym and shown.full_name == "Alpha Hospitals"
    alpha.consents_to_be_named = True
    alpha.save()
    assert access.may_name(c.users["beta_lead"], alpha)
    assert str(access.team_for(c.users["national"], alpha.pk)) == "Alpha Hospitals"


def test_it_sorts_measures_by_what_their_numerator_counts():
    def m(**kw):
        return SimpleNamespace(**{"counts_people": False, "counts_patient_events": False} | kw)

    assert disclosure.measure_kind(m(counts_people=True, chart_type="p")) == disclosure.PEOPLE
    falls = m(counts_patient_events=True, chart_type="u")
    assert disclosure.measure_kind(falls) == disclosure.PATIENT_EVENTS
    assert disclosure.measure_kind(m(chart_type="c")) == disclosure.OTHER_COUNT
    assert disclosure.measure_kind(m(chart_type="xmr")) == disclosure.VALUE
    assert disclosure.follows_rules(falls)
    assert not disclosure.follows_rules(m(chart_type="c"))


def test_disclose_for_gives_raw_figures_inside_and_published_ones_outside():
    falls = SimpleNamespace(counts_patient_events=True, multiplier=1000)
    inside = disclosure.disclose_for(falls, 3, 4817, scope=disclosure.INSIDE)
    assert (inside["numerator"], inside["denominator"]) == ("3", "4817")
    outside = disclosure.disclose_for(falls, 3, 4817, scope=disclosure.OUTSIDE)
    assert (outside["numerator"], outside["denominator"], outside["percent"]) == (
        "*",
        "4815",
        "*",
    )
    assert disclosure.disclose_for(falls, 3, 4817)["numerator"] == "*"  # outside by default
    minutes = SimpleNamespace(chart_type="xmr", multiplier=1)
    assert disclosure.disclose_for(minutes, 3, None)["numerator"] == "3"


@pytest.mark.django_db
def test_a_published_chart_leaves_suppressed_periods_off_and_draws_rounded_figures():
    from measures.models import Measure
    from measures.writes import PointChange, datapoints_write

    c = build_cast()
    Measure.objects.filter(pk=c.falls_rate.pk).update(counts_patient_events=True)
    series = (
        type(c.alpha_series).objects.select_related("measure", "team").get(pk=c.alpha_series.pk)
    )
    months = [dt.date(2024, m, 1) for m in range(1, 7)]
    falls = [12, 3, 18, 0, 22, 9]  # 3 is suppressed; the others round
    datapoints_write(series=series, changes=[PointChange(m, str(n), "1003")
                     for m, n in zip(months, falls, strict=True)],
                     by=None, source="admin", today=dt.date(2025, 1, 1))  # fmt: skip
    result = disclosure.published_charts([series])[series.pk]
    assert result.x == [m.isoformat() for m in months]
    assert result.numerator == [10, None, 20, 0, 20, 10]
    assert result.denominator == [1005, None, 1005, 1005, 1005, 1005]
    assert result.y[1] is None and result.y[0] == pytest.approx(10 / 1005)


@pytest.mark.django_db
def test_it_asks_the_measure_form_what_the_numerator_counts():
    from collaboratives.forms import MeasureForm

    c = build_cast()
    data = {
        "name": "Falls at night",
        "kind": "outcome",
        "operational_definition": "Falls between 22:00 and 07:00.",
        "numerator_definition": "Falls",
        "multiplier": "1",
        "frequency": "monthly",
        "direction": "down",
        "chart_type": "c",
        "numerator_counts": "patient_events",
    }
    form = MeasureForm(data, topic=c.falls.topic)
    assert form.is_valid(), form.errors
    measure = form.save(commit=False)
    assert (measure.counts_people, measure.counts_patient_events) == (False, True)


def _falls_with_small_counts(c):
    """Alpha's falls (events that happen to patients): 3 falls in 1,003 bed days in January."""
    from measures.models import Measure
    from measures.writes import PointChange, datapoints_write

    Measure.objects.filter(pk=c.falls_rate.pk).update(counts_patient_events=True)
    series = c.alpha_series
    series.measure.refresh_from_db()
    datapoints_write(series=series, changes=[PointChange(dt.date(2024, 1, 1), "3", "1003")],
                     by=None, source="admin", today=dt.date(2025, 1, 1))  # fmt: skip
    return series


@pytest.mark.django_db
def test_a_national_viewer_gets_published_figures_and_the_pseudonym_in_an_export():
    from django.urls import reverse

    from tests.cast import client_for

    c = build_cast()
    _falls_with_small_counts(c)
    url = reverse("measures:team_export", kwargs={"pk": c.alpha.pk, "fmt": "csv"})
    national = client_for(c.users["national"]).get(url).content.decode()
    assert f"{c.alpha.pseudonym},,Inpatient falls per 1,000 bed days,2024-01-01,*,1005" in (
        national.replace('"', "")
    )
    assert "Alpha Hospitals" not in national and "RA1" not in national
    own = client_for(c.users["lead"]).get(url).content.decode().replace('"', "")
    assert "Alpha Hospitals,RA1,Inpatient falls per 1,000 bed days,2024-01-01,3" in own


@pytest.mark.django_db
def test_a_national_viewer_gets_published_figures_in_a_cells_history():
    from django.urls import reverse

    from tests.cast import client_for

    c = build_cast()
    series = _falls_with_small_counts(c)
    national = client_for(c.users["national"])
    history = reverse("measures:cell_history", kwargs={"pk": series.pk, "period": "2024-01-01"})
    html = national.get(history, headers={"HX-Request": "true"}).content.decode()
    assert "* / 1005" in html and "1003" not in html
    own = client_for(c.users["lead"]).get(history, headers={"HX-Request": "true"})
    assert "3 / 1003" in own.content.decode()
