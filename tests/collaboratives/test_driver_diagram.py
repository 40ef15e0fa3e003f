"""The driver diagram: faculty add, edit, reorder, retire and restore nodes (with htmx);
everyone in the collaborative reads it, with each change idea's spread.

Uses the cast of tests/cast.py: falls has aim > primary > secondary > "Idea", tested by
alpha and beta in one cycle each.
"""

import pytest

from collaboratives.models import DriverNode
from tests.cast import build_cast, client_for

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def cast():
    return build_cast()


def node(cast, kind) -> DriverNode:
    return DriverNode.objects.get(collaborative=cast.falls, kind=kind)


def url(cast, *rest) -> str:
    return "/".join([f"/collaboratives/{cast.falls.pk}/driver-diagram", *map(str, rest), ""])


def test_it_draws_the_tree_with_each_change_ideas_spread(cast):
    cast.beta_cycle.study_result, cast.beta_cycle.act_decision = "ok", "adopt"
    cast.beta_cycle.status = "done"
    cast.beta_cycle.save()

    body = client_for(cast.users["lead"]).get(url(cast)).content.decode()

    assert body.index("dd-node--aim") < body.index("dd-node--primary")
    assert body.index("dd-node--secondary") < body.index("dd-node--change_idea")
    assert "2 teams testing · 2 cycles · 1 adopted" in body
    assert 'id="change-package"' in body
    assert "Add a node" not in body
    assert "Retire" not in body


def test_faculty_add_a_node_whose_kind_follows_its_parent(cast):
    client = client_for(cast.users["faculty"])
    secondary = node(cast, "secondary")

    response = client.post(url(cast), {"parent": secondary.pk, "title": "Hourly rounding"}, **HTMX)

    added = DriverNode.objects.get(title="Hourly rounding")
    assert added.kind == "change_idea"
    assert added.parent == secondary
    assert "<html" not in response.content.decode()
    assert 'id="diagram"' in response.content.decode()
    assert "Hourly rounding" in response.content.decode()


def test_it_shows_the_add_forms_errors(cast):
    client = client_for(cast.users["faculty"])

    full = client.post(url(cast), {"parent": "", "title": ""})
    partial = client.post(url(cast), {"parent": "", "title": "Patient 943 476 5919"}, **HTMX)

    assert "<title>Error: " in full.content.decode()
    assert "Choose where the node goes" in full.content.decode()
    assert "Enter the node&#x27;s title" in full.content.decode()
    assert "<html" not in partial.content.decode()
    assert "nhsuk-error-summary" in partial.content.decode()
    assert "Remove the NHS number" in partial.content.decode()


def test_faculty_edit_a_node(cast):
    idea = node(cast, "change_idea")
    client = client_for(cast.users["faculty"])

    errors = client.post(url(cast, idea.pk, "edit"), {"title": ""})
    saved = client.post(url(cast, idea.pk, "edit"), {"title": "Huddle", "description": "Daily"})

    idea.refresh_from_db()
    assert "Enter the node&#x27;s title" in errors.content.decode()
    assert saved.status_code == 302
    assert (idea.title, idea.description) == ("Huddle", "Daily")


def test_faculty_reorder_nodes(cast):
    first = node(cast, "change_idea")
    second = DriverNode.objects.create(
        collaborative=cast.falls,
        parent=first.parent,
        kind="change_idea",
        title="Second",
        position=5,
    )
    client = client_for(cast.users["faculty"])

    response = client.post(url(cast, second.pk, "up"), **HTMX)

    body = response.content.decode()
    assert "<html" not in body
    assert body.index("Second") < body.index(">Idea<")
    assert client.post(url(cast, second.pk, "down")).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.position < second.position


def test_faculty_retire_and_restore_a_branch(cast):
    primary = node(cast, "primary")
    client = client_for(cast.users["faculty"])

    retired = client.post(url(cast, primary.pk, "retire"), **HTMX).content.decode()
    primary.refresh_from_db()
    assert primary.archived_at is not None
    assert "dd-node--change_idea" not in retired
    assert "Retired nodes (1)" in retired

    client.post(url(cast, primary.pk, "restore"))
    primary.refresh_from_db()
    assert primary.archived_at is None


def test_it_starts_the_diagram_from_the_aim_statement(cast):
    page = client_for(cast.users["manager"]).get(
        f"/collaboratives/{cast.sepsis.pk}/driver-diagram/"
    )
    client_for(cast.users["falls_manager"]).post(
        f"/collaboratives/{cast.sepsis.pk}/driver-diagram/"
    )
    client_for(cast.users["manager"]).post(f"/collaboratives/{cast.sepsis.pk}/driver-diagram/")

    assert "Start it from the aim statement" in page.content.decode()
    aim = DriverNode.objects.get(collaborative=cast.sepsis)
    assert (aim.kind, aim.title) == ("aim", cast.sepsis.aim_statement)


def test_only_curators_change_the_diagram(cast):
    idea = node(cast, "change_idea")

    assert client_for(cast.users["lead"]).post(url(cast, idea.pk, "retire")).status_code == 403
    assert client_for(cast.users["outsider"]).get(url(cast)).status_code == 404
    other = f"/collaboratives/{cast.maternity.pk}/driver-diagram/"
    assert client_for(cast.users["faculty"]).get(other).status_code == 404
    assert client_for(cast.users["faculty"]).post(url(cast, idea.pk, "nap")).status_code == 404


def test_it_exports_the_change_package_with_its_evidence(cast):
    cast.beta_cycle.study_result, cast.beta_cycle.act_decision = "Falls halved", "adopt"
    cast.beta_cycle.status = "done"
    cast.beta_cycle.save()

    response = client_for(cast.users["faculty"]).get(
        f"/collaboratives/{cast.falls.pk}/change-package.csv"
    )

    lines = response.content.decode().splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0].lstrip("\ufeff").startswith("Primary driver,Secondary driver,Change idea")
    assert lines[1].startswith("Primary,Secondary,Idea,,2,2,1,")
    assert "Falls halved" in lines[1]
    lead = client_for(cast.users["lead"])
    assert lead.get(f"/collaboratives/{cast.falls.pk}/change-package.csv").status_code == 403
