"""PDSA cycles: planning from the team page, each step on its own, ramps, fidelity, overdue,
archive and restore, the collaborative's filterable list, and who may do what.

Uses the cast of tests/cast.py: alpha and beta are teams of falls, each with one cycle.
"""

import datetime as dt

import pytest

from collaboratives.models import DriverNode, PDSACycle
from governance.safeguards import MESSAGE
from measures.models import RecomputeJob
from tests.cast import build_cast, client_for

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def cast():
    return build_cast()


def idea(cast) -> DriverNode:
    return cast.alpha_cycle.change_idea


def plan(cast, **extra):
    return {
        "change_idea": idea(cast).pk,
        "parent": "",
        "title": "Falls huddle on one shift",
        "question": "Does a huddle cut falls at night?",
        "prediction": "Two fewer falls in a week.",
        "scale": "One shift on one ward",
        "plan_who": "Night sister",
        "plan_what": "Five-minute huddle",
        "plan_when": "Next Monday",
        "plan_where": "Ward 7",
        "data_to_collect": "Falls per night",
        "measures": [cast.falls_rate.pk],
        "planned_start": "2024-02-01",
        "planned_end": "2024-02-07",
        **extra,
    }


# --- Plan ----------------------------------------------------------------------------------


def test_it_plans_a_cycle_and_marks_its_measures_charts_stale(cast):
    client = client_for(cast.users["lead"])

    response = client.post(f"/teams/{cast.alpha.pk}/cycles/new/", plan(cast))

    cycle = PDSACycle.objects.get(title="Falls huddle on one shift")
    assert response.status_code == 302
    assert response["Location"] == f"/cycles/{cycle.pk}/"
    assert cycle.team == cast.alpha
    assert cycle.status == PDSACycle.Status.PLANNING
    assert list(cycle.measures.all()) == [cast.falls_rate]
    assert RecomputeJob.objects.get(series=cast.alpha_series).status == "pending"
    assert not RecomputeJob.objects.filter(series=cast.beta_series).exists()


def test_it_shows_the_plan_errors_in_an_error_summary(cast):
    client = client_for(cast.users["lead"])
    data = plan(cast, change_idea="", title="", planned_end="2024-01-01")

    response = client.post(f"/teams/{cast.alpha.pk}/cycles/new/", data)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in body
    assert "nhsuk-error-summary" in body
    assert "Choose the change idea the cycle tests" in body
    assert "Enter a name for the test" in body
    assert "Planned end must be the same as or after the start" in body
    assert '<a href="#id_change_idea">' in body


def test_it_refuses_an_nhs_number_in_the_prediction(cast):
    client = client_for(cast.users["lead"])

    response = client.post(
        f"/teams/{cast.alpha.pk}/cycles/new/", plan(cast, prediction="Patient 943 476 5919")
    )

    assert response.status_code == 200
    assert "Remove the NHS number (943 *** ****)" in response.content.decode()
    assert MESSAGE.startswith("Remove the NHS number")


def test_it_offers_only_the_collaboratives_and_the_teams_own_change_ideas(cast):
    local = DriverNode.objects.create(
        collaborative=cast.falls,
        parent=idea(cast).parent,
        kind="change_idea",
        title="Beta's own idea",
        team=cast.beta,
    )
    client = client_for(cast.users["lead"])

    response = client.post(f"/teams/{cast.alpha.pk}/cycles/new/", plan(cast, change_idea=local.pk))

    assert "Choose a change idea from the driver diagram" in response.content.decode()


def test_it_plans_a_follow_on_cycle_from_the_last_one(cast):
    first = cast.alpha_cycle
    first.question = "Does it work?"
    first.save()
    client = client_for(cast.users["lead"])

    page = client.get(f"/teams/{cast.alpha.pk}/cycles/new/?after={first.pk}")
    response = client.post(
        f"/teams/{cast.alpha.pk}/cycles/new/", plan(cast, parent=first.pk, title="Two shifts")
    )

    assert "Plan a follow-on cycle" in page.content.decode()
    assert "Does it work?" in page.content.decode()
    assert response.status_code == 302
    assert PDSACycle.objects.get(title="Two shifts").parent == first


def test_a_follow_on_cycle_copies_who_where_and_the_scale(cast):
    first = cast.alpha_cycle
    first.plan_who, first.plan_where, first.scale = "Night sister", "Ward 7", "One shift"
    first.save()
    client = client_for(cast.users["lead"])

    page = client.get(f"/teams/{cast.alpha.pk}/cycles/new/?after={first.pk}")

    form = page.context["form"]
    assert form["plan_who"].value() == "Night sister"
    assert form["plan_where"].value() == "Ward 7"
    assert form["scale"].value() == "One shift"


def test_builds_on_offers_the_same_change_ideas_cycles_first(cast):
    other = DriverNode.objects.create(
        collaborative=cast.falls,
        parent=idea(cast).parent,
        kind="change_idea",
        title="Aaa other idea",
    )
    elsewhere = PDSACycle.objects.create(
        team=cast.alpha,
        change_idea=other,
        title="Bed alarms",
        planned_start=dt.date(2024, 3, 1),
        planned_end=dt.date(2024, 3, 7),
    )
    client = client_for(cast.users["lead"])

    body = client.get(
        f"/teams/{cast.alpha.pk}/cycles/new/?after={cast.alpha_cycle.pk}"
    ).content.decode()

    select = body[body.index('name="parent"') :]
    select = select[: select.index("</select>")]
    assert select.index('label="This change idea: Idea"') < select.index(
        'label="Other change idea: Aaa other idea"'
    )
    assert select.index(cast.alpha_cycle.title) < select.index(elsewhere.title)
    assert cast.beta_cycle.title not in select


def test_choosing_the_change_idea_regroups_builds_on_through_htmx(cast):
    other = DriverNode.objects.create(
        collaborative=cast.falls,
        parent=idea(cast).parent,
        kind="change_idea",
        title="Zz other idea",
    )
    PDSACycle.objects.create(
        team=cast.alpha,
        change_idea=other,
        title="Bed alarms",
        planned_start=dt.date(2024, 3, 1),
        planned_end=dt.date(2024, 3, 7),
    )
    client = client_for(cast.users["lead"])
    url = f"/teams/{cast.alpha.pk}/cycles/new/"

    page = client.get(url).content.decode()
    partial = client.get(
        url, {"change_idea": other.pk, "parent": ""}, HTTP_HX_TARGET="parent-choice", **HTMX
    ).content.decode()

    assert 'hx-trigger="change from:#id_change_idea"' in page
    builds_on = page[page.index('name="parent"') :]
    assert builds_on.index('label="Change idea: Idea"') < builds_on.index("Zz other idea")
    assert "<html" not in partial
    assert partial.lstrip().startswith('<div id="parent-choice"')
    assert partial.index('label="This change idea: Zz other idea"') < partial.index(
        'label="Other change idea: Idea"'
    )


def test_it_does_not_follow_another_teams_cycle(cast):
    client = client_for(cast.users["lead"])

    response = client.get(f"/teams/{cast.alpha.pk}/cycles/new/?after={cast.beta_cycle.pk}")

    assert response.status_code == 404


# --- Do, study, act: each saved on its own ------------------------------------------------


@pytest.mark.parametrize(
    ("step", "data", "error"),
    [
        ("do", {"do_notes": ""}, "Enter what happened when you ran the test"),
        ("study", {"study_result": ""}, "Enter the result against the prediction"),
        ("act", {"act_decision": "", "completed_on": "2024-01-20"}, "Choose adopt, adapt or"),
        ("plan", {"title": ""}, "Enter a name for the test"),
    ],
)
def test_each_step_shows_its_errors(cast, step, data, error):
    client = client_for(cast.users["lead"])

    full = client.post(f"/cycles/{cast.alpha_cycle.pk}/{step}/", data)
    partial = client.post(f"/cycles/{cast.alpha_cycle.pk}/{step}/", data, **HTMX)

    assert full.status_code == 200
    assert "<title>Error: " in full.content.decode()
    assert "nhsuk-error-summary" in full.content.decode()
    assert error in full.content.decode()
    assert "<html" not in partial.content.decode()
    assert f'id="step-{step}"' in partial.content.decode()
    assert error in partial.content.decode()


def test_it_saves_each_step_and_moves_the_status_on(cast):
    cycle = cast.alpha_cycle
    client = client_for(cast.users["member"])

    done = client.post(f"/cycles/{cycle.pk}/do/", {"do_notes": "Ran it twice"}, **HTMX)
    cycle.refresh_from_db()
    assert cycle.status == "doing"
    assert "<html" not in done.content.decode()
    assert "Saved." in done.content.decode()

    studied = client.post(f"/cycles/{cycle.pk}/study/", {"study_result": "As predicted"})
    cycle.refresh_from_db()
    assert studied.status_code == 302
    assert studied["Location"] == f"/cycles/{cycle.pk}/#step-study"
    assert cycle.status == "studying"

    client.post(
        f"/cycles/{cycle.pk}/act/",
        {"act_decision": "adapt", "act_notes": "Try nights", "completed_on": "2024-01-16"},
    )
    cycle.refresh_from_db()
    assert (cycle.status, cycle.act_decision) == ("done", "adapt")

    # Correcting what happened later does not move the status back.
    client.post(f"/cycles/{cycle.pk}/do/", {"do_notes": "Ran it three times"})
    cycle.refresh_from_db()
    assert cycle.status == "done"


def test_an_htmx_save_refreshes_the_status_tag_out_of_band(cast):
    cycle = cast.alpha_cycle
    client = client_for(cast.users["member"])

    done = client.post(f"/cycles/{cycle.pk}/do/", {"do_notes": "Ran it"}, **HTMX).content.decode()
    cycle.study_result = "As predicted"
    cycle.save()
    acted = client.post(
        f"/cycles/{cycle.pk}/act/", {"act_decision": "adopt", "completed_on": "2024-01-16"}, **HTMX
    ).content.decode()

    status = done[done.index('id="cycle-status"') :]
    assert 'hx-swap-oob="true"' in status[: status.index(">")]
    assert ">Doing<" in status
    assert 'id="cycle-fidelity" hx-swap-oob="true"' in done
    assert ">Adopt<" in acted[acted.index('id="cycle-status"') :]


def test_a_refused_htmx_save_leaves_the_status_tag_alone(cast):
    client = client_for(cast.users["member"])

    body = client.post(
        f"/cycles/{cast.alpha_cycle.pk}/do/", {"do_notes": ""}, **HTMX
    ).content.decode()

    assert "hx-swap-oob" not in body


def test_a_cycle_cannot_finish_in_the_future(cast):
    cycle = cast.alpha_cycle
    cycle.study_result = "As predicted"
    cycle.save()
    client = client_for(cast.users["lead"])
    tomorrow = dt.date.today() + dt.timedelta(days=1)

    response = client.post(
        f"/cycles/{cycle.pk}/act/", {"act_decision": "adopt", "completed_on": tomorrow.isoformat()}
    )

    assert "Date the cycle finished must be today or in the past" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.act_decision == ""


def test_a_cycle_cannot_finish_before_it_starts(cast):
    cycle = cast.alpha_cycle
    cycle.study_result = "As predicted"
    cycle.save()
    client = client_for(cast.users["lead"])
    before = cycle.planned_start - dt.timedelta(days=1)

    response = client.post(
        f"/cycles/{cycle.pk}/act/", {"act_decision": "adopt", "completed_on": before.isoformat()}
    )

    assert "Date must be on or after the start" in response.content.decode()


def test_a_finished_cycle_cannot_be_replanned_to_start_after_it_finished(cast):
    cycle = cast.alpha_cycle
    cycle.study_result, cycle.act_decision, cycle.status = "ok", "adopt", "done"
    cycle.completed_on = cycle.planned_start + dt.timedelta(days=3)
    cycle.save()
    client = client_for(cast.users["lead"])
    late = cycle.completed_on + dt.timedelta(days=1)

    response = client.post(
        f"/cycles/{cycle.pk}/plan/",
        plan(cast, planned_start=late.isoformat(), planned_end=late.isoformat()),
    )

    assert "Planned start must be on or before the finish" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.planned_start < late


def test_it_asks_for_the_study_before_the_act(cast):
    client = client_for(cast.users["lead"])

    response = client.post(
        f"/cycles/{cast.alpha_cycle.pk}/act/",
        {"act_decision": "adopt", "completed_on": "2024-01-16"},
    )

    assert "Record the study before deciding what to do" in response.content.decode()
    cast.alpha_cycle.refresh_from_db()
    assert cast.alpha_cycle.act_decision == ""


def test_it_answers_404_for_an_unknown_step(cast):
    client = client_for(cast.users["lead"])

    assert client.post(f"/cycles/{cast.alpha_cycle.pk}/nap/", {}).status_code == 404


# --- The team page: ramps, fidelity, overdue ---------------------------------------------------


def test_the_team_page_shows_each_ramp_newest_last_with_its_decisions(cast):
    first = cast.alpha_cycle
    first.study_result, first.act_decision, first.status = "ok", "adapt", "done"
    first.save()
    second = PDSACycle.objects.create(
        team=cast.alpha,
        change_idea=first.change_idea,
        parent=first,
        title="Whole ward",
        planned_start=dt.date(2024, 2, 1),
        planned_end=dt.date(2024, 2, 14),
        study_result="ok",
        act_decision="adopt",
        status="done",
    )
    client = client_for(cast.users["lead"])

    body = client.get(f"/teams/{cast.alpha.pk}/").content.decode()

    ramps = body[body.index('id="ramps"') :]
    assert ramps.index(first.title) < ramps.index(second.title)
    assert ">Adapt<" in ramps and ">Adopt<" in ramps
    assert "Log a PDSA cycle" in body


def test_the_team_page_lists_overdue_cycles(cast):
    client = client_for(cast.users["lead"])

    body = client.get(f"/teams/{cast.alpha.pk}/").content.decode()

    assert 'id="overdue-cycles"' in body
    assert cast.alpha_cycle.title in body[body.index('id="overdue-cycles"') :]


def test_a_studied_and_decided_cycle_is_not_overdue(cast):
    cycle = cast.alpha_cycle
    cycle.study_result, cycle.act_decision = "ok", "adopt"
    assert not cycle.is_overdue(dt.date(2030, 1, 1))
    assert not PDSACycle(planned_end=dt.date(2030, 1, 1)).is_overdue(dt.date(2029, 1, 1))


def test_it_shows_which_fidelity_features_a_cycle_has(cast):
    cycle = cast.alpha_cycle
    cycle.prediction = "Fewer falls"
    cycle.study_result = "Two fewer falls"
    cycle.save()
    cycle.measures.add(cast.falls_rate)

    assert cycle.fidelity() == {
        "prediction": True,
        "small scale": False,
        "iteration": False,
        "data over time": True,
    }
    body = client_for(cast.users["lead"]).get(f"/cycles/{cycle.pk}/").content.decode()
    assert "Missing: </span>No small scale" in body


def test_a_cycle_that_is_only_a_plan_scores_nothing_for_documentation(cast):
    first = cast.alpha_cycle
    first.prediction, first.scale = "Fewer falls", "One shift"
    first.save()
    first.measures.add(cast.falls_rate)
    follow_on = PDSACycle.objects.create(
        team=cast.alpha,
        change_idea=first.change_idea,
        parent=first,
        title="Two shifts",
        planned_start=dt.date(2024, 2, 1),
        planned_end=dt.date(2024, 2, 7),
    )

    assert first.fidelity_count() == 0
    assert follow_on.fidelity()["iteration"] is False
    body = client_for(cast.users["lead"]).get(f"/teams/{cast.alpha.pk}/").content.decode()
    assert "0 of 4 features of a well-documented cycle" in body
    assert "4 of 4" not in body


def test_each_feature_counts_once_the_step_that_shows_it_is_filled_in(cast):
    first = cast.alpha_cycle
    first.prediction, first.scale = "Fewer falls", "One shift"
    first.save()
    first.measures.add(cast.falls_rate)
    PDSACycle.objects.create(
        team=cast.alpha,
        change_idea=first.change_idea,
        parent=first,
        title="Two shifts",
        planned_start=dt.date(2024, 2, 1),
        planned_end=dt.date(2024, 2, 7),
    )

    first.do_notes = "Ran it"
    assert first.fidelity() == {
        "prediction": False,
        "small scale": True,
        "iteration": False,
        "data over time": False,
    }
    first.study_result = "As predicted"
    assert first.fidelity_count() == 3
    first.act_decision = "adapt"
    assert first.fidelity_count() == 4


# --- Archive and restore ---------------------------------------------------------------------


def test_it_archives_and_restores_a_cycle(cast):
    cycle = cast.alpha_cycle
    client = client_for(cast.users["lead"])

    client.post(f"/cycles/{cycle.pk}/archive/")
    cycle.refresh_from_db()
    body = client.get(f"/teams/{cast.alpha.pk}/").content.decode()
    assert cycle.archived_at is not None
    assert "Archived cycles (1)" in body
    assert 'id="ramps"' not in body

    client.post(f"/cycles/{cycle.pk}/restore/")
    cycle.refresh_from_db()
    assert cycle.archived_at is None
    assert PDSACycle.objects.filter(pk=cycle.pk).exists()


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/cycles/{pk}/", "/cycles/{pk}/do/", "/cycles/{pk}/archive/", "/cycles/{pk}/restore/"],
)
def test_another_teams_cycle_answers_404(cast, url):
    client = client_for(cast.users["beta_lead"])
    url = url.format(pk=cast.alpha_cycle.pk)

    response = client.post(url, {"do_notes": "x"}) if url.count("/") > 3 else client.get(url)

    assert response.status_code == 404


def test_faculty_read_a_cycle_but_do_not_edit_it(cast):
    client = client_for(cast.users["faculty"])

    page = client.get(f"/cycles/{cast.alpha_cycle.pk}/")
    edit = client.post(f"/cycles/{cast.alpha_cycle.pk}/do/", {"do_notes": "x"})
    plan_page = client.get(f"/teams/{cast.alpha.pk}/cycles/new/")

    assert page.status_code == 200
    assert "Save what happened" not in page.content.decode()
    assert "None named: the cycle is on no chart" in page.content.decode()
    assert edit.status_code == 403
    assert plan_page.status_code == 403


# --- The collaborative's list ------------------------------------------------------------------


def test_the_collaborative_list_filters_with_htmx_and_gives_complete_shares(cast):
    cast.beta_cycle.study_result, cast.beta_cycle.act_decision = "ok", "abandon"
    cast.beta_cycle.status = "done"
    cast.beta_cycle.save()
    client = client_for(cast.users["faculty"])
    url = f"/collaboratives/{cast.falls.pk}/cycles/"

    full = client.get(url)
    partial = client.get(url, {"decision": "abandon"}, **HTMX)
    dated = client.get(url, {"since": "2025-01-01"}, **HTMX)

    body = full.content.decode()
    assert full.status_code == 200
    assert 'id="complete-shares"' in body
    assert "0 (0%)" in body
    assert "2 cycles" in body
    assert "<html" not in partial.content.decode()
    assert "1 cycle<" in partial.content.decode()
    assert "Beta Hospitals" in partial.content.decode()
    assert "Alpha Hospitals" not in partial.content.decode()
    assert "0 cycles" in dated.content.decode()


def test_the_collaborative_list_is_for_those_who_run_or_teach_it(cast):
    url = f"/collaboratives/{cast.falls.pk}/cycles/"

    assert client_for(cast.users["lead"]).get(url).status_code == 403
    assert client_for(cast.users["outsider"]).get(url).status_code == 404
    assert client_for(cast.users["falls_manager"]).get(url).status_code == 200


# --- Local change ideas ------------------------------------------------------------------------


def test_a_team_adds_its_own_change_idea_and_tests_it(cast):
    secondary = idea(cast).parent
    client = client_for(cast.users["lead"])

    errors = client.post(f"/teams/{cast.alpha.pk}/change-ideas/new/", {"parent": "", "title": ""})
    wrong = client.post(
        f"/teams/{cast.alpha.pk}/change-ideas/new/",
        {"parent": secondary.parent_id, "title": "Under a primary"},
    )
    added = client.post(
        f"/teams/{cast.alpha.pk}/change-ideas/new/", {"parent": secondary.pk, "title": "Bed alarms"}
    )

    local = DriverNode.objects.get(title="Bed alarms")
    assert "Choose where the node goes" in errors.content.decode()
    assert wrong.status_code == 200
    assert added.status_code == 302
    assert (local.team, local.kind, local.parent) == (cast.alpha, "change_idea", secondary)
    planned = client.post(f"/teams/{cast.alpha.pk}/cycles/new/", plan(cast, change_idea=local.pk))
    assert planned.status_code == 302
    beta = client_for(cast.users["beta_lead"]).get(
        f"/collaboratives/{cast.falls.pk}/driver-diagram/"
    )
    assert "Bed alarms" not in beta.content.decode()
    faculty = client_for(cast.users["faculty"]).get(
        f"/collaboratives/{cast.falls.pk}/driver-diagram/"
    )
    assert "Bed alarms" in faculty.content.decode()
    assert (
        client_for(cast.users["faculty"])
        .post(f"/teams/{cast.alpha.pk}/change-ideas/new/", {"parent": secondary.pk, "title": "x"})
        .status_code
        == 403
    )


# --- Query counts ------------------------------------------------------------------------------


def more_cycles(cast, n: int) -> None:
    for i in range(n):
        parent = PDSACycle.objects.filter(team=cast.alpha).order_by("-id").first()
        cycle = PDSACycle.objects.create(
            team=cast.alpha,
            change_idea=idea(cast),
            parent=parent,
            title=f"Cycle {i}",
            planned_start=dt.date(2024, 2, 1) + dt.timedelta(days=i),
            planned_end=dt.date(2024, 2, 8) + dt.timedelta(days=i),
        )
        cycle.measures.add(cast.falls_rate)


@pytest.mark.parametrize("n", [2, 20])
def test_the_team_page_and_the_cycle_list_ask_a_fixed_number_of_queries(
    cast, n, django_assert_max_num_queries
):
    more_cycles(cast, n)
    lead = client_for(cast.users["lead"])
    faculty = client_for(cast.users["faculty"])

    with django_assert_max_num_queries(16):
        assert lead.get(f"/teams/{cast.alpha.pk}/").status_code == 200
    with django_assert_max_num_queries(9):
        assert faculty.get(f"/collaboratives/{cast.falls.pk}/cycles/").status_code == 200
