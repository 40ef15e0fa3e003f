"""The national view's AHSN table leads to each AHSN's collaboratives (issue 17)."""

import re

import pytest

from collaboratives.models import AHSN
from dashboards.summaries import summaries_compute
from tests.cast import client_for
from tests.dashboards.portfolio_world import TODAY, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    cast = build_world()
    AHSN.objects.create(code="NRTH", name="Northern AHSN", nhs_region="North East")
    summaries_compute(today=TODAY)
    return cast


def ahsn_table(html: str) -> str:
    return html[
        html.index('id="ahsn-table"') : html.index("</table>", html.index('id="ahsn-table"'))
    ]


def test_each_ahsn_row_links_to_the_collaboratives_it_leads(world):
    national = client_for(world.users["national"])
    table = ahsn_table(national.get("/national/").content.decode())
    links = re.findall(r'<a href="(/ahsns/\d+/portfolio/#collaboratives)">([^<]*)<span', table)
    assert links == [
        (f"/ahsns/{world.east.pk}/portfolio/#collaboratives", "2 collaboratives"),
        (f"/ahsns/{world.west.pk}/portfolio/#collaboratives", "1 collaborative"),
    ]  # the northern AHSN leads none: nothing to link
    assert "led by Eastern AHSN</span></a>" in table  # the link's name says whose

    # The national viewer may open them, and finds the collaboratives listed there.
    page = national.get(f"/ahsns/{world.east.pk}/portfolio/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="collaboratives"' in html
    for collaborative in (world.falls, world.sepsis):
        assert f'href="/collaboratives/{collaborative.pk}/">{collaborative.name}</a>' in html
