"""The demo tells each story the verdict can tell (issue 14, section 6): a sustained gain and a
recent shift (improved), a faded gain (not sustained), a recovered deterioration (no change),
an improving balancing problem (deteriorated) and a team too new to judge (insufficient data).

The shapes are checked on the simulation itself (pure, hand-built trajectories); the verdicts
on the seeded charts, as the demo's pages read them."""

import datetime as dt

import numpy as np
import pytest

from demo import simulate
from demo.content import MeasureSpec, Sim
from governance.models import RoleAssignment
from measures.models import ChartResult, Measure
from tests.demo.test_seed_demo import seed

LAST = dt.date(2026, 11, 30)
FIRST = dt.date(2024, 12, 1)


def days_of(*dates):
    return np.array([d.toordinal() for d in dates])


def monthly(first=FIRST, last=LAST):
    out, d = [], first
    while d <= last:
        out.append(d + dt.timedelta(days=14))
        d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def test_a_faded_gain_is_back_at_the_baseline_for_the_latest_six_months():
    change = dt.date(2026, 1, 20)
    fade = change + dt.timedelta(days=105)
    traj = simulate.Trajectory("F", FIRST, LAST, ramp_start=change, change=change, fade=fade)
    months = monthly()
    f = simulate.effect(days_of(*months), "outcome", traj)
    assert max(f) == pytest.approx(1.0)  # the gain was whole for a while
    assert list(f[-5:]) == [0.0] * 5  # and is gone: the latest months are the baseline's
    assert f[-6] < 0.5


def test_a_recovered_deterioration_is_worse_for_a_spell_then_usual_again():
    traj = simulate.Trajectory(
        "D", FIRST, LAST,
        worse_from=LAST - dt.timedelta(days=300), worse_until=LAST - dt.timedelta(days=210),
    )  # fmt: skip
    months = monthly()
    h = simulate.harm(days_of(*months), "outcome", traj)
    assert h.max() == pytest.approx(1.0)
    assert list(h[-6:]) == [0.0] * 6  # the latest six months are back to usual
    assert list(h[:12]) == [0.0] * 12  # and so is the first year, the baseline
    assert not simulate.harm(days_of(*months), "balancing", traj).any()
    # twice as many falls at the worst; half the share of good care
    assert simulate.worse_scale(np.array([1.0]), "down")[0] == pytest.approx(2.2)
    assert simulate.worse_scale(np.array([1.0]), "up")[0] == pytest.approx(1 / 2.2)


def test_a_balancing_problem_is_easing_but_still_worse_than_before():
    change = dt.date(2025, 12, 1)
    traj = simulate.Trajectory(
        "I", FIRST, LAST, change=change,
        balancing_from=change + dt.timedelta(days=30),
        balancing_eases=LAST - dt.timedelta(days=simulate.BALANCING_EASE_DAYS),
    )  # fmt: skip
    months = monthly()
    h = simulate.harm(days_of(*months), "balancing", traj)
    assert h.max() == pytest.approx(1.0)
    assert h[-1] < h[-6] <= 1.0  # easing over the latest months
    assert h[-1] >= simulate.BALANCING_LEFT  # but not back to where it was
    assert not simulate.harm(days_of(*months), "outcome", traj).any()


def test_the_simulated_balancing_measure_is_worse_then_easing():
    spec = MeasureSpec(
        key="rails", name="Bed rails", kind="balancing", chart="p", frequency="monthly",
        direction="down", operational_definition="", numerator="", denominator="Patients",
        multiplier=100, sim=Sim("proportion", (0.14, 0.14), None, (4000, 4000)),
    )  # fmt: skip
    change = dt.date(2025, 6, 1)
    traj = simulate.Trajectory(
        "I", FIRST, LAST, change=change,
        balancing_from=change + dt.timedelta(days=30),
        balancing_eases=LAST - dt.timedelta(days=simulate.BALANCING_EASE_DAYS),
    )  # fmt: skip
    rows = simulate.series_points("rails|test", spec, traj)
    share = [n / d for _, n, d in rows]
    before, worst, latest = np.mean(share[:6]), np.mean(share[10:15]), share[-1]
    assert before == pytest.approx(0.14, abs=0.02)
    assert worst == pytest.approx(0.14 * 2.2, abs=0.03)
    assert before * 1.4 < latest < worst


@pytest.mark.django_db
def test_every_verdict_shows_among_the_seeded_charts():
    seed()
    latest = ChartResult.objects.latest_per_series()
    statuses = set(latest.values_list("status", flat=True))
    assert statuses >= {
        "improved",
        "not_sustained",
        "deteriorated",
        "no_change",
        "insufficient_data",
    }, statuses
    # The lead's own team: a gain, and the balancing measure its change made worse.
    lead_team = RoleAssignment.objects.get(person__user__username="lead").team
    mine = {
        (r.series.measure.kind, r.status)
        for r in latest.filter(series__team=lead_team).select_related("series__measure")
    }
    assert (Measure.Kind.BALANCING, "deteriorated") in mine, mine
    assert any(status == "improved" for kind, status in mine if kind != Measure.Kind.BALANCING)
