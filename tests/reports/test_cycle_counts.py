"""How the contract-review report counts PDSA cycles in its period."""

import datetime as dt

import pytest

from collaboratives.models import PDSACycle
from reports.content import cycles_section
from tests.cast import build_cast

pytestmark = pytest.mark.django_db


def test_it_does_not_count_a_done_cycle_without_a_finish_date_as_running():
    cast = build_cast()
    finished = cast.alpha_cycle
    finished.status = PDSACycle.Status.DONE
    finished.act_decision = PDSACycle.Decision.ADOPT
    finished.save()  # done, with its decision, but no completed_on recorded
    assert cast.beta_cycle.status == PDSACycle.Status.PLANNING  # running
    teams = [cast.alpha, cast.beta]
    rows = {t.pk: {} for t in teams}

    summary, _ = cycles_section(cast.falls, teams, rows, dt.date(2024, 1, 1), dt.date(2024, 12, 31))

    assert summary["running"] == 1
    assert rows[cast.alpha.pk]["cycles"]["running"] == 0
    assert rows[cast.beta.pk]["cycles"]["running"] == 1
