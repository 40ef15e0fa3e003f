"""One rule for an AHSN's collaboratives: those it leads or partners in."""

import datetime as dt

import pytest

from collaboratives.models import AHSN, Collaborative
from reports.content import collaboratives_in
from tests.cast import build_cast, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    cast = build_cast()
    north = AHSN.objects.create(code="NORTH", name="Northern AHSN", nhs_region="North East")
    # east partners in maternity (led by west) beside a second partner, so the join doubles rows
    cast.maternity.partner_ahsns.add(cast.east, north)
    cast.falls.partner_ahsns.add(north)
    return cast


def test_it_gives_an_ahsn_the_collaboratives_it_leads_and_those_it_partners_in_once_each(cast):
    mine = list(Collaborative.objects.of_ahsn(cast.east).order_by("name"))

    assert mine == [cast.falls, cast.maternity, cast.sepsis]
    assert list(Collaborative.objects.of_ahsn(cast.west)) == [cast.maternity]


def test_the_contract_review_and_the_directors_access_read_the_same_list(cast):
    director = user_with_role("east_director", "ahsn_director", ahsn=cast.east)
    report = collaboratives_in(cast.east, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    visible = Collaborative.objects.visible_to(director).distinct()

    assert set(report) == set(Collaborative.objects.of_ahsn(cast.east))
    assert set(visible) == set(Collaborative.objects.of_ahsn(cast.east))
