"""One rule for an overdue PDSA cycle, read by the cycle pages and the reporting summaries."""

import datetime as dt

import pytest

from collaboratives.models import PDSACycle
from dashboards.summaries import collaborative_compute
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 6, 1)  # after the cast's cycles end (mid-January 2024)


def test_it_counts_a_cycle_whose_study_is_only_whitespace_as_overdue_everywhere():
    cast = build_cast()
    blank = cast.alpha_cycle
    blank.study_result = "  \n\t "
    blank.act_decision = PDSACycle.Decision.ADOPT
    blank.save()
    studied = cast.beta_cycle
    studied.study_result = "Falls halved on the test ward."
    studied.act_decision = PDSACycle.Decision.ADOPT
    studied.save()

    assert blank.is_overdue(TODAY) and not studied.is_overdue(TODAY)
    assert list(PDSACycle.objects.overdue(TODAY)) == [blank]
    teams, _ = collaborative_compute(cast.falls, today=TODAY)
    assert teams[cast.alpha.pk].cycles.overdue == 1
    assert teams[cast.beta.pk].cycles.overdue == 0


def test_it_leaves_out_archived_cycles_and_those_not_yet_due():
    cast = build_cast()
    cast.alpha_cycle.archived_at = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)
    cast.alpha_cycle.save()
    due_later = cast.beta_cycle
    due_later.planned_end = TODAY  # due today: not yet overdue
    due_later.save()

    assert list(PDSACycle.objects.overdue(TODAY)) == []
    assert not cast.alpha_cycle.is_overdue(TODAY) and not due_later.is_overdue(TODAY)
