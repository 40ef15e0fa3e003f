"""Teams outside the funnel limits say why; faculty judge whether the variation is warranted.
Notes are added, never edited, and the history is kept."""

import pytest
from django.urls import reverse
from django.utils import timezone

from collaboratives.models import Collaborative
from dashboards.models import VariationNote
from tests.cast import client_for
from tests.dashboards.dashboard_cast import TODAY, add_teams, build_dashboard_cast

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
REASON = {"kind": "reason", "reason-{pk}-reason": "case_mix", "reason-{pk}-text": "{text}"}
JUDGEMENT = {
    "kind": "judgement",
    "judgement-{pk}-judgement": "warranted",
    "judgement-{pk}-text": "{text}",
}


@pytest.fixture
def cast(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    cast = build_dashboard_cast()
    add_teams(cast, 8)  # eight similar teams: alpha's last three months stand out
    return cast


def post(cast, who, team, form, text="Our ward takes the frailest patients.", htmx=False):
    data = {k.format(pk=team.pk): v.format(text=text) for k, v in form.items()}
    path = reverse("dashboard_variation_note", args=[cast.falls.pk, team.pk])
    path += f"?measure={cast.cm.pk}&window=3"
    return client_for(cast.users[who]).post(path, data, headers=HTMX if htmx else {})


def funnel(cast, who):
    path = reverse("dashboard_collaborative_funnel", args=[cast.falls.pk])
    return client_for(cast.users[who]).get(f"{path}?measure={cast.cm.pk}&window=3", headers=HTMX)


def test_alpha_is_outside_the_limits_and_its_people_are_asked_why(cast):
    response = funnel(cast, "lead")
    (row,) = [r for r in response.context["outside"] if r["unit"].team == cast.alpha]
    assert row["unit"].outside.startswith("above")
    assert row["reason_form"] is not None and row["judgement_form"] is None
    html = response.content.decode()
    assert "The team has not said why yet." in html and "Say why" in html


@pytest.mark.parametrize("who", ["lead", "member", "manager"])
def test_the_team_or_its_manager_records_why(cast, who):
    response = post(cast, who, cast.alpha, REASON)
    assert response.status_code == 302
    funnel_page = reverse("dashboard_collaborative_funnel", args=[cast.falls.pk])
    assert response["Location"] == (
        f"{funnel_page}?measure={cast.cm.pk}&window=3#outside-{cast.alpha.pk}"
    )
    note = VariationNote.objects.get()
    assert (note.team, note.kind, note.reason) == (cast.alpha, "reason", "case_mix")
    assert note.collaborative_measure == cast.cm and note.created_by == cast.users[who]
    assert note.window_end is not None and note.window_start is not None


def test_faculty_judge_and_the_history_is_kept(cast):
    assert post(cast, "lead", cast.alpha, REASON, text="Frail patients.").status_code == 302
    assert post(cast, "lead", cast.alpha, REASON, text="And a new unit.").status_code == 302
    response = post(cast, "faculty", cast.alpha, JUDGEMENT, text="Case mix explains it.", htmx=True)
    assert response.status_code == 200 and response.context["saved"]
    html = response.content.decode()
    assert "<html" not in html and "Warranted variation" in html
    assert "And a new unit." in html  # the newest reason is in force
    assert "Every note (3" in html and "Frail patients." in html  # the older one is kept
    assert VariationNote.objects.count() == 3
    note = VariationNote.objects.first()
    with pytest.raises(TypeError):
        note.save()


@pytest.mark.parametrize("who", ["lead", "member", "beta_lead"])
def test_teams_cannot_judge_variation(cast, who):
    assert post(cast, who, cast.alpha, JUDGEMENT).status_code == 403
    assert not VariationNote.objects.exists()


def test_a_peer_cannot_speak_for_another_team_nor_read_its_notes(cast):
    assert post(cast, "beta_lead", cast.alpha, REASON).status_code == 404
    post(cast, "lead", cast.alpha, REASON, text="Our private local cause.")
    response = funnel(cast, "beta_lead")
    html = response.content.decode()
    assert "Our private local cause." not in html
    (row,) = [r for r in response.context["outside"] if r["unit"].team == cast.alpha]
    assert not row["notes_shown"] and row["reason_form"] is None and row["judgement_form"] is None


def test_outsiders_get_404(cast):
    assert post(cast, "outsider", cast.alpha, REASON).status_code == 404
    assert post(cast, "outsider", cast.alpha, JUDGEMENT).status_code == 404
    # a team of another collaborative through this one's URL
    path = reverse("dashboard_variation_note", args=[cast.falls.pk, cast.delta.pk])
    assert client_for(cast.users["faculty"]).post(path, {"kind": "judgement"}).status_code == 404


def test_a_note_needs_its_fields(cast):
    response = post(cast, "lead", cast.alpha, {**REASON, "reason-{pk}-reason": ""}, htmx=True)
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not VariationNote.objects.exists()


def test_a_closed_collaborative_takes_no_notes(cast):
    cast.falls.phase = Collaborative.Phase.CLOSED
    cast.falls.save()
    assert post(cast, "lead", cast.alpha, REASON).status_code == 403
    assert post(cast, "faculty", cast.alpha, JUDGEMENT).status_code == 403
    response = funnel(cast, "faculty")
    (row,) = [r for r in response.context["outside"] if r["unit"].team == cast.alpha]
    assert row["judgement_form"] is None and row["reason_form"] is None


@pytest.mark.parametrize("written", ["943.476.5919", "943\u00a0476\u20095919", "9434 765 919"])
def test_a_note_with_an_nhs_number_is_refused(cast, written):
    response = post(cast, "lead", cast.alpha, REASON, text=f"Patient {written} fell")
    assert response.status_code in (200, 400)
    assert "Remove the NHS number" in response.content.decode()
    response = post(cast, "faculty", cast.alpha, JUDGEMENT, text=f"See {written}")
    assert "Remove the NHS number" in response.content.decode()
    assert not VariationNote.objects.exists()
