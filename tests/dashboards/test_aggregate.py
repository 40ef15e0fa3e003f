"""The collaborative's aggregate chart and the funnel plot of its teams."""

import datetime as dt
import math

import pytest
from scipy.stats import chi2, norm

from collaboratives.models import Organisation, Team
from dashboards.aggregate import Funnel, aggregate_chart, funnel_for, limit_curves
from measures.models import CollaborativeMeasure, DataPoint, Measure, Series
from measures.spc.funnel import funnel
from tests.cast import START, build_cast

MONTHS = [dt.date(2024, m, 1) for m in range(1, 13)]


def points(series, rows):
    DataPoint.objects.bulk_create(
        DataPoint(series=series, period_start=p, numerator=n, denominator=d) for p, n, d in rows
    )


# --- A published worked example ---------------------------------------------------------------


def test_it_reproduces_funnelplotrs_published_dispersion_ratio_and_draws_its_limits():
    """FunnelPlotR's own test suite (nhs-r-community/FunnelPlotR,
    tests/testthat/test-classes_methods.R) publishes phi = 2.948033 (to 6 decimals) for
    six units, observed 100, 150, 180, 80, 120, 225 against expected 108, 112, 165, 95,
    100, 220, with its defaults: standardised ratios, SHMI truncation, trim 10%, limits
    adjusted for overdispersion (Spiegelhalter 2005, Stat Med 24:1185-1202).

    The funnel module is called as `funnel_for` calls it; the adjusted limits then follow
    Spiegelhalter's formula exp(+-z sqrt(1/E + tau2)), with tau2 by DerSimonian-Laird
    over the units SHMI truncation keeps, worked here by hand, and the lines drawn on the
    plot (`limit_curves`) pass through each unit's limits.
    """
    observed = [100, 150, 180, 80, 120, 225]
    expected = [108, 112, 165, 95, 100, 220]
    res = funnel(observed, expected, ids=list("abcdef"), data_type="SR")
    assert round(res.phi, 6) == 2.948033
    assert res.adjusted
    # SHMI truncation of 6 units at 10%: groups floor(rank * 10 / 7) are 1, 2, 4, 5, 7, 8,
    # none in the bottom (0) or top (9) group, so every unit counts.
    assert not any(u.trimmed for u in res.units)
    zs = [math.sqrt(e) * math.log(o / e) for o, e in zip(observed, expected, strict=True)]
    kept = range(6)
    phi = sum(zs[i] ** 2 for i in kept) / len(kept)
    w = [expected[i] for i in kept]  # 1 / s^2 = E
    tau2 = (len(kept) * phi - (len(kept) - 1)) / (sum(w) - sum(x * x for x in w) / sum(w))
    assert res.tau2 == pytest.approx(tau2, rel=1e-12)
    z95, z998 = norm.ppf(0.975), norm.ppf(0.999)
    for e, unit in zip(expected, res.units, strict=True):
        assert unit.ucl95 == pytest.approx(math.exp(z95 * math.sqrt(1 / e + tau2)), rel=1e-9)
        assert unit.lcl998 == pytest.approx(math.exp(-z998 * math.sqrt(1 / e + tau2)), rel=1e-9)
    drawn = Funnel(measure=Measure(multiplier=1), start=None, end=None, data_type="SR", result=res)
    curves = limit_curves(drawn, expected)
    for i, unit in enumerate(res.units):
        assert curves["lcl95"][i] == pytest.approx(unit.lcl95, rel=1e-9)
        assert curves["ucl998"][i] == pytest.approx(unit.ucl998, rel=1e-9)


def test_its_limit_lines_match_funnelplotrs_published_poisson_limits():
    """FunnelPlotR's test suite (nhs-r-community/FunnelPlotR,
    tests/testthat/test-poisson_limits.R) publishes the unadjusted limits around a target
    of 1 at expected counts 15, 20 and 30: 95% limits 0.5596924-1.649348,
    0.6108260-1.544419, 0.6746958-1.427562 and 99.8% limits 0.3862650-2.082907,
    0.4479107-1.902094, 0.5289724-1.702771."""
    res = funnel([10, 12, 9, 11], [10.5, 11, 10, 10.5], data_type="SR")
    assert not res.adjusted and res.target == 1
    drawn = Funnel(measure=Measure(multiplier=1), start=None, end=None, data_type="SR", result=res)
    curves = limit_curves(drawn, [15.0, 20.0, 30.0])
    assert [round(v, 7) for v in curves["lcl95"]] == [0.5596924, 0.6108260, 0.6746958]
    assert [round(v, 6) for v in curves["ucl95"]] == [1.649348, 1.544419, 1.427562]
    assert [round(v, 7) for v in curves["lcl998"]] == [0.3862650, 0.4479107, 0.5289724]
    assert [round(v, 6) for v in curves["ucl998"]] == [2.082907, 1.902094, 1.702771]


def test_its_unadjusted_ratio_lines_are_exact_poisson_limits():
    res = funnel([10, 12, 9, 11], [10.5, 11, 10, 10.5], data_type="SR")
    assert not res.adjusted  # phi below 1: the limits are not widened
    drawn = Funnel(measure=Measure(multiplier=1), start=None, end=None, data_type="SR", result=res)
    curves = limit_curves(drawn, [10.0, 40.0])
    assert curves["ucl95"][1] == pytest.approx(chi2.ppf(0.975, 82) / 2 / 40, rel=1e-9)
    assert curves["lcl998"][0] == pytest.approx(chi2.ppf(0.001, 20) / 2 / 10, rel=1e-9)


# --- The collaborative's teams ----------------------------------------------------------------


@pytest.fixture
def cast(db):
    cast = build_cast()
    cast.cm = CollaborativeMeasure.objects.create(
        collaborative=cast.falls, measure=cast.falls_rate, target=4
    )
    extra = []
    for i, name in enumerate(("Gwent", "Hywel", "Isle")):
        org = Organisation.objects.create(
            ods_code=f"RX{i}", name=f"{name} Hospitals", kind="acute", ahsn=cast.east
        )
        extra.append(
            Team.objects.create(collaborative=cast.falls, organisation=org, joined_on=START)
        )
    cast.extra = extra
    # falls, bed days per month: alpha about 5 per 1,000, beta about 8, the others 5-6
    rates = [(cast.alpha_series, 10, 2000), (cast.beta_series, 24, 3000)]
    rates += [
        (Series.objects.create(team=t, measure=cast.falls_rate), 6 + i, 1200)
        for i, t in enumerate(extra)
    ]
    for series, falls, bed_days in rates:
        points(series, [(m, falls, bed_days) for m in MONTHS])
    # delta (another collaborative) reports too, and must not count
    points(cast.delta_series, [(m, 99, 1000) for m in MONTHS])
    return cast


def test_the_aggregate_chart_sums_every_teams_counts_per_period(cast):
    agg = aggregate_chart(cast.cm)
    assert agg.result.chart == "u"
    assert [r["date"] for r in agg.rows] == MONTHS
    total_falls = 10 + 24 + 6 + 7 + 8
    total_days = 2000 + 3000 + 3 * 1200
    row = agg.rows[0]
    assert (row["numerator"], row["denominator"], row["teams"]) == (total_falls, total_days, 5)
    assert row["value"] == pytest.approx(1000 * total_falls / total_days)
    assert agg.words["status"]
    assert agg.figure["data"][0]["y"][0] == pytest.approx(1000 * total_falls / total_days, abs=1e-4)
    # the target (on the shown scale) is drawn
    assert any(t["name"] == "Target" and t["y"][0] == 4 for t in agg.figure["data"])


def test_the_aggregate_chart_keeps_to_the_window_and_the_teams_asked_for(cast):
    agg = aggregate_chart(
        cast.cm, start=MONTHS[3], end=MONTHS[5], team_ids=[cast.alpha.pk, cast.beta.pk]
    )
    assert [r["date"] for r in agg.rows] == MONTHS[3:6]
    assert agg.rows[0]["numerator"] == 34 and agg.rows[0]["teams"] == 2


def test_weekly_series_are_rolled_up_to_months(cast):
    weekly = Measure.objects.create(
        topic=cast.falls_rate.topic,
        name="Falls with harm",
        kind=Measure.Kind.OUTCOME,
        operational_definition="Falls with moderate harm or worse.",
        numerator_definition="Falls with harm",
        frequency=Measure.Frequency.WEEKLY,
        direction=Measure.Direction.DOWN,
        chart_type=Measure.ChartType.C,
    )
    cm = CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=weekly)
    mondays = [dt.date(2024, 1, 1) + dt.timedelta(weeks=w) for w in range(9)]  # Jan-Feb
    points(Series.objects.create(team=cast.alpha, measure=weekly), [(d, 1, None) for d in mondays])
    points(Series.objects.create(team=cast.beta, measure=weekly), [(d, 2, None) for d in mondays])
    agg = aggregate_chart(cm)
    assert agg.monthly
    # January has 5 Mondays (1, 8, 15, 22, 29), February 4
    assert [(r["date"], r["numerator"], r["teams"]) for r in agg.rows] == [
        (dt.date(2024, 1, 1), 15, 2),
        (dt.date(2024, 2, 1), 12, 2),
    ]
    assert len(aggregate_chart(cm, roll_up=False).rows) == 9


def test_an_empty_measure_has_no_chart(cast):
    cast.cm.collaborative = cast.sepsis
    agg = aggregate_chart(cast.cm)
    assert agg.result is None and agg.figure is None and agg.rows == []


def test_the_funnel_compares_each_teams_rate_with_the_pooled_rate(cast):
    f = funnel_for(cast.cm, start=MONTHS[0], end=MONTHS[11], highlight=cast.alpha.pk)
    assert f.data_type == "SR"
    total_falls, total_days = 12 * 55, 12 * 8600
    assert f.result.target == pytest.approx(1000 * total_falls / total_days)
    by_team = {u.team.pk: u for u in f.units}
    assert set(by_team) == {cast.alpha.pk, cast.beta.pk, *(t.pk for t in cast.extra)}
    beta = by_team[cast.beta.pk]
    assert beta.rate == pytest.approx(1000 * 24 / 3000)
    assert (beta.numerator, beta.denominator) == (288, 36000)
    # the teams vary more than chance allows, so the limits are widened; beta's 8 per
    # 1,000 against about 6.4 is above the unwidened limits at its size, not the widened
    assert f.result.phi > 1 and f.result.adjusted
    assert beta.unit.unadjusted.ucl998 < beta.rate < beta.unit.ucl998
    assert beta.outside == ""
    strict = funnel_for(cast.cm, start=MONTHS[0], end=MONTHS[11], adjust="never")
    assert next(u for u in strict.units if u.team == cast.beta).outside == "above"
    alpha = by_team[cast.alpha.pk]
    assert alpha.own and not beta.own
    # labels follow the data-sharing terms: pseudonyms unless the organisation agreed
    assert alpha.label == cast.alpha.pseudonym
    assert alpha.unit.lcl95 < alpha.unit.ucl95 < alpha.unit.ucl998
    # the drawn lines pass through each team's limits
    curves = limit_curves(f, [u.denominator for u in f.units])
    for i, u in enumerate(f.units):
        assert curves["ucl998"][i] == pytest.approx(u.unit.ucl998, rel=1e-9)
        assert curves["lcl95"][i] == pytest.approx(u.unit.lcl95, rel=1e-9)
    names = [t["name"] for t in f.figure["data"]]
    assert "Your team" in names and "99.8% limits" in names and "95% limits" in names
    own = next(t for t in f.figure["data"] if t["name"] == "Your team")
    assert own["text"] == [alpha.label]


def test_the_funnel_counts_only_the_window(cast):
    f = funnel_for(cast.cm, start=MONTHS[0], end=MONTHS[2])
    beta = next(u for u in f.units if u.team == cast.beta)
    assert (beta.numerator, beta.denominator) == (72, 9000)


def test_the_funnel_uses_names_the_viewer_may_see(cast):
    cast.beta.consents_to_be_named = True
    cast.beta.save()
    f = funnel_for(cast.cm, start=MONTHS[0], end=MONTHS[11], labels={cast.alpha.pk: "Ours"})
    labels = {u.team.pk: u.label for u in f.units}
    assert labels[cast.alpha.pk] == "Ours"
    assert labels[cast.beta.pk] == str(cast.beta)
    assert labels[cast.extra[0].pk] == cast.extra[0].pseudonym


def test_withdrawn_teams_leave_the_funnel(cast):
    cast.extra[0].status = Team.Status.WITHDRAWN
    cast.extra[0].withdrawn_on = MONTHS[5]
    cast.extra[0].save()
    f = funnel_for(cast.cm, start=MONTHS[0], end=MONTHS[11])
    assert cast.extra[0] not in [u.team for u in f.units]


def test_proportions_compare_as_proportions(cast):
    share = Measure.objects.create(
        topic=cast.falls_rate.topic,
        name="Risk assessment done",
        kind=Measure.Kind.PROCESS,
        operational_definition="Patients assessed within 24 hours.",
        numerator_definition="Assessed",
        denominator_definition="Admitted",
        unit="%",
        multiplier=100,
        frequency=Measure.Frequency.MONTHLY,
        direction=Measure.Direction.UP,
        chart_type=Measure.ChartType.P,
    )
    cm = CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=share)
    data = {cast.alpha: (40, 50), cast.beta: (30, 100)}
    for team, (n, d) in data.items():
        points(Series.objects.create(team=team, measure=share), [(MONTHS[0], n, d)])
    f = funnel_for(cm, start=MONTHS[0], end=MONTHS[0])
    assert f.data_type == "PR"
    assert f.result.target == pytest.approx(100 * 70 / 150)
    alpha = next(u for u in f.units if u.team == cast.alpha)
    assert alpha.rate == pytest.approx(80)


def test_a_measure_without_denominator_has_no_funnel_and_says_why(cast):
    count = Measure.objects.create(
        topic=cast.falls_rate.topic,
        name="Falls count",
        kind=Measure.Kind.OUTCOME,
        operational_definition="Falls.",
        numerator_definition="Falls",
        frequency=Measure.Frequency.MONTHLY,
        direction=Measure.Direction.DOWN,
        chart_type=Measure.ChartType.C,
    )
    cm = CollaborativeMeasure.objects.create(collaborative=cast.falls, measure=count)
    f = funnel_for(cm, start=MONTHS[0], end=MONTHS[11])
    assert f.result is None and f.figure is None and "denominator" in f.reason


def test_the_funnel_reads_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    # 3 of them find the latest complete period (teams, series, recent points)
    with django_assert_max_num_queries(6):
        funnel_for(cast.cm, start=MONTHS[0], end=MONTHS[11])
    with django_assert_max_num_queries(5):
        aggregate_chart(cast.cm)
