"""The collaborative's funnel plot as each viewer reads it: plain words for leads, the
statistics for faculty, "your team" only to a viewer who has one, and only published figures
for a viewer outside the collaborative's sharing terms."""

import pytest
from django.urls import reverse
from django.utils import timezone

from measures.models import DataPoint, Series
from tests.cast import client_for
from tests.dashboards.dashboard_cast import (
    MONTHS,
    TODAY,
    add_teams,
    build_dashboard_cast,
    charts,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def cast(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    cast = build_dashboard_cast()
    # The share counts people; beta assessed 3 patients of 40 in the window: withheld.
    cast.share.counts_people = True
    cast.share.save()
    beta_share = Series.objects.create(team=cast.beta, measure=cast.share)
    DataPoint.objects.bulk_create(
        DataPoint(
            series=beta_share, period_start=m, numerator=1 if i % 4 == 0 else 0, denominator=3
        )  # fmt: skip
        for i, m in enumerate(MONTHS[-12:])
    )
    return cast


def funnel_page(cast, who, cm=None, window="all"):
    cm = cm or cast.cm
    path = reverse("dashboard_collaborative_funnel", args=[cast.falls.pk])
    return client_for(cast.users[who]).get(path, {"measure": cm.pk, "window": window}, **{
        "HTTP_HX_REQUEST": "true"})  # fmt: skip


def test_a_lead_reads_plain_words_not_the_dispersion_ratio(cast):
    html = funnel_page(cast, "lead").content.decode()
    assert "chance alone" in html
    assert "dispersion ratio" not in html.lower() and "Spiegelhalter" not in html
    assert 'id="funnel-statistics"' not in html


def test_faculty_can_open_the_statistics_behind_the_limits(cast):
    html = funnel_page(cast, "faculty").content.decode()
    assert 'id="funnel-statistics"' in html
    assert "Dispersion ratio" in html and "Spiegelhalter 2005" in html


def test_a_viewer_without_a_team_is_never_told_about_your_team(cast):
    for who in ("national", "faculty", "director"):
        response = funnel_page(cast, who)
        html = response.content.decode().lower()
        assert "your team" not in html, who
        assert "Your team" not in [t["name"] for t in response.context["funnel"].figure["data"]]
    lead = funnel_page(cast, "lead").content.decode()
    assert "the blue diamond: your team" in lead


def test_the_funnel_names_every_team_on_its_plot_and_its_axis(cast):
    response = funnel_page(cast, "lead")
    funnel = response.context["funnel"]
    notes = funnel.figure["layout"]["annotations"]
    names = {a["text"].replace("<b>", "").replace("</b>", "") for a in notes}
    assert {u.label for u in funnel.units} <= names
    assert funnel.figure["layout"]["xaxis"]["title"]["text"].startswith("Occupied bed days over")


def test_outside_the_collaborative_the_funnel_shows_only_published_figures(cast):
    inside = funnel_page(cast, "lead", cast.share_cm, "12").context["funnel"]
    assert not inside.disclosed
    assert not any(u.suppressed for u in inside.units)

    response = funnel_page(cast, "national", cast.share_cm, "12")
    funnel = response.context["funnel"]
    assert funnel.disclosed
    beta = next(u for u in funnel.units if u.team == cast.beta)
    assert beta.suppressed and beta.rate is None
    assert beta.label not in [x for t in funnel.figure["data"] for x in t.get("text") or []]
    html = response.content.decode()
    row = html.split(f">{beta.label}<", 1)[1].split("</tr>", 1)[0]
    assert "Small numbers withheld: not plotted" in row and ">*<" in row
    alpha = next(u for u in funnel.units if u.team == cast.alpha)
    assert alpha.numerator % 5 == 0 and alpha.denominator % 5 == 0


def test_the_team_panel_says_where_the_team_stands_from_the_same_funnel(cast):
    add_teams(cast, 3)  # five teams: enough for a comparison
    funnel = funnel_page(cast, "lead", window="12").context["funnel"]
    alpha = next(u for u in funnel.units if u.team == cast.alpha)
    panel = reverse("dashboard_team_panel", args=[cast.alpha.pk, cast.alpha_series.pk])
    response = client_for(cast.users["lead"]).get(panel, headers=HTMX)
    peers = response.context["peers"]
    assert peers.status == (alpha.outside + "998" if alpha.outside in ("above", "below")
                            else alpha.outside or "within")  # fmt: skip
    html = response.content.decode()
    assert "Compared with other teams:" in html and peers.words in html
    assert "teams your size" in peers.words
    # faculty read it about the team, not to it
    faculty = client_for(cast.users["faculty"]).get(panel, headers=HTMX).context["peers"]
    assert faculty.status == peers.status and "teams of its size" in faculty.words


def test_a_measure_outside_the_collaboratives_set_has_no_peer_words(cast):
    series = cast.alpha_custom_series  # the team's own measure
    DataPoint.objects.create(series=series, period_start=MONTHS[0], numerator=3)
    charts([series.pk])
    panel = reverse("dashboard_team_panel", args=[cast.alpha.pk, series.pk])
    response = client_for(cast.users["lead"]).get(panel, headers=HTMX)
    assert response.context["peers"] is None
    assert "Compared with other teams" not in response.content.decode()


def test_outside_the_collaborative_a_withheld_team_is_not_compared(cast):
    add_teams(cast, 3)
    beta_share = Series.objects.get(team=cast.beta, measure=cast.share)
    panel = reverse("dashboard_team_panel", args=[cast.beta.pk, beta_share.pk])
    national = client_for(cast.users["national"]).get(panel, headers=HTMX)
    assert national.status_code == 200
    peers = national.context["peers"]
    assert peers.status == "withheld" and "too small to publish" in peers.words
    # inside, the same team is compared on its raw figures
    inside = client_for(cast.users["beta_lead"]).get(panel, headers=HTMX).context["peers"]
    assert inside.status != "withheld"


def test_the_funnel_page_says_where_the_viewers_own_team_stands_in_the_same_words(cast):
    add_teams(cast, 3)
    lead = funnel_page(cast, "lead", window="12")
    panel = reverse("dashboard_team_panel", args=[cast.alpha.pk, cast.alpha_series.pk])
    words = client_for(cast.users["lead"]).get(panel, headers=HTMX).context["peers"].words
    assert lead.context["own_position"].words == words
    assert f"<strong>Your team:</strong> {words}" in lead.content.decode()
    assert funnel_page(cast, "faculty", window="12").context["own_position"] is None
