"""Setting a collaborative up: the steps that touch more than one row, each in one transaction.

Views authorise first (governance/access.py), forms validate, and these act.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from collaboratives.models import (
    Attendance,
    Collaborative,
    DesignFeature,
    DesignRecord,
    DesignRecordEntry,
    DriverNode,
    PDSACycle,
    PhaseChange,
    StretchTarget,
    Team,
    TeamAssessment,
    TeamMembership,
    Topic,
)
from collaboratives.versions import version_claim
from governance.models import Person
from measures.models import (
    ChartResult,
    CollaborativeMeasure,
    DataPoint,
    Measure,
    MeasureSettingChange,
    Series,
)
from measures.recompute import series_mark_stale

# Fields of a collaborative that change how its charts are read.
CHART_FIELDS = {"rule_convention", "shift_length", "trend_length"}


def _unique_slug(model, text: str, field: str = "slug") -> str:
    base = slugify(text)[:180] or "item"
    slug, n = base, 1
    while model.objects.filter(**{field: slug}).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def topic_create_local(*, name: str) -> Topic:
    """A new local priority, or the existing topic of that name."""
    existing = Topic.objects.filter(name__iexact=name.strip()).first()
    if existing:
        return existing
    return Topic.objects.create(
        name=name.strip(), slug=_unique_slug(Topic, name), kind=Topic.Kind.LOCAL
    )


@transaction.atomic
def collaborative_create(*, form, new_topic_name: str = "") -> Collaborative:
    """Save a new collaborative from its form, with a new local topic if one was named."""
    collaborative = form.save(commit=False)
    if new_topic_name:
        collaborative.topic = topic_create_local(name=new_topic_name)
    collaborative.slug = _unique_slug(Collaborative, collaborative.name)
    collaborative.save()
    form.save_m2m()
    return collaborative


@transaction.atomic
def collaborative_save(*, form, new_topic_name: str = "") -> Collaborative:
    """Save an edited collaborative, with a new local topic if one was named."""
    collaborative = form.save(commit=False)
    if new_topic_name.strip():
        collaborative.topic = topic_create_local(name=new_topic_name)
    collaborative.save()
    form.save_m2m()
    if CHART_FIELDS & set(form.changed_data):
        series_mark_stale(
            series_ids=Series.objects.filter(team__collaborative=collaborative).values_list(
                "pk", flat=True
            )
        )
    return collaborative


def phase_move(
    *, collaborative: Collaborative, to_phase: str, on: dt.date, by
) -> tuple[PhaseChange, list[str]]:
    """The rule of a phase move, in memory: the kept move (a `PhaseChange`, not saved) and
    the collaborative's changed fields, set on it. Closing sets the end date to `on`.

    `collaborative_move_phase` saves both; a bulk creator (the demo seed) saves many with
    `bulk_create`, so every move follows the same rule whoever makes it."""
    move = PhaseChange(
        collaborative=collaborative,
        from_phase=collaborative.phase,
        to_phase=to_phase,
        moved_on=on,
        moved_by=by,
    )
    collaborative.phase = to_phase
    fields = ["phase"]
    if to_phase == Collaborative.Phase.CLOSED:
        collaborative.ends_on = on
        fields.append("ends_on")
    return move, fields


@transaction.atomic
def collaborative_move_phase(*, collaborative: Collaborative, to_phase: str, on: dt.date, user):
    """Move to another phase on a date and keep the move; closing sets the end date."""
    move, fields = phase_move(collaborative=collaborative, to_phase=to_phase, on=on, by=user)
    # The move first: the audit trail leaves the phase out of the collaborative's own entry.
    move.save()
    collaborative.save(update_fields=fields)


def stretch_target_set(*, collaborative: Collaborative, data: dict, user) -> StretchTarget:
    """Add a new setting of the target; earlier ones stay as its history."""
    return StretchTarget.objects.create(
        collaborative=collaborative, set_by=user, set_at=timezone.now(), **data
    )


def _series_for_teams(measure: Measure, teams) -> int:
    """Give each team a series of `measure` unless it has one. Returns how many were made."""
    have = set(
        Series.objects.filter(measure=measure, team__in=teams).values_list("team_id", flat=True)
    )
    new = [Series(team=team, measure=measure) for team in teams if team.id not in have]
    Series.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def measure_set_add(
    *, collaborative: Collaborative, measure: Measure, mandatory: bool, target=None, by=None
) -> CollaborativeMeasure:
    """Put a library measure at the end of the measure set; a mandatory one gives every
    active team its series at once. Added by a person (`by`), the change is recorded."""
    last = collaborative.measure_set.aggregate(last=Max("position"))["last"]
    entry, created = CollaborativeMeasure.objects.update_or_create(
        collaborative=collaborative,
        measure=measure,
        defaults={"mandatory": mandatory, "target": target},
        create_defaults={
            "mandatory": mandatory,
            "target": target,
            "position": 0 if last is None else last + 1,
        },
    )
    if created and by is not None:
        _record_set_change(entry, "", _in_set(entry), by=by)
    if mandatory:
        _series_for_teams(measure, list(collaborative.teams.active()))
    # The target is a chart input: the measure's charts in this collaborative are redone.
    series_mark_stale(
        series_ids=Series.objects.filter(
            measure=measure, team__collaborative=collaborative
        ).values_list("pk", flat=True)
    )
    return entry


# `MeasureSettingChange.field` for a change to a collaborative's measure set.
MEASURE_SET_FIELD = "measure_set"


def _in_set(entry: CollaborativeMeasure) -> str:
    return "mandatory" if entry.mandatory else "optional"


def _record_set_change(entry: CollaborativeMeasure, old: str, new: str, *, by, reason=""):
    MeasureSettingChange.objects.create(
        measure_id=entry.measure_id,
        collaborative_id=entry.collaborative_id,
        field=MEASURE_SET_FIELD,
        old_value=old,
        new_value=new,
        reason=reason[:500],
        changed_by=by if getattr(by, "is_authenticated", False) else None,
        changed_at=timezone.now(),
    )


@transaction.atomic
def measure_set_make_mandatory(*, entry: CollaborativeMeasure, by=None) -> None:
    """Every active team reports it from now on: each gets its series."""
    if not entry.mandatory:
        _record_set_change(entry, "optional", "mandatory", by=by)
    entry.mandatory = True
    entry.save(update_fields=["mandatory"])
    _series_for_teams(entry.measure, list(entry.collaborative.teams.active()))


@transaction.atomic
def measure_set_make_optional(*, entry: CollaborativeMeasure, by=None) -> None:
    """Teams choose whether to report it; the series they have, and their data, stay."""
    if entry.mandatory:
        _record_set_change(entry, "mandatory", "optional", by=by)
    entry.mandatory = False
    entry.save(update_fields=["mandatory"])


@transaction.atomic
def measure_set_move(*, entry: CollaborativeMeasure, up: bool) -> bool:
    """Swap the entry with its neighbour above (`up`) or below; False at either end.

    The set is renumbered 0, 1, 2... first, so equal positions (older rows all have 0)
    still move one place at a time.
    """
    entries = list(
        CollaborativeMeasure.objects.select_for_update()
        .filter(collaborative_id=entry.collaborative_id)
        .order_by("position", "measure__name", "pk")
    )
    index = next(i for i, e in enumerate(entries) if e.pk == entry.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(entries):
        return False
    entries[index], entries[other] = entries[other], entries[index]
    for position, e in enumerate(entries):
        if e.position != position:
            e.position = position
            e.save(update_fields=["position"])
    return True


@transaction.atomic
def measure_set_remove(*, entry: CollaborativeMeasure, by=None, reason: str = "") -> None:
    """The measure leaves the set: teams no longer owe it. Their series and data are kept,
    and the change is recorded (who, when, why) in the measure's setting history."""
    _record_set_change(entry, _in_set(entry), "removed", by=by, reason=reason)
    entry.delete()
    series_mark_stale(
        series_ids=Series.objects.filter(
            measure_id=entry.measure_id, team__collaborative_id=entry.collaborative_id
        ).values_list("pk", flat=True)
    )


def measure_set_history(collaborative: Collaborative):
    """Changes to the collaborative's measure set, newest first."""
    return (
        MeasureSettingChange.objects.filter(collaborative=collaborative, field=MEASURE_SET_FIELD)
        .select_related("measure", "changed_by")
        .order_by("-changed_at", "-id")
    )


@transaction.atomic
def team_create(*, form, collaborative: Collaborative) -> Team:
    """Add a member organisation as a team, with a series of every mandatory measure."""
    team = form.save(commit=False)
    team.collaborative = collaborative
    team.save()
    for entry in collaborative.measure_set.filter(mandatory=True).select_related("measure"):
        _series_for_teams(entry.measure, [team])
    return team


def team_withdraw(*, team: Team, on: dt.date) -> None:
    """Archive the team: it leaves the active lists; its series and data stay."""
    team.status = Team.Status.WITHDRAWN
    team.withdrawn_on = on
    team.save(update_fields=["status", "withdrawn_on"])


def team_restore(*, team: Team) -> None:
    """Bring a withdrawn team back: active again, owing data from now on."""
    team.status = Team.Status.ACTIVE
    team.withdrawn_on = None
    team.save(update_fields=["status", "withdrawn_on"])


def membership_join(
    *, team: Team, person: Person, role: str, joined_on: dt.date, left_on: dt.date | None = None
) -> tuple[TeamMembership, list[str]]:
    """The rule of joining a team, in memory: the membership (not saved) and the team's
    changed fields, set on it. A lead or senior sponsor who joins becomes the team's own.

    `membership_add` saves both; a bulk creator (the demo seed) saves many with
    `bulk_create`, so a team's lead and sponsor are always among its members."""
    membership = TeamMembership(
        team=team, person=person, role=role, joined_on=joined_on, left_on=left_on
    )
    fields = []
    if role == TeamMembership.Role.LEAD:
        team.lead = person
        fields.append("lead")
    elif role == TeamMembership.Role.SPONSOR:
        team.senior_sponsor = person
        fields.append("senior_sponsor")
    return membership, fields


@transaction.atomic
def membership_add(*, team: Team, data: dict) -> TeamMembership:
    """Record a person in the team; a lead or senior sponsor becomes the team's own."""
    person = Person.objects.create(
        name=data["name"],
        email=data.get("email", ""),
        job_title=data.get("job_title", ""),
        organisation=team.organisation,
    )
    membership, fields = membership_join(
        team=team, person=person, role=data["role"], joined_on=data["joined_on"]
    )
    membership.save()
    if fields:
        team.save(update_fields=fields)
    return membership


@transaction.atomic
def membership_end(*, membership: TeamMembership, on: dt.date) -> None:
    """Record the day someone left; a lead or sponsor who leaves is no longer the team's."""
    membership.left_on = on
    membership.save(update_fields=["left_on"])
    team = membership.team
    for field in ("lead", "senior_sponsor"):
        if getattr(team, f"{field}_id") == membership.person_id:
            setattr(team, field, None)
            team.save(update_fields=[field])


def team_choose_measure(*, team: Team, measure: Measure) -> Series:
    series, _ = Series.objects.get_or_create(team=team, measure=measure)
    return series


@transaction.atomic
def team_add_custom_measure(*, team: Team, form) -> Series:
    """A team's own measure, private to the team, and its series."""
    measure = form.save(commit=False)
    measure.team = team
    measure.topic = None
    measure.save()
    return Series.objects.create(team=team, measure=measure)


# --- PDSA cycles -----------------------------------------------------------------------------

# Saving a step moves the cycle on to at least this status (never back).
STEP_STATUS = {
    "plan": PDSACycle.Status.PLANNING,
    "do": PDSACycle.Status.DOING,
    "study": PDSACycle.Status.STUDYING,
    "act": PDSACycle.Status.DONE,
}
_STATUS_ORDER = list(PDSACycle.Status.values)


def _mark_cycle_charts_stale(team: Team, measure_ids) -> None:
    """A cycle is a marker on its measures' charts: those charts are drawn again."""
    series_mark_stale(
        series_ids=Series.objects.filter(team=team, measure_id__in=set(measure_ids)).values_list(
            "pk", flat=True
        )
    )


@transaction.atomic
def cycle_create(*, form, team: Team, user) -> PDSACycle:
    """A new cycle from its plan form, for `team`."""
    cycle = form.save(commit=False)
    cycle.team = team
    cycle.created_by = user
    cycle.save()
    form.save_m2m()
    _mark_cycle_charts_stale(team, cycle.measures.values_list("pk", flat=True))
    return cycle


@transaction.atomic
def cycle_save_step(*, form, step: str) -> PDSACycle:
    """Save one step's form; the cycle's status moves on to that step, never back.

    A form carrying the step's version (its `version` field) first claims it: when someone
    else saved the step since, EditConflict is raised and nothing is written. Only the
    step's own fields are written, so a save never puts back another step's older text.
    """
    expected = form.cleaned_data.get("version")
    version_field = f"{step}_version"
    if expected is not None:
        new = version_claim(PDSACycle, pk=form.instance.pk, field=version_field, expected=expected)
        setattr(form.instance, version_field, new)
    before = set(form.instance.measures.values_list("pk", flat=True)) if step == "plan" else set()
    cycle = form.save(commit=False)
    wanted = STEP_STATUS[step]
    if _STATUS_ORDER.index(wanted) > _STATUS_ORDER.index(cycle.status):
        cycle.status = wanted
    concrete = {f.name for f in PDSACycle._meta.concrete_fields}
    written = [name for name in form._meta.fields if name in concrete]
    cycle.save(update_fields=[*written, "status", "updated_at"])
    form.save_m2m()
    if step == "plan" or "planned_start" in form.changed_data:
        after = set(cycle.measures.values_list("pk", flat=True))
        _mark_cycle_charts_stale(cycle.team, before | after)
    return cycle


@transaction.atomic
def cycle_archive(*, cycle: PDSACycle) -> None:
    """Hide the cycle from the team's lists and charts; it can be restored."""
    cycle.archived_at = timezone.now()
    cycle.save(update_fields=["archived_at", "updated_at"])
    _mark_cycle_charts_stale(cycle.team, cycle.measures.values_list("pk", flat=True))


@transaction.atomic
def cycle_restore(*, cycle: PDSACycle) -> None:
    cycle.archived_at = None
    cycle.save(update_fields=["archived_at", "updated_at"])
    _mark_cycle_charts_stale(cycle.team, cycle.measures.values_list("pk", flat=True))


def cycle_ramps(cycles) -> list[tuple]:
    """Group a team's cycles into ramps: (change idea, [chain, ...]), each chain oldest first.

    A chain starts at a cycle whose parent is not among `cycles` and follows each cycle's
    follow-on cycles in date order, depth first, so a branch reads as one line.
    """
    cycles = list(cycles)
    by_id = {c.pk: c for c in cycles}
    children: dict[int, list] = {}
    for c in cycles:
        if c.parent_id in by_id:
            children.setdefault(c.parent_id, []).append(c)

    def walk(cycle, chain):
        chain.append(cycle)
        for child in sorted(children.get(cycle.pk, []), key=lambda c: (c.planned_start, c.pk)):
            walk(child, chain)
        return chain

    ideas: dict[int, tuple] = {}
    for c in sorted(cycles, key=lambda c: (c.planned_start, c.pk)):
        if c.parent_id in by_id:
            continue
        idea = ideas.setdefault(c.change_idea_id, (c.change_idea, []))
        idea[1].append(walk(c, []))
    return list(ideas.values())


# --- The driver diagram ----------------------------------------------------------------------


@transaction.atomic
def driver_node_move(*, node, up: bool) -> None:
    """Swap the node with its previous (or next) current sibling, numbering siblings 0..n."""
    siblings = list(
        DriverNode.objects.select_for_update()
        .filter(parent=node.parent, collaborative=node.collaborative, archived_at__isnull=True)
        .order_by("position", "id")
    )
    index = next(i for i, n in enumerate(siblings) if n.pk == node.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])


def driver_node_retire(*, node) -> None:
    """Retire the node (and so its branch) from the diagram; cycles keep their change idea."""
    node.archived_at = timezone.now()
    node.save(update_fields=["archived_at"])


def driver_node_restore(*, node) -> None:
    node.archived_at = None
    node.save(update_fields=["archived_at"])


def driver_tree(nodes) -> tuple[list, list]:
    """The current nodes as a tree of (node, children) from the aims, and the retired nodes.

    A node under a retired node is not drawn: retiring a driver retires its branch.
    """
    nodes = list(nodes)
    children: dict[int | None, list] = {}
    for n in nodes:
        if n.archived_at is None:
            children.setdefault(n.parent_id, []).append(n)

    def branch(node):
        kids = sorted(children.get(node.pk, []), key=lambda n: (n.position, n.pk))
        return (node, [branch(k) for k in kids])

    roots = sorted(children.get(None, []), key=lambda n: (n.position, n.pk))
    return [branch(r) for r in roots], [n for n in nodes if n.archived_at is not None]


# --- The design record -----------------------------------------------------------------------


def design_record_entries(record) -> dict:
    """The record's entries: the start and close per feature, changes and lessons in date order."""
    entries = list(record.entries.select_related("author")) if record.pk else []
    Kind = DesignRecordEntry.Kind
    by_feature = (Kind.INITIAL_DESIGN, Kind.SUCCESS_FACTOR)
    return {
        "start": {e.feature: e for e in entries if e.kind == Kind.INITIAL_DESIGN and e.feature},
        "close": {e.feature: e for e in entries if e.kind == Kind.SUCCESS_FACTOR and e.feature},
        # Entries written before the checklist (or by the demo seed) name no feature.
        "notes": [e for e in entries if e.kind in by_feature and not e.feature],
        "changes": [e for e in entries if e.kind == Kind.CHANGE],
        "lessons": [e for e in entries if e.kind == Kind.LESSON],
    }


def _design_record_claim(collaborative, data: dict):
    """The collaborative's design record, its version claimed when `data` carries the one
    the page was opened at (EditConflict when someone saved it since)."""
    record, _ = DesignRecord.objects.get_or_create(collaborative=collaborative)
    if data.get("version") is not None:
        record.version = version_claim(
            DesignRecord, pk=record.pk, field="version", expected=data["version"]
        )
    return record


@transaction.atomic
def design_record_save_start(*, collaborative, data: dict, person) -> None:
    """Overwrite the start checklist: one entry per feature, in place or not, with its note."""
    record = _design_record_claim(collaborative, data)
    for feature in DesignFeature.values:
        DesignRecordEntry.objects.update_or_create(
            record=record,
            kind=DesignRecordEntry.Kind.INITIAL_DESIGN,
            feature=feature,
            defaults={
                "in_place": data[f"{feature}_in_place"],
                "text": data[f"{feature}_note"].strip(),
                "entered_on": timezone.localdate(),
                "author": person,
            },
        )


@transaction.atomic
def design_record_add_change(*, collaborative, data: dict, person) -> None:
    record, _ = DesignRecord.objects.get_or_create(collaborative=collaborative)
    DesignRecordEntry.objects.create(
        record=record,
        kind=DesignRecordEntry.Kind.CHANGE,
        entered_on=data["entered_on"],
        text=data["text"],
        author=person,
    )


@transaction.atomic
def design_record_save_close(*, collaborative, data: dict, person) -> None:
    """Overwrite how much each feature contributed; add the lessons, if any, as an entry."""
    record = _design_record_claim(collaborative, data)
    today = timezone.localdate()
    for feature in DesignFeature.values:
        DesignRecordEntry.objects.update_or_create(
            record=record,
            kind=DesignRecordEntry.Kind.SUCCESS_FACTOR,
            feature=feature,
            defaults={"contribution": data[feature], "entered_on": today, "author": person},
        )
    if data["lessons"].strip():
        DesignRecordEntry.objects.create(
            record=record,
            kind=DesignRecordEntry.Kind.LESSON,
            entered_on=today,
            text=data["lessons"].strip(),
            author=person,
        )


# --- Team assessments --------------------------------------------------------------------------


def assessment_suggest(*, team: Team):
    """A score to start from, with why, from the evidence; the people decide (the IHI scale
    in qi-reference.md).

    1.0: a team but no data; 2.0: data but no cycles; 2.5: cycles but no measure improving;
    3.0: a process measure shows improvement on its chart; 3.5: an outcome measure does;
    4.0: most of the team's measures do, the outcome among them.
    """
    latest = ChartResult.objects.filter(series__team=team).latest_per_series()
    results = list(latest.values_list("series__measure__kind", "variation"))
    improving = [kind for kind, variation in results if variation.startswith("improvement")]
    outcome = Measure.Kind.OUTCOME in improving
    if outcome and len(improving) * 2 > len(results):
        return Decimal("4.0"), "most of the team's measures, the outcome among them, improve"
    if outcome:
        return Decimal("3.5"), "an outcome measure shows improvement"
    if Measure.Kind.PROCESS in improving:
        return Decimal("3.0"), "a process measure shows improvement"
    cycles = team.cycles.current()
    if cycles.exists():
        return Decimal("2.5"), "cycles are run, but no chart shows improvement yet"
    if DataPoint.objects.filter(series__team=team).exists():
        return Decimal("2.0"), "measures are collected, but no cycle is logged"
    return Decimal("1.0"), "no data and no cycles yet"


def assessment_save(*, team: Team, who: str, data: dict, user):
    """Set the team's own or the faculty's score for a month, keeping the other."""
    if who == "self":
        defaults = {"self_rating": data["rating"]}
    else:
        defaults = {
            "faculty_rating": data["rating"],
            "faculty_note": data["note"],
            "rated_by": user,
        }
    assessment, _ = TeamAssessment.objects.update_or_create(
        team=team, month=data["month"], defaults=defaults
    )
    return assessment


def assessment_chart(assessments) -> dict:
    """Coordinates for a small SVG line chart of both ratings over time (no script needed)."""
    width, height, left, top = 600, 220, 40, 10
    plot_w, plot_h = width - left - 10, height - top - 30
    months = [a.month for a in assessments]
    n = max(len(months) - 1, 1)

    def x(i):
        return round(left + plot_w * i / n, 1)

    def y(score):
        return round(top + plot_h * (1 - (float(score) - 0.5) / 4.5), 1)

    def points(attr):
        return [
            (x(i), y(getattr(a, attr)))
            for i, a in enumerate(assessments)
            if getattr(a, attr) is not None
        ]

    def line(attr):
        return " ".join(f"{px},{py}" for px, py in points(attr))

    return {
        "width": width,
        "height": height,
        "self": line("self_rating"),
        "faculty": line("faculty_rating"),
        "self_points": points("self_rating"),
        "faculty_points": points("faculty_rating"),
        "grid": [(y(s), s) for s in (1, 2, 3, 4, 5)],
        "labels": [(x(i), m) for i, m in enumerate(months)],
        "left": left,
        "right": width - 10,
        "bottom": height - 12,
    }


# --- The calendar and attendance -----------------------------------------------------------------


def event_people(*, event) -> list:
    """Who could attend: the people of the collaborative's active teams, as (membership)
    rows in the event's time (joined by its end, not left before its start)."""
    return list(
        TeamMembership.objects.filter(
            team__collaborative_id=event.collaborative_id,
            team__status=Team.Status.ACTIVE,
            joined_on__lte=event.ends_on,
        )
        .exclude(left_on__lt=event.starts_on)
        .select_related("person", "team__organisation", "team__collaborative")
        .order_by("team__organisation__name", "team__unit", "person__name")
    )


@transaction.atomic
def attendance_set(*, event, memberships, present_ids: set[int]) -> None:
    """Record who attended: the ticked memberships' people, each for their team."""
    wanted = {m.person_id: m.team_id for m in memberships if m.pk in present_ids}
    Attendance.objects.filter(event=event).exclude(person_id__in=wanted).delete()
    for person_id, team_id in wanted.items():
        Attendance.objects.update_or_create(
            event=event, person_id=person_id, defaults={"team_id": team_id}
        )


def sponsor_attendance(*, teams, start: dt.date, end: dt.date) -> dict[int, tuple[bool, bool]]:
    """The one rule for sponsor attendance: for each team, (has a sponsor, a sponsor came).

    A team's sponsors are its `senior_sponsor` and every member with the sponsor role; a
    sponsor came if any of them attended an event of the team's collaborative that started
    between `start` and `end` (both included). Two queries, whatever the number of teams.
    """
    teams = list(teams)
    sponsors = {t.pk: set() for t in teams}
    for team_id, person_id in TeamMembership.objects.filter(
        team__in=teams, role=TeamMembership.Role.SPONSOR
    ).values_list("team_id", "person_id"):
        sponsors[team_id].add(person_id)
    for t in teams:
        if t.senior_sponsor_id:
            sponsors[t.pk].add(t.senior_sponsor_id)
    came = set(
        Attendance.objects.filter(
            person_id__in={p for people in sponsors.values() for p in people},
            event__collaborative_id__in={t.collaborative_id for t in teams},
            event__starts_on__gte=start,
            event__starts_on__lte=end,
        ).values_list("person_id", "event__collaborative_id")
    )
    return {
        t.pk: (
            bool(sponsors[t.pk]),
            any((p, t.collaborative_id) in came for p in sponsors[t.pk]),
        )
        for t in teams
    }


def team_health(*, team: Team, today: dt.date) -> dict:
    """What the review found predicts success: stability (members who left in the last six
    months) and whether the senior sponsor attended anything this quarter."""
    six_months_ago = today - dt.timedelta(days=183)
    left = team.memberships.filter(left_on__gte=six_months_ago, left_on__lte=today).count()
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    has_sponsor, attended = sponsor_attendance(teams=[team], start=quarter_start, end=today)[
        team.pk
    ]
    team_attendance = Attendance.objects.filter(team=team).count()
    return {
        "left_recently": left,
        "has_sponsor": has_sponsor,
        "sponsor_attended": attended,
        "quarter_start": quarter_start,
        "attendance": team_attendance,
    }
