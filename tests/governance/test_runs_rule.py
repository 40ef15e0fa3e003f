"""One rule for the collaboratives a user runs (governance.access.runs_q): the ones they are
improvement manager of, and those their AHSN leads; a collaborative their AHSN only partners
in is not theirs to run. The MANAGE decision on one collaborative, the manager's home and the
start page all follow it."""

import datetime as dt

import pytest

from collaboratives.models import Collaborative
from dashboards.home import manager_sections
from dashboards.start import start_here
from governance import access
from tests.cast import build_cast, collaborative, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    cast = build_cast()
    # east partners in maternity, which west leads; a third collaborative east leads, closed
    cast.maternity.partner_ahsns.add(cast.east)
    cast.closed = collaborative("closed", cast.east, cast.falls.topic)
    cast.closed.phase = Collaborative.Phase.CLOSED
    cast.closed.save()
    return cast


def _runs(user) -> set:
    return set(Collaborative.objects.filter(access.runs_q(access.principal(user))))


def test_an_ahsns_manager_runs_what_it_leads_not_what_it_partners_in(cast):
    manager = user_with_role("east_manager", "improvement_manager", ahsn=cast.east)

    assert _runs(manager) == {cast.falls, cast.sepsis, cast.closed}
    for c in Collaborative.objects.all():
        assert access.can(manager, access.MANAGE, c) == (c in _runs(manager) and c != cast.closed)


def test_a_collaboratives_manager_runs_that_one_and_faculty_run_none(cast):
    manager = user_with_role(
        "maternity_manager", "improvement_manager", collaborative=cast.maternity
    )
    faculty = user_with_role("falls_faculty", "clinical_lead", collaborative=cast.falls)

    assert _runs(manager) == {cast.maternity}
    assert _runs(faculty) == set()


def test_the_home_and_start_pages_list_the_open_collaboratives_the_rule_gives(cast):
    manager = user_with_role("east_manager", "improvement_manager", ahsn=cast.east)
    runs = {c for c in _runs(manager) if c.phase != Collaborative.Phase.CLOSED}

    sections = manager_sections(manager, dt.date(2025, 6, 1))
    starts = {s.title for s in start_here(manager)}

    assert {s.collaborative for s in sections} == runs == {cast.falls, cast.sepsis}
    assert {c.name for c in runs} <= starts
    assert cast.maternity.name not in starts and cast.closed.name not in starts


def test_the_start_page_adds_the_collaboratives_a_clinical_lead_teaches_in(cast):
    faculty = user_with_role("falls_faculty", "clinical_lead", collaborative=cast.falls)

    assert {s.title for s in start_here(faculty)} >= {cast.falls.name}
    assert manager_sections(faculty, dt.date(2025, 6, 1)) == []
