"""The data-entry grid: saving cells, inline errors, conflicts, history and access."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from measures.models import DataPoint, DataPointRevision
from measures.periods import last_periods
from measures.writes import PointChange, datapoints_write
from tests.cast import build_cast

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def cast():
    return build_cast()


@pytest.fixture
def month():
    """Last month: a monthly period start in the grid, not in the future."""
    return last_periods("monthly", timezone.localdate())[-2]


def save_url(series, period):
    return reverse("measures:cell_save", kwargs={"pk": series.pk, "period": f"{period:%Y-%m-%d}"})


def post_cell(client, series, period, numerator, denominator="", version=0, **extra):
    data = {"numerator": numerator, "denominator": denominator, "expected_version": version}
    return client.post(save_url(series, period), {**data, **extra}, **HTMX)


def test_it_shows_the_teams_measures_down_and_periods_across(client, cast):
    client.force_login(cast.users["lead"])
    response = client.get(reverse("measures:team_grid", kwargs={"pk": cast.alpha.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Inpatient falls per 1,000 bed days" in html and "Alpha&#x27;s own audit" in html
    assert html.count('name="numerator"') == 24  # 12 months + 12 weeks
    assert html.count('name="denominator"') == 12  # only the rate has a denominator
    assert "js/grid.js" in html and "<script>" not in html


def test_every_cell_saves_to_and_links_its_own_series_and_period(client, cast, month):
    """Each cell's form posts to the save URL of its own series and period, and an edited
    cell links its own history (the URLs a row's cells share one reverse for)."""
    for value in (1, 2):  # entered, then changed: the cell is edited
        datapoints_write(
            series=cast.alpha_series,
            changes=[PointChange(month, value, 10)],
            by=None,
            source=DataPointRevision.Source.IMPORT,
        )
    client.force_login(cast.users["lead"])
    response = client.get(reverse("measures:team_grid", kwargs={"pk": cast.alpha.pk}))
    html = response.content.decode()
    cells = [c for table in response.context["tables"] for row in table.rows for c in row.cells]
    assert len(cells) == 24
    for cell in cells:
        url = reverse("measures:cell_save", kwargs={"pk": cell.series.pk, "period": cell.iso})
        assert f'action="{url}" hx-post="{url}"' in html
    edited = [(c.series, c.period_start) for c in cells if c.edited]
    assert edited == [(cast.alpha_series, month)]
    history = reverse(
        "measures:cell_history", kwargs={"pk": cast.alpha_series.pk, "period": month.isoformat()}
    )
    assert f'href="{history}" hx-get="{history}"' in html


def test_the_series_page_shows_the_operational_definition_beside_the_grid(client, cast):
    client.force_login(cast.users["member"])
    response = client.get(reverse("measures:series_grid", kwargs={"pk": cast.alpha_series.pk}))
    html = response.content.decode()
    assert "What to count" in html
    assert "Falls reported on the ward, per 1,000 occupied bed days." in html
    assert "Occupied bed days" in html


def test_it_saves_a_cell_through_the_write_path(client, cast, month):
    client.force_login(cast.users["lead"])
    response = post_cell(client, cast.alpha_series, month, "4", "1200", reason="Late return")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<td") and "Saved" in html
    assert 'name="expected_version" value="1"' in html
    point = DataPoint.objects.get(series=cast.alpha_series, period_start=month)
    assert (point.numerator, point.denominator) == (4, 1200)
    revision = DataPointRevision.objects.get(series=cast.alpha_series)
    assert revision.changed_by == cast.users["lead"]
    assert revision.source == DataPointRevision.Source.GRID
    assert revision.reason == "Late return"


@pytest.mark.parametrize(
    "numerator,denominator,message",
    [
        ("5", "0", "The denominator is zero while the numerator is above zero"),
        ("-1", "100", "The numerator cannot be negative"),
        ("many", "100", "The numerator is not a number"),
        ("5", "", "The denominator is required for this measure"),
    ],
)
def test_it_shows_invalid_values_inline_and_writes_nothing(
    client, cast, month, numerator, denominator, message
):
    client.force_login(cast.users["lead"])
    response = post_cell(client, cast.alpha_series, month, numerator, denominator)
    html = response.content.decode()
    assert message in html
    assert "nhsuk-error-message" in html and 'aria-invalid="true"' in html
    assert f'value="{numerator}"' in html  # what the user typed stays to be corrected
    assert not DataPoint.objects.filter(series=cast.alpha_series).exists()


def test_it_refuses_future_periods_and_periods_off_the_frequency(client, cast):
    client.force_login(cast.users["lead"])
    future = last_periods("monthly", timezone.localdate() + dt.timedelta(days=62))[-1]
    html = post_cell(client, cast.alpha_series, future, "1", "10").content.decode()
    assert "The period is in the future" in html
    mid_month = dt.date(2024, 3, 15)
    html = post_cell(client, cast.alpha_series, mid_month, "1", "10").content.decode()
    assert "monthly periods start on the 1st" in html
    assert not DataPoint.objects.exists()


def test_two_people_editing_one_cell_get_a_conflict_not_a_lost_update(client, cast, month):
    # Both opened the grid when the cell was empty (version 0); the member saved first.
    datapoints_write(
        series=cast.alpha_series,
        changes=[PointChange(month, 3, 900)],
        by=cast.users["member"],
        source=DataPointRevision.Source.GRID,
    )
    client.force_login(cast.users["lead"])
    response = post_cell(client, cast.alpha_series, month, "7", "1000", version=0)
    html = response.content.decode()
    assert "Someone else changed this since you opened the page: it is now 3 / 900" in html
    assert "Your value (7 / 1000) was not saved" in html
    assert 'name="expected_version" value="1"' in html  # saving again replaces theirs
    point = DataPoint.objects.get(series=cast.alpha_series, period_start=month)
    assert (point.numerator, point.denominator, point.version) == (3, 900, 1)

    again = post_cell(client, cast.alpha_series, month, "7", "1000", version=1)
    assert "Saved" in again.content.decode()
    assert DataPoint.objects.get(series=cast.alpha_series, period_start=month).numerator == 7


def test_an_edited_cell_is_marked_and_shows_its_history(client, cast, month):
    client.force_login(cast.users["lead"])
    post_cell(client, cast.alpha_series, month, "4", "1200")
    response = post_cell(client, cast.alpha_series, month, "5", "1200", 1, reason="Recounted")
    assert "collab-grid__cell--edited" in response.content.decode()
    grid = client.get(reverse("measures:team_grid", kwargs={"pk": cast.alpha.pk}))
    assert grid.content.decode().count("collab-grid__cell--edited") == 1

    url = reverse(
        "measures:cell_history",
        kwargs={"pk": cast.alpha_series.pk, "period": f"{month:%Y-%m-%d}"},
    )
    fragment = client.get(url, **HTMX).content.decode()
    assert "<html" not in fragment
    assert "4 / 1200" in fragment and "5 / 1200" in fragment and "Recounted" in fragment
    assert "Lead" in fragment  # who
    assert client.get(url).status_code == 200  # and as a page without JavaScript


def test_access_another_team_is_not_found_and_a_reader_is_refused(client, cast, month):
    client.force_login(cast.users["lead"])
    assert post_cell(client, cast.delta_series, month, "1", "10").status_code == 404
    assert post_cell(client, cast.beta_series, month, "1", "10").status_code == 404
    assert client.get(reverse("measures:team_grid", kwargs={"pk": cast.beta.pk})).status_code == 404

    client.force_login(cast.users["director"])
    grid = client.get(reverse("measures:team_grid", kwargs={"pk": cast.alpha.pk}))
    assert grid.status_code == 200 and 'name="numerator"' not in grid.content.decode()
    assert post_cell(client, cast.alpha_series, month, "1", "10").status_code == 403

    client.force_login(cast.users["outsider"])
    assert post_cell(client, cast.alpha_series, month, "1", "10").status_code == 404
    assert not DataPoint.objects.exists()


def test_every_box_has_a_visible_label_naming_numerator_denominator_or_value(client, cast):
    """Issue 17: the boxes had only visually hidden labels; a sighted user had to guess
    which of the two was the numerator."""
    client.force_login(cast.users["lead"])
    html = client.get(reverse("measures:team_grid", kwargs={"pk": cast.alpha.pk})).content.decode()
    labels = re.findall(r'<label class="([^"]*)" for="([nd])-(\d+)-(\d+)">([^<]*)<', html)
    assert labels, "no labels found"
    assert all("visually-hidden" not in cls for cls, *_ in labels)  # the label itself shows
    shown = {(box, int(series)): text for _, box, series, _, text in labels}
    rate, custom = cast.alpha_series.pk, cast.alpha_custom_series.pk
    assert shown[("n", rate)] == "Numerator" and shown[("d", rate)] == "Denominator"
    assert shown[("n", custom)] == "Value"  # a lone box: no denominator to tell it from
    # Each label still gives a screen reader the definition and the period.
    assert re.search(
        rf'for="d-{rate}-0">Denominator<span class="nhsuk-u-visually-hidden">: '
        r"Occupied bed days[^<]*, \d+ \w+ \d{4}</span>",
        html,
    )
    # The row's definitions are named too.
    assert "<strong>Numerator:</strong>" in html and "<strong>Denominator:</strong>" in html
