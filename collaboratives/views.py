from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from collaboratives import workflows
from collaboratives.forms import (
    CYCLE_STEPS,
    AssessmentForm,
    CollaborativeForm,
    ConsentForm,
    CycleFilterForm,
    CyclePlanForm,
    DateForm,
    DesignChangeForm,
    DesignCloseForm,
    DesignStartForm,
    DriverNodeForm,
    GoalForm,
    LearningEventForm,
    LibraryMeasureForm,
    MeasureForm,
    MeasureSetAddForm,
    MeasureSetRemoveForm,
    MembershipForm,
    PhaseForm,
    StretchTargetForm,
    TeamForm,
)
from collaboratives.models import (
    ASSESSMENT_LEVELS,
    Collaborative,
    DesignFeature,
    DesignRecord,
    DesignRecordEntry,
    DriverNode,
    Organisation,
    PDSACycle,
    Team,
    TeamAssessment,
)
from collaboratives.versions import EditConflict, conflict_message, version_field
from governance import access, reporting
from governance.models import Role, RoleAssignment
from measures.exporters.formats import render_csv

# --- Setting a collaborative up ------------------------------------------------------------


def _bound(request: HttpRequest):
    return request.POST if request.method == "POST" else None


@login_required
def collaborative_create(request: HttpRequest) -> HttpResponse:
    ahsns = access.ahsns_for_new_collaboratives(request.user)
    if not ahsns.exists():
        raise PermissionDenied
    form = CollaborativeForm(_bound(request), ahsns=ahsns)
    if request.method == "POST" and form.is_valid():
        collaborative = workflows.collaborative_create(
            form=form, new_topic_name=form.cleaned_data["new_topic_name"].strip()
        )
        messages.success(request, f"{collaborative} was created. Next, build its measure set.")
        return redirect("collaborative", pk=collaborative.pk)
    return render(request, "collaboratives/collaborative_form.html", {"form": form})


@login_required
def collaborative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    collaborative = access.collaborative_for(request.user, pk)
    user = request.user
    teams = [
        access.named_for(user, team)
        for team in Team.objects.visible_to(user)
        .filter(collaborative=collaborative)
        .select_related("organisation", "lead", "collaborative")
        .order_by("status", "organisation__name", "unit")
    ]
    context = {
        "collaborative": collaborative,
        "target": collaborative.current_stretch_target(),
        "measure_set": collaborative.measure_set.select_related("measure"),
        "teams": teams,
        "partners": collaborative.partner_ahsns.all(),
        "can_manage": access.can(user, access.MANAGE, collaborative),
        "can_curate": access.can(user, access.CURATE, collaborative),
        "can_monitor": access.can(user, access.MONITOR, collaborative),
        "can_invite": any(
            access.can_invite(user, role, collaborative=collaborative)
            for role in (Role.CLINICAL_LEAD, Role.IMPROVEMENT_MANAGER)
        ),
    }
    return render(request, "collaboratives/collaborative_detail.html", context)


@login_required
def collaborative_edit(request: HttpRequest, pk: int) -> HttpResponse:
    collaborative = access.collaborative_for(request.user, pk, access.MANAGE)
    form = CollaborativeForm(_bound(request), instance=collaborative)
    if request.method == "POST" and form.is_valid():
        workflows.collaborative_save(form=form, new_topic_name=form.cleaned_data["new_topic_name"])
        messages.success(request, "The collaborative's details were saved.")
        return redirect("collaborative", pk=collaborative.pk)
    return render(
        request,
        "collaboratives/collaborative_form.html",
        {"form": form, "collaborative": collaborative},
    )


@login_required
def collaborative_phase(request: HttpRequest, pk: int) -> HttpResponse:
    collaborative = access.collaborative_for(request.user, pk, access.MANAGE)
    form = PhaseForm(_bound(request), collaborative=collaborative)
    if request.method == "POST" and form.is_valid():
        workflows.collaborative_move_phase(
            collaborative=collaborative,
            to_phase=form.cleaned_data["phase"],
            on=form.cleaned_data["moved_on"],
            user=request.user,
        )
        messages.success(request, f"{collaborative} is now {collaborative.get_phase_display()}.")
        return redirect("collaborative", pk=collaborative.pk)
    return render(
        request,
        "collaboratives/phase_form.html",
        {
            "form": form,
            "collaborative": collaborative,
            "changes": collaborative.phase_changes.select_related("moved_by__person"),
        },
    )


@login_required
def stretch_target(request: HttpRequest, pk: int) -> HttpResponse:
    """The target's history for anyone who sees the collaborative; a new setting for its runners."""
    action = access.MANAGE if request.method == "POST" else access.VIEW
    collaborative = access.collaborative_for(request.user, pk, action)
    current = collaborative.current_stretch_target()
    initial = {}
    if current:
        initial = {
            name: getattr(current, name)
            for name in StretchTargetForm.Meta.fields
            if name not in ("reason",)
        }
        initial["measure"] = current.measure_id
    form = StretchTargetForm(_bound(request), collaborative=collaborative, initial=initial)
    if request.method == "POST" and form.is_valid():
        workflows.stretch_target_set(
            collaborative=collaborative, data=form.cleaned_data, user=request.user
        )
        messages.success(request, "The stretch target was set. Its history keeps the reason.")
        return redirect("stretch_target", pk=collaborative.pk)
    history = collaborative.stretch_targets.select_related("measure", "set_by__person")
    return render(
        request,
        "collaboratives/stretch_target.html",
        {
            "collaborative": collaborative,
            "form": form,
            "current": current,
            "history": history,
            "can_manage": access.can(request.user, access.MANAGE, collaborative),
        },
    )


@login_required
def measure_set(request: HttpRequest, pk: int) -> HttpResponse:
    """The collaborative's measures; faculty and managers add from the topic's library."""
    action = access.CURATE if request.method == "POST" else access.VIEW
    collaborative = access.collaborative_for(request.user, pk, action)
    form = MeasureSetAddForm(_bound(request), collaborative=collaborative)
    if request.method == "POST" and form.is_valid():
        entry = workflows.measure_set_add(
            collaborative=collaborative, by=request.user, **form.cleaned_data
        )
        kind = "mandatory: every team now has its series" if entry.mandatory else "optional"
        messages.success(request, f"{entry.measure} was added, {kind}.")
        return redirect("measure_set", pk=collaborative.pk)
    return render(
        request,
        "collaboratives/measure_set.html",
        {
            "collaborative": collaborative,
            "form": form,
            "entries": collaborative.measure_set.select_related("measure"),
            "can_curate": access.can(request.user, access.CURATE, collaborative),
            "can_manage": access.can(request.user, access.MANAGE, collaborative),
            "history": workflows.measure_set_history(collaborative)[:50],
        },
    )


def _measure_set_entry(request: HttpRequest, pk: int, entry_pk: int, action: str):
    collaborative = access.collaborative_for(request.user, pk, action)
    return get_object_or_404(
        collaborative.measure_set.select_related("measure", "collaborative"), pk=entry_pk
    )


def _back_to_entry(entry) -> HttpResponse:
    """Back to the set, at the row just changed, so a keyboard user keeps their place."""
    return redirect(f"{reverse('measure_set', args=[entry.collaborative_id])}#entry-{entry.pk}")


@login_required
@require_POST
def measure_set_mandatory(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    entry = _measure_set_entry(request, pk, entry_pk, access.CURATE)
    workflows.measure_set_make_mandatory(entry=entry, by=request.user)
    messages.success(request, f"{entry.measure} is now mandatory: every team has its series.")
    return _back_to_entry(entry)


@login_required
@require_POST
def measure_set_optional(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    entry = _measure_set_entry(request, pk, entry_pk, access.CURATE)
    workflows.measure_set_make_optional(entry=entry, by=request.user)
    messages.success(
        request, f"{entry.measure} is now optional: teams choose it. Their data is kept."
    )
    return _back_to_entry(entry)


@login_required
@require_POST
def measure_set_move(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """One place up or down (`direction`), by buttons: no dragging needed."""
    entry = _measure_set_entry(request, pk, entry_pk, access.CURATE)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        raise Http404("No such direction")
    if workflows.measure_set_move(entry=entry, up=direction == "up"):
        messages.success(request, f"{entry.measure} moved {direction}.")
    return _back_to_entry(entry)


@login_required
def measure_set_remove(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """Take a measure out of the set, saying why; the teams' series and data stay."""
    entry = _measure_set_entry(request, pk, entry_pk, access.MANAGE)
    form = MeasureSetRemoveForm(_bound(request))
    if request.method == "POST" and form.is_valid():
        workflows.measure_set_remove(
            entry=entry, by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            f"{entry.measure} left the measure set. The teams' data for it is kept.",
        )
        return redirect("measure_set", pk=entry.collaborative_id)
    teams = entry.measure.series.filter(team__collaborative_id=entry.collaborative_id)
    return render(
        request,
        "collaboratives/measure_set_remove.html",
        {
            "collaborative": entry.collaborative,
            "entry": entry,
            "form": form,
            "series_count": teams.count(),
        },
    )


@login_required
def measure_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new measure in the topic's library, added to this collaborative's set."""
    collaborative = access.collaborative_for(request.user, pk, access.CURATE)
    form = LibraryMeasureForm(_bound(request), topic=collaborative.topic)
    if request.method == "POST" and form.is_valid():
        measure = form.save(commit=False)
        measure.topic = collaborative.topic
        with transaction.atomic():
            measure.save()
            workflows.measure_set_add(
                collaborative=collaborative,
                measure=measure,
                mandatory=form.cleaned_data["mandatory"],
                target=form.cleaned_data["target"],
            )
        messages.success(request, f"{measure} was added to the {collaborative.topic} library.")
        return redirect("measure_set", pk=collaborative.pk)
    return render(
        request,
        "collaboratives/measure_form.html",
        {"collaborative": collaborative, "form": form, "library": True},
    )


@login_required
def overdue(request: HttpRequest, pk: int) -> HttpResponse:
    """Which teams owe which periods' data."""
    collaborative = access.collaborative_for(request.user, pk, access.MONITOR)
    today = timezone.localdate()
    return render(
        request,
        "collaboratives/overdue.html",
        {
            "collaborative": collaborative,
            "owed": reporting.overdue(collaborative, today),
            "today": today,
        },
    )


# --- Teams -------------------------------------------------------------------------------------


def _search_organisations(query: str):
    query = query.replace("\x00", "").strip()  # PostgreSQL refuses NUL in a text lookup
    if len(query) < 2:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        Q(name__icontains=query) | Q(ods_code__iexact=query) | Q(ods_code__istartswith=query)
    ).order_by("name")[:20]


@login_required
def team_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a member organisation as a team: search by name or ODS code, choose, add.

    The search runs as you type with htmx (the `results` partial) and as a plain GET
    form without JavaScript.
    """
    collaborative = access.collaborative_for(request.user, pk, access.MANAGE)
    query = request.GET.get("q", "")
    form = TeamForm(_bound(request), collaborative=collaborative)
    if request.method == "POST" and form.is_valid():
        team = workflows.team_create(form=form, collaborative=collaborative)
        messages.success(request, f"{team} joined as {team.pseudonym}.")
        return redirect("collaborative", pk=collaborative.pk)
    if request.method == "POST" and form.cleaned_data.get("organisation"):
        results = [form.cleaned_data["organisation"]]
    else:
        results = list(_search_organisations(query))
    context = {"collaborative": collaborative, "form": form, "query": query, "results": results}
    if request.htmx:
        return render(request, "collaboratives/team_form.html#results", context)
    return render(request, "collaboratives/team_form.html", context)


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = access.team_for(request.user, pk)
    user = request.user
    collaborative = team.collaborative
    # Through the access module: a national viewer does not see a team's own (private) measures.
    series = list(
        access.visible(team.series.select_related("measure"), user).order_by(
            "measure__team", "measure__name"
        )
    )
    chosen = {s.measure_id for s in series}
    entries = list(collaborative.measure_set.select_related("measure"))
    targets = {e.measure_id: e.target for e in entries}
    logins = (
        RoleAssignment.objects.filter(team=team, person__user__isnull=False)
        .select_related("person__user")
        .order_by("person__name")
    )
    today = timezone.localdate()
    cycles = list(
        team.cycles.with_fidelity().select_related("change_idea").order_by("planned_start", "id")
    )
    current = [c for c in cycles if c.archived_at is None]
    context = {
        "team": team,
        "collaborative": collaborative,
        "ramps": workflows.cycle_ramps(current),
        "health": workflows.team_health(team=team, today=today),
        "overdue_cycles": [c for c in current if c.is_overdue(today)],
        "archived_cycles": [c for c in cycles if c.archived_at is not None],
        "memberships": team.memberships.select_related("person"),
        "series": [(s, targets.get(s.measure_id)) for s in series],
        "optional": [e for e in entries if not e.mandatory and e.measure_id not in chosen],
        "logins": [(a, access.can_deactivate(user, a.person.user)) for a in logins],
        "can_manage": access.can(user, access.MANAGE, team),
        "can_manage_team": access.can(user, access.MANAGE_TEAM, team),
        "can_edit_data": access.can(user, access.EDIT_DATA, team),
        "can_invite": access.can_invite(user, Role.TEAM_MEMBER, team=team),
        "invite_lead": access.can_invite(user, Role.TRUST_LEAD, team=team),
        "consent_form": ConsentForm(instance=team),
    }
    return render(request, "collaboratives/team_detail.html", context)


@login_required
@require_POST
def team_restore(request: HttpRequest, pk: int) -> HttpResponse:
    team = access.team_for(request.user, pk, access.MANAGE)
    if team.status == Team.Status.WITHDRAWN:
        workflows.team_restore(team=team)
        messages.success(request, f"{team} is active again.")
    return redirect("team", pk=team.pk)


@login_required
def team_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    team = access.team_for(request.user, pk, access.MANAGE)
    form = DateForm(_bound(request), label="Date the team withdrew", not_before=team.joined_on)
    if request.method == "POST" and form.is_valid():
        workflows.team_withdraw(team=team, on=form.cleaned_data["on"])
        messages.success(request, f"{team} was withdrawn. Its data is kept.")
        return redirect("collaborative", pk=team.collaborative_id)
    return render(
        request,
        "collaboratives/date_form.html",
        {
            "team": team,
            "form": form,
            "heading": "Withdraw the team",
            "explanation": "It leaves the active lists and owes no more data. Its data, "
            "cycles and people are kept and can still be read.",
            "button": "Withdraw the team",
            "warning": True,
        },
    )


@login_required
@require_POST
def team_consent(request: HttpRequest, pk: int) -> HttpResponse:
    team = access.team_for(request.user, pk, access.MANAGE_TEAM)
    form = ConsentForm(request.POST, instance=team)
    if form.is_valid():
        form.save()
        messages.success(
            request,
            f"Saved: peers see {'its name' if team.named_to_peers else team.pseudonym}.",
        )
    return redirect("team", pk=team.pk)


@login_required
def membership_create(request: HttpRequest, pk: int) -> HttpResponse:
    team = access.team_for(request.user, pk, access.MANAGE_TEAM)
    form = MembershipForm(_bound(request))
    if request.method == "POST" and form.is_valid():
        membership = workflows.membership_add(team=team, data=form.cleaned_data)
        messages.success(request, f"{membership.person} was added to the team.")
        return redirect("team", pk=team.pk)
    return render(request, "collaboratives/membership_form.html", {"team": team, "form": form})


@login_required
def membership_end(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    membership = access.membership_for(request.user, pk, membership_pk)
    team = membership.team
    form = DateForm(_bound(request), label="Date they left", not_before=membership.joined_on)
    if request.method == "POST" and form.is_valid():
        workflows.membership_end(membership=membership, on=form.cleaned_data["on"])
        messages.success(request, f"{membership.person} left the team.")
        return redirect("team", pk=team.pk)
    return render(
        request,
        "collaboratives/date_form.html",
        {
            "team": team,
            "form": form,
            "heading": f"{membership.person} leaves the team",
            "explanation": "They stay in the team's history, with the dates they were in it.",
            "button": "Record leaving",
        },
    )


@login_required
@require_POST
def team_choose_measure(request: HttpRequest, pk: int) -> HttpResponse:
    team = access.team_for(request.user, pk, access.MANAGE_TEAM)
    entry_pk = request.POST.get("entry", "")
    if not entry_pk.isdecimal():  # a missing or mangled choice is not found, not a crash
        raise Http404("No such measure in the set")
    entry = get_object_or_404(
        team.collaborative.measure_set.select_related("measure"),
        pk=entry_pk,
        mandatory=False,
    )
    workflows.team_choose_measure(team=team, measure=entry.measure)
    messages.success(request, f"The team now reports {entry.measure}.")
    return redirect("team", pk=team.pk)


@login_required
def team_measure_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A team's own measure, beside the collaborative's."""
    team = access.team_for(request.user, pk, access.MANAGE_TEAM)
    form = MeasureForm(_bound(request), team=team)
    if request.method == "POST" and form.is_valid():
        series = workflows.team_add_custom_measure(team=team, form=form)
        messages.success(request, f"{series.measure} was added to the team's measures.")
        return redirect("team", pk=team.pk)
    return render(
        request,
        "collaboratives/measure_form.html",
        {"collaborative": team.collaborative, "team": team, "form": form},
    )


@login_required
def series_goal(request: HttpRequest, pk: int) -> HttpResponse:
    """The team's own goal line for one measure."""
    series = access.series_for(request.user, pk, access.EDIT_DATA)
    form = GoalForm(_bound(request), initial={"goal": series.goal})
    if request.method == "POST" and form.is_valid():
        series.goal = form.cleaned_data["goal"]
        series.save(update_fields=["goal"])
        messages.success(request, f"The team's goal for {series.measure} was saved.")
        return redirect("team", pk=series.team_id)
    return render(request, "collaboratives/goal_form.html", {"series": series, "form": form})


# --- PDSA cycles -----------------------------------------------------------------------------

STEP_LABELS = {
    "plan": ("Plan", "Save the plan"),
    "do": ("Do", "Save what happened"),
    "study": ("Study", "Save the study"),
    "act": ("Act", "Save the decision"),
}


@login_required
def cycle_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan a new cycle for the team; `?after=<cycle>` plans a follow-on cycle in its ramp."""
    team = access.team_for(request.user, pk, access.EDIT_DATA)
    initial = {}
    parent = None
    if request.GET.get("after"):
        after = request.GET["after"]
        if not (after.isascii() and after.isdigit()):  # not an id: no such cycle, not a 500
            raise Http404("No such cycle to follow on from")
        parent = get_object_or_404(team.cycles.current(), pk=int(after))
        initial = {
            "parent": parent.pk,
            "change_idea": parent.change_idea_id,
            "question": parent.question,
            "plan_who": parent.plan_who,
            "plan_where": parent.plan_where,
            "scale": parent.scale,
            "data_to_collect": parent.data_to_collect,
            "measures": list(parent.measures.values_list("pk", flat=True)),
        }
    if request.htmx and request.htmx.target == "parent-choice":
        # The change idea was just chosen: offer its cycles first, keeping any choice made.
        chosen = {k: request.GET.get(k, "") for k in ("change_idea", "parent")}
        form = CyclePlanForm(team=team, initial={**initial, **chosen})
        context = {"form": form, "parent_url": reverse("cycle_create", args=[team.pk])}
        return render(request, "collaboratives/_cycle_plan_fields.html#parent", context)
    form = CyclePlanForm(_bound(request), team=team, initial=initial)
    if request.method == "POST" and form.is_valid():
        cycle = workflows.cycle_create(form=form, team=team, user=request.user)
        messages.success(request, f"The plan for {cycle} was saved. Record the rest as you go.")
        return redirect("cycle", pk=cycle.pk)
    return render(
        request,
        "collaboratives/cycle_form.html",
        {
            "team": team,
            "collaborative": team.collaborative,
            "form": form,
            "parent": parent,
            "parent_url": reverse("cycle_create", args=[team.pk]),
        },
    )


# The text of each step quoted to someone whose save lost to another's.
STEP_TEXT = {"plan": "question", "do": "do_notes", "study": "study_result", "act": "act_notes"}


def _cycle_steps(cycle: PDSACycle, bound_step: str = "", data=None) -> list[dict]:
    steps = []
    for name, form_class in CYCLE_STEPS.items():
        kwargs = {"instance": cycle}
        if name == "plan":
            kwargs["team"] = cycle.team
        form = form_class(data if name == bound_step else None, **kwargs)
        # The version the page was opened at (collaboratives/versions.py).
        form.fields["version"] = version_field(getattr(cycle, f"{name}_version"))
        label, button = STEP_LABELS[name]
        steps.append({"name": name, "label": label, "button": button, "form": form})
    return steps


def _cycle_context(request: HttpRequest, cycle: PDSACycle, steps: list[dict]) -> dict:
    return {
        "cycle": cycle,
        "team": cycle.team,
        "collaborative": cycle.team.collaborative,
        "steps": steps,
        "fidelity": cycle.fidelity(),
        "follow_ons": cycle.next_cycles.current(),
        "overdue": cycle.is_overdue(timezone.localdate()),
        "can_edit": access.can(request.user, access.EDIT_DATA, cycle),
    }


@login_required
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One cycle: its four steps, each with its own form, and which fidelity features it has."""
    cycle = access.cycle_for(request.user, pk)
    return render(
        request,
        "collaboratives/cycle_detail.html",
        _cycle_context(request, cycle, _cycle_steps(cycle)),
    )


@login_required
@require_POST
def cycle_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Save one step of a cycle. htmx gets the step's section back; without it, the page."""
    cycle = access.cycle_for(request.user, pk, access.EDIT_DATA)
    if step not in CYCLE_STEPS:
        raise Http404("No such step")
    steps = _cycle_steps(cycle, step, request.POST)
    current = next(s for s in steps if s["name"] == step)
    saved = current["form"].is_valid()
    status = 200
    if saved:
        try:
            cycle = workflows.cycle_save_step(form=current["form"], step=step)
        except EditConflict:
            # Theirs stands. Show it, keep the typed text, and carry the version now
            # stored, so that saving again replaces theirs on purpose.
            saved, status = False, 409
            cycle = access.cycle_for(request.user, pk, access.EDIT_DATA)
            theirs = getattr(cycle, STEP_TEXT[step])  # before the form fills in mine
            data = request.POST.copy()
            data["version"] = getattr(cycle, f"{step}_version")
            steps = _cycle_steps(cycle, step, data)
            current = next(s for s in steps if s["name"] == step)
            current["form"].is_valid()
            current["form"].add_error(None, conflict_message(theirs))
        else:
            if not request.htmx:
                messages.success(request, f"{current['label']} was saved.")
                return redirect(f"{reverse('cycle', args=[cycle.pk])}#step-{step}")
            current = _cycle_steps(cycle)[list(CYCLE_STEPS).index(step)]
    context = _cycle_context(request, cycle, steps)
    if request.htmx:  # htmx swaps in 200 answers only
        context.update(step=current, saved=saved, partial=True)
        return render(request, "collaboratives/cycle_detail.html#step", context)
    return render(request, "collaboratives/cycle_detail.html", context, status=status)


@login_required
@require_POST
def cycle_archive(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = access.cycle_for(request.user, pk, access.EDIT_DATA)
    workflows.cycle_archive(cycle=cycle)
    messages.success(request, f"{cycle} was archived. You can restore it from the team page.")
    return redirect("team", pk=cycle.team_id)


@login_required
@require_POST
def cycle_restore(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = access.cycle_for(request.user, pk, access.EDIT_DATA)
    workflows.cycle_restore(cycle=cycle)
    messages.success(request, f"{cycle} was restored.")
    return redirect("cycle", pk=cycle.pk)


@login_required
def collaborative_cycles(request: HttpRequest, pk: int) -> HttpResponse:
    """Every team's cycles, filtered by change idea, decision and date; the share of complete
    cycles per team, so faculty can coach."""
    collaborative = access.collaborative_for(request.user, pk, access.MONITOR)
    form = CycleFilterForm(request.GET or None, collaborative=collaborative)
    everything = (
        PDSACycle.objects.visible_to(request.user)
        .current()
        .filter(team__collaborative=collaborative)
        .with_fidelity()
        .select_related("team__organisation", "change_idea")
        .order_by("-planned_start", "-id")
    )
    cycles = list(form.filter(everything))
    shares: dict[int, dict] = {}
    for c in everything:
        share = shares.setdefault(c.team_id, {"team": c.team, "cycles": 0, "complete": 0})
        share["cycles"] += 1
        share["complete"] += all(c.fidelity().values())
    for share in shares.values():
        share["percent"] = round(100 * share["complete"] / share["cycles"])
    context = {
        "collaborative": collaborative,
        "form": form,
        "cycles": [(c, c.fidelity()) for c in cycles],
        "shares": sorted(shares.values(), key=lambda s: str(s["team"])),
    }
    if request.htmx:
        return render(request, "collaboratives/cycle_list.html#results", context)
    return render(request, "collaboratives/cycle_list.html", context)


# --- The driver diagram and the change package ---------------------------------------------------


def _diagram_context(request: HttpRequest, collaborative: Collaborative, form=None) -> dict:
    """The tree, each change idea's spread (teams testing, cycles, teams adopting), the form."""
    current = Q(cycles__archived_at__isnull=True)
    nodes = (
        DriverNode.objects.visible_to(request.user)
        .filter(collaborative=collaborative)
        .select_related("team")
        .annotate(
            teams_testing=Count("cycles__team", filter=current, distinct=True),
            cycle_count=Count("cycles", filter=current, distinct=True),
            teams_adopting=Count(
                "cycles__team", filter=current & Q(cycles__act_decision="adopt"), distinct=True
            ),
        )
    )
    tree, retired = workflows.driver_tree(nodes)
    can_curate = access.can(request.user, access.CURATE, collaborative)
    if can_curate and form is None:
        form = DriverNodeForm(collaborative=collaborative)
    return {
        "collaborative": collaborative,
        "tree": tree,
        "retired": retired,
        "form": form,
        "can_curate": can_curate,
        "can_export": access.can(request.user, access.EXPORT, collaborative),
        "change_ideas": sorted(
            (n for n in nodes if n.kind == DriverNode.Kind.CHANGE_IDEA and not n.archived_at),
            key=lambda n: (-n.teams_adopting, -n.teams_testing, n.title),
        ),
    }


def _diagram_response(request: HttpRequest, collaborative: Collaborative, form=None):
    context = _diagram_context(request, collaborative, form)
    if request.htmx:
        return render(request, "collaboratives/driver_diagram.html#diagram", context)
    return render(request, "collaboratives/driver_diagram.html", context)


@login_required
def driver_diagram(request: HttpRequest, pk: int) -> HttpResponse:
    """The driver diagram, left to right, with each change idea's spread; faculty add nodes."""
    action = access.CURATE if request.method == "POST" else access.VIEW
    collaborative = access.collaborative_for(request.user, pk, action)
    if request.method == "POST" and collaborative.driver_nodes.filter(kind="aim").exists():
        form = DriverNodeForm(request.POST, collaborative=collaborative)
        if form.is_valid():
            node = form.save()
            if not request.htmx:
                messages.success(request, f"{node.get_kind_display()} {node} was added.")
                return redirect("driver_diagram", pk=collaborative.pk)
            form = None
        return _diagram_response(request, collaborative, form)
    if request.method == "POST":
        DriverNode.objects.create(
            collaborative=collaborative, kind=DriverNode.Kind.AIM, title=collaborative.aim_statement
        )
        return redirect("driver_diagram", pk=collaborative.pk)
    return _diagram_response(request, collaborative)


def _node_for(request: HttpRequest, pk: int, node_pk: int) -> DriverNode:
    collaborative = access.collaborative_for(request.user, pk, access.CURATE)
    return get_object_or_404(
        collaborative.driver_nodes.select_related("collaborative"), pk=node_pk, team__isnull=True
    )


@login_required
def driver_node_edit(request: HttpRequest, pk: int, node_pk: int) -> HttpResponse:
    node = _node_for(request, pk, node_pk)
    form = DriverNodeForm(_bound(request), instance=node, collaborative=node.collaborative)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"{node.get_kind_display()} {node} was saved.")
        return redirect("driver_diagram", pk=node.collaborative_id)
    return render(
        request,
        "collaboratives/driver_node_form.html",
        {"collaborative": node.collaborative, "node": node, "form": form},
    )


@login_required
@require_POST
def driver_node_action(request: HttpRequest, pk: int, node_pk: int, action: str) -> HttpResponse:
    """Move a node up or down among its siblings, retire it or restore it."""
    node = _node_for(request, pk, node_pk)
    if action in ("up", "down"):
        workflows.driver_node_move(node=node, up=action == "up")
    elif action == "retire":
        workflows.driver_node_retire(node=node)
    elif action == "restore":
        workflows.driver_node_restore(node=node)
    else:
        raise Http404("No such action")
    if request.htmx:
        return _diagram_response(request, node.collaborative)
    return redirect("driver_diagram", pk=node.collaborative_id)


# --- The design record -----------------------------------------------------------------------

DESIGN_FORMS = {"start": DesignStartForm, "change": DesignChangeForm, "close": DesignCloseForm}
DESIGN_SAVES = {
    "start": workflows.design_record_save_start,
    "change": workflows.design_record_add_change,
    "close": workflows.design_record_save_close,
}


def _design_initial(entries: dict) -> dict:
    initial = {}
    for feature, entry in entries["start"].items():
        initial[f"{feature}_in_place"] = bool(entry.in_place)
        initial[f"{feature}_note"] = entry.text
    for feature, entry in entries["close"].items():
        initial[feature] = entry.contribution
    return initial


@login_required
def design_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The collaborative's design record: the start checklist, dated changes, the close.

    Each part posts on its own (`?part=start|change|close`); those who run the
    collaborative write it, everyone who sees the collaborative reads it.
    """
    action = access.MANAGE if request.method == "POST" else access.VIEW
    collaborative = access.collaborative_for(request.user, pk, action)
    record = getattr(collaborative, "design_record", None) or DesignRecord(
        collaborative=collaborative
    )
    part = request.GET.get("part", "")
    if request.method == "POST" and part not in DESIGN_FORMS:
        raise Http404("No such part")
    entries = workflows.design_record_entries(record)
    initial = _design_initial(entries)
    forms_ = _design_forms(
        record, request.POST if request.method == "POST" else None, part, initial
    )
    status = 200
    if request.method == "POST" and forms_[part].is_valid():
        try:
            DESIGN_SAVES[part](
                collaborative=collaborative,
                data=forms_[part].cleaned_data,
                person=getattr(request.user, "person", None),
            )
        except EditConflict:
            # Someone saved the record since this page was opened: show theirs, keep the
            # typed answers with the version now stored, to save again on purpose.
            # (A lost claim on a record made by this very save rolled it back too.)
            record = DesignRecord.objects.filter(collaborative=collaborative).first() or (
                DesignRecord(collaborative=collaborative)
            )
            entries = workflows.design_record_entries(record)
            data = request.POST.copy()
            data["version"] = record.version
            forms_ = _design_forms(record, data, part, _design_initial(entries))
            forms_[part].is_valid()
            forms_[part].add_error(None, conflict_message())
            status = 409
        else:
            messages.success(request, "The design record was saved.")
            return redirect(f"{reverse('design_record', args=[collaborative.pk])}#{part}")
    return render(
        request,
        "collaboratives/design_record.html",
        {
            "collaborative": collaborative,
            "entries": entries,
            "forms": forms_,
            "errors": [f for f in forms_.values() if f.errors],
            "can_manage": access.can(request.user, access.MANAGE, collaborative),
        },
        status=status,
    )


def _design_forms(record, data, part: str, initial: dict) -> dict:
    """The record's three forms, `part`'s bound to `data`; the start and the close carry
    the record's version (collaboratives/versions.py), the dated changes are only added."""
    forms_ = {
        name: form_class(data if name == part else None, initial=initial)
        for name, form_class in DESIGN_FORMS.items()
    }
    for name in ("start", "close"):
        forms_[name].fields["version"] = version_field(record.version)
    return forms_


@login_required
def design_records_compare(request: HttpRequest) -> HttpResponse:
    """Design records side by side across the collaboratives the user sees: which features
    were in place at the start, and which were said to contribute."""
    collaboratives = list(
        Collaborative.objects.visible_to(request.user)
        .filter(design_record__isnull=False)
        .select_related("lead_ahsn")
        .order_by("name")
    )
    entries = DesignRecordEntry.objects.filter(
        record__collaborative__in=collaboratives,
        kind__in=[DesignRecordEntry.Kind.INITIAL_DESIGN, DesignRecordEntry.Kind.SUCCESS_FACTOR],
    ).select_related("record")
    cells = {(e.record.collaborative_id, e.kind, e.feature): e for e in entries}
    rows = []
    for value, label in DesignFeature.choices:
        row = []
        for c in collaboratives:
            start = cells.get((c.pk, "initial", value))
            close = cells.get((c.pk, "success_factor", value))
            row.append((start, close))
        rows.append((label, row))
    return render(
        request,
        "collaboratives/design_compare.html",
        {"collaboratives": collaboratives, "rows": rows},
    )


# --- Team assessments ------------------------------------------------------------------------

ASSESSMENT_ACTIONS = {"self": access.EDIT_DATA, "faculty": access.RATE}


@login_required
def team_assessments(request: HttpRequest, pk: int) -> HttpResponse:
    """A team's monthly scores on the IHI scale: its own and the faculty's side by side,
    over time, with a score suggested from the evidence. `?who=self|faculty` posts one."""
    who = request.GET.get("who", "")
    if request.method == "POST" and who not in ASSESSMENT_ACTIONS:
        raise Http404("No such rating")
    action = ASSESSMENT_ACTIONS[who] if request.method == "POST" else access.VIEW
    team = access.team_for(request.user, pk, action)
    suggested = workflows.assessment_suggest(team=team)
    forms_ = {
        name: AssessmentForm(
            request.POST if name == who else None, who=name, suggested=suggested, prefix=name
        )
        for name, permission in ASSESSMENT_ACTIONS.items()
        if access.can(request.user, permission, team)
    }
    if request.method == "POST" and forms_[who].is_valid():
        workflows.assessment_save(
            team=team, who=who, data=forms_[who].cleaned_data, user=request.user
        )
        messages.success(request, "The score was saved.")
        return redirect("team_assessments", pk=team.pk)
    assessments = list(team.assessments.select_related("rated_by__person"))
    return render(
        request,
        "collaboratives/team_assessments.html",
        {
            "team": team,
            "collaborative": team.collaborative,
            "assessments": assessments,
            "chart": workflows.assessment_chart(assessments) if assessments else None,
            "forms": forms_,
            "errors": [f for f in forms_.values() if f.errors],
            "suggested": suggested,
            "levels": ASSESSMENT_LEVELS.items(),
        },
    )


@login_required
def collaborative_assessments(request: HttpRequest, pk: int) -> HttpResponse:
    """The distribution of the teams' latest scores on the IHI scale, self and faculty."""
    collaborative = access.collaborative_for(request.user, pk, access.MONITOR)
    latest: dict[int, TeamAssessment] = {}
    for a in TeamAssessment.objects.filter(team__collaborative=collaborative).order_by("month"):
        latest[a.team_id] = a
    rows = []
    for score, (name, what) in ASSESSMENT_LEVELS.items():
        own = sum(1 for a in latest.values() if a.self_rating == score)
        faculty = sum(1 for a in latest.values() if a.faculty_rating == score)
        rows.append({"score": score, "name": name, "what": what, "self": own, "faculty": faculty})
    return render(
        request,
        "collaboratives/collaborative_assessments.html",
        {
            "collaborative": collaborative,
            "rows": rows,
            "teams_rated": len(latest),
            "most": max([1, *(max(r["self"], r["faculty"]) for r in rows)]),
        },
    )


# --- The calendar and attendance -----------------------------------------------------------------


@login_required
def calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """Learning sessions, action periods and webinars by month; those who run it add events."""
    action = access.MANAGE if request.method == "POST" else access.VIEW
    collaborative = access.collaborative_for(request.user, pk, action)
    can_manage = access.can(request.user, access.MANAGE, collaborative)
    form = LearningEventForm(_bound(request)) if can_manage else None
    if request.method == "POST" and form.is_valid():
        event = form.save(commit=False)
        event.collaborative = collaborative
        event.save()
        messages.success(request, f"{event.title} was added to the calendar.")
        return redirect("calendar", pk=collaborative.pk)
    events = collaborative.events.annotate(attending=Count("attendance")).order_by(
        "starts_on", "title"
    )
    months: dict = {}
    for event in events:
        months.setdefault(event.starts_on.replace(day=1), []).append(event)
    return render(
        request,
        "collaboratives/calendar.html",
        {
            "collaborative": collaborative,
            "months": months.items(),
            "form": form,
            "can_manage": can_manage,
            "today": timezone.localdate(),
        },
    )


@login_required
def event_attendance(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    """Who attended an event, person by person, each for their team."""
    action = access.MANAGE if request.method == "POST" else access.VIEW
    collaborative = access.collaborative_for(request.user, pk, action)
    event = get_object_or_404(collaborative.events, pk=event_pk)
    memberships = workflows.event_people(event=event)
    for membership in memberships:
        access.named_for(request.user, membership.team)
    if request.method == "POST":
        present = {int(v) for v in request.POST.getlist("present") if v.isdigit()}
        workflows.attendance_set(event=event, memberships=memberships, present_ids=present)
        messages.success(request, f"Attendance at {event.title} was saved.")
        return redirect("calendar", pk=collaborative.pk)
    attended = set(event.attendance.values_list("person_id", flat=True))
    return render(
        request,
        "collaboratives/event_attendance.html",
        {
            "collaborative": collaborative,
            "event": event,
            "rows": [(m, m.person_id in attended) for m in memberships],
            "can_manage": access.can(request.user, access.MANAGE, collaborative),
        },
    )


@login_required
def event_edit(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    """Change an event's type, title or dates; its attendance stays with it."""
    collaborative = access.collaborative_for(request.user, pk, access.MANAGE)
    event = get_object_or_404(collaborative.events, pk=event_pk)
    form = LearningEventForm(_bound(request), instance=event)
    if request.method == "POST" and form.is_valid():
        event = form.save()
        messages.success(request, f"{event.title} was saved.")
        return redirect(f"{reverse('calendar', args=[collaborative.pk])}#event-{event.pk}")
    return render(
        request,
        "collaboratives/event_form.html",
        {"collaborative": collaborative, "event": event, "form": form},
    )


@login_required
def change_package_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The change package as CSV: each change idea under its drivers, with its spread and the
    cycles that adopted it, as the evidence for spread."""
    collaborative = access.collaborative_for(request.user, pk, access.EXPORT)
    context = _diagram_context(request, collaborative)
    adopted: dict[int, list[str]] = {}
    for cycle in (
        PDSACycle.objects.visible_to(request.user)
        .current()
        .filter(team__collaborative=collaborative, act_decision=PDSACycle.Decision.ADOPT)
        .select_related("team")
        .order_by("planned_start", "id")
    ):
        adopted.setdefault(cycle.change_idea_id, []).append(
            f"{cycle.team.name_for_peers()}: {cycle.title} ({cycle.study_result})"
        )
    rows = [
        [
            "Primary driver",
            "Secondary driver",
            "Change idea",
            "Local to",
            "Teams testing",
            "Cycles",
            "Teams adopting",
            "Evidence: cycles that adopted it",
        ]
    ]

    def walk(branch, trail):
        node, children = branch
        if node.kind == DriverNode.Kind.CHANGE_IDEA:
            rows.append(
                [
                    *(trail + ["", ""])[:2],
                    node.title,
                    node.team.pseudonym if node.team else "",
                    node.teams_testing,
                    node.cycle_count,
                    node.teams_adopting,
                    " | ".join(adopted.get(node.pk, [])),
                ]
            )
        for child in children:
            walk(child, trail if node.kind == DriverNode.Kind.AIM else [*trail, node.title])

    for branch in context["tree"]:
        walk(branch, [])
    response = HttpResponse(render_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="change-package-{collaborative.slug}.csv"'
    )
    return response


@login_required
def team_change_idea_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A team's own local change idea, under one of the collaborative's secondary drivers."""
    team = access.team_for(request.user, pk, access.EDIT_DATA)
    form = DriverNodeForm(_bound(request), collaborative=team.collaborative, team=team)
    if request.method == "POST" and form.is_valid():
        idea = form.save()
        messages.success(request, f"{idea} was added as the team's own change idea.")
        return redirect("cycle_create", pk=team.pk)
    return render(
        request,
        "collaboratives/change_idea_form.html",
        {"team": team, "collaborative": team.collaborative, "form": form},
    )
