"""Every breadcrumb starts with the page it leads to as that page names itself: "Home"
(the grid, chart and import pages said "Home", the others "Your collaboratives")."""

import re

import pytest

from tests.cast import build_cast, client_for

pytestmark = pytest.mark.django_db


def first_crumb(html: str) -> tuple[str, str]:
    nav = html[html.index('class="nhsuk-breadcrumb"') :]
    href, text = re.search(
        r'class="nhsuk-breadcrumb__link" href="([^"]+)">([^<]+)</a>', nav
    ).groups()
    return href, text


def test_every_breadcrumb_starts_with_home():
    cast = build_cast()
    lead = client_for(cast.users["lead"])
    manager = client_for(cast.users["falls_manager"])
    pages = [
        (lead, f"/teams/{cast.alpha.pk}/dashboard/"),  # the shared _breadcrumb.html
        (lead, f"/teams/{cast.alpha.pk}/"),
        (lead, f"/teams/{cast.alpha.pk}/data/"),  # the grid's own
        (manager, f"/collaboratives/{cast.falls.pk}/measures/"),
        (manager, f"/collaboratives/{cast.falls.pk}/overdue/"),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert first_crumb(html) == ("/", "Home"), url
        assert "Your collaboratives</a>" not in html, url
