"""The audit trail: who changed what and when, for every row that matters.

How a change is recorded:

- Rows of the models in `TRACKED` write an `AuditEntry` as they are saved or deleted
  (model signals, so the views, forms, workflows and the admin are all caught without
  each remembering to), in the same transaction as the change itself. The demo seed
  writes with `bulk_create` and COPY, which send no signals: seeded rows have no entry. The entry
  holds the fields before and after, and the AHSN, collaborative and team it belongs to.
- Who acted and from where comes from a context: `AuditMiddleware` sets it for every
  request (web, admin or API), Celery tasks set it as they start (`task_prerun`), and
  code that acts for someone else says so with `acting_as(user, source=...)`.
- Rows that keep their own append-only history are not copied: data points
  (`DataPointRevision`), stretch targets (`StretchTarget`), collaborative phases
  (`PhaseChange`), measure settings (`MeasureSettingChange`) and chart edits
  (`ChartEdit`). `governance.audit_views` reads them beside `AuditEntry` as one trail.
  So that a change is not listed twice, a field whose change was just written to one of
  those histories is left out of the entry for the row (`_history_written`), and phases,
  point marks and annotations are recorded here only when the admin changes them (in the
  app, `measures.edits` is their only path and keeps a `ChartEdit` for each).

`target_history(collaborative)` reads a collaborative's stretch target settings for the
contract-review report: when each was set, by whom and why, and whether the target was
set early or moved.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone
from django.utils.text import capfirst

from collaboratives.models import (
    Collaborative,
    DesignRecord,
    LearningEvent,
    PhaseChange,
    StretchTarget,
    Team,
)
from governance.models import AuditEntry, AuditSource, RoleAssignment
from measures.models import (
    ChartEdit,
    CollaborativeMeasure,
    DataPointRevision,
    MeasureSettingChange,
    Series,
)
from measures.numbers import decimal_text

# --- Who is acting ---------------------------------------------------------------------------


@dataclass
class AuditContext:
    """Who acts (a user, or a function returning one, for a request's lazy user) and from where."""

    actor: object = None
    source: str = AuditSource.COMMAND
    reason: str = ""
    # Fields just recorded in another history, to leave out of the row's own entry:
    # {((model label, pk), field name): when}, see `_history_written`.
    covered: dict = field(default_factory=dict)
    _resolved: tuple | None = None

    def user(self):
        if self._resolved is None:
            actor = self.actor() if callable(self.actor) else self.actor
            if actor is None or not getattr(actor, "is_authenticated", False) or not actor.pk:
                return None
            try:
                name = actor.person.name
            except AttributeError:  # no Person (yet): a new account, or one from the shell
                return actor
            self._resolved = (actor, name or actor.get_username())
        return self._resolved[0]

    def actor_name(self) -> str:
        user = self.user()
        if user is None:
            return ""
        return self._resolved[1] if self._resolved else user.get_username()


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "collab_audit_context", default=None
)


def current() -> AuditContext:
    """The context of the change being made now; outside any, the command line's."""
    context = _current.get()
    if context is None:
        context = AuditContext()
        _current.set(context)
    return context


@contextlib.contextmanager
def acting_as(actor, *, source: str | None = None, reason: str = ""):
    """Record the changes made inside the block as made by `actor` (a user, or a function
    returning one), from `source` (by default the surrounding context's)."""
    outer = _current.get()
    context = AuditContext(
        actor=actor,
        source=source or (outer.source if outer else AuditSource.COMMAND),
        reason=reason,
    )
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


class AuditMiddleware:
    """Every request's changes are recorded as made by its user, from the web, the admin
    or the API (the API's own token decides which team; the user is whoever made it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.urls import reverse

        path = request.path_info
        if path.startswith(reverse("admin:index")):
            source = AuditSource.ADMIN
        elif path.startswith("/api/"):
            source = AuditSource.API
        else:
            source = AuditSource.WEB
        with acting_as(lambda: getattr(request, "user", None), source=source):
            return self.get_response(request)


# --- What is recorded, and whose trail it is in --------------------------------------------

# Never recorded: secrets, and columns that change on every save by themselves.
SKIPPED_FIELDS = {
    "id",
    "created_at",
    "updated_at",
    "granted_at",
    "key_hash",
    "token_hash",
    "data_version",
    "last_used_at",
}
# Of these models only these fields are recorded (never a password or a login time).
ONLY_FIELDS = {"auth.user": {"username", "email", "is_active", "is_staff", "is_superuser"}}
# Recorded only when changed in the admin: in the app measures.edits keeps a ChartEdit.
ADMIN_ONLY = {"measures.phase", "measures.pointmark", "measures.annotation"}
TEXT_LIMIT = 2000
COVER_SECONDS = 5

Scope = tuple  # (ahsn_id, collaborative_id, team_id)


def _collaborative_scope(collaborative_id) -> Scope:
    ahsn_id = (
        Collaborative.objects.filter(pk=collaborative_id).values_list("lead_ahsn_id", flat=True)
    ).first()
    return (ahsn_id, collaborative_id, None)


def _team_scope(team_id) -> Scope:
    row = (
        Team.objects.filter(pk=team_id)
        .values_list("collaborative__lead_ahsn_id", "collaborative_id")
        .first()
    )
    return (row[0], row[1], team_id) if row else (None, None, team_id)


def _series_scope(series_id) -> Scope:
    team_id = Series.objects.filter(pk=series_id).values_list("team_id", flat=True).first()
    return _team_scope(team_id) if team_id else (None, None, None)


def _role_scope(obj) -> Scope:
    if obj.team_id:
        return _team_scope(obj.team_id)
    if obj.collaborative_id:
        return _collaborative_scope(obj.collaborative_id)
    return (obj.ahsn_id, None, None)


def _design_entry_scope(obj) -> Scope:
    collaborative_id = (
        DesignRecord.objects.filter(pk=obj.record_id).values_list("collaborative_id", flat=True)
    ).first()
    return _collaborative_scope(collaborative_id)


def _attendance_scope(obj) -> Scope:
    collaborative_id = (
        LearningEvent.objects.filter(pk=obj.event_id).values_list("collaborative_id", flat=True)
    ).first()
    ahsn_id, collaborative_id, _ = _collaborative_scope(collaborative_id)
    return (ahsn_id, collaborative_id, obj.team_id)


def _user_scope(user) -> Scope:
    """An account is in the trail of its first role's scope (where a deactivation shows)."""
    role = RoleAssignment.objects.filter(person__user_id=user.pk).order_by("id").first()
    return _role_scope(role) if role is not None else (None, None, None)


def _by_team_or_collaborative(obj) -> Scope:
    if getattr(obj, "team_id", None):
        return _team_scope(obj.team_id)
    return _collaborative_scope(obj.collaborative_id)


# Which models are audited, with how to find whose trail each row is in, and the kind of
# change it is on the trail page (its filter).
TRACKED: dict[str, tuple[Callable[[models.Model], Scope], str]] = {
    "collaboratives.collaborative": (lambda o: (o.lead_ahsn_id, o.pk, None), "setup"),
    "collaboratives.drivernode": (_by_team_or_collaborative, "setup"),
    "collaboratives.learningevent": (lambda o: _collaborative_scope(o.collaborative_id), "setup"),
    "collaboratives.attendance": (_attendance_scope, "setup"),
    "collaboratives.designrecord": (lambda o: _collaborative_scope(o.collaborative_id), "setup"),
    "collaboratives.designrecordentry": (_design_entry_scope, "setup"),
    "collaboratives.team": (lambda o: _team_scope(o.pk) if o.pk else (None, None, None), "team"),
    "collaboratives.teammembership": (lambda o: _team_scope(o.team_id), "team"),
    "collaboratives.pdsacycle": (lambda o: _team_scope(o.team_id), "cycle"),
    "collaboratives.teamassessment": (lambda o: _team_scope(o.team_id), "assessment"),
    "measures.measure": (
        lambda o: _team_scope(o.team_id) if o.team_id else (None, None, None),
        "measure",
    ),
    "measures.collaborativemeasure": (
        lambda o: _collaborative_scope(o.collaborative_id),
        "measure",
    ),
    "measures.series": (lambda o: _team_scope(o.team_id), "measure"),
    "measures.apitoken": (lambda o: _team_scope(o.team_id), "team"),
    "measures.phase": (lambda o: _series_scope(o.series_id), "chart"),
    "measures.pointmark": (lambda o: _series_scope(o.series_id), "chart"),
    "measures.annotation": (
        lambda o: _series_scope(o.series_id) if o.series_id else _team_scope(o.team_id),
        "chart",
    ),
    "governance.roleassignment": (_role_scope, "role"),
    "governance.invitation": (_role_scope, "role"),
    "auth.user": (_user_scope, "role"),
}

# Many-to-many fields recorded as a change of the row that holds them.
TRACKED_M2M = {
    ("collaboratives.collaborative", "partner_ahsns"),
    ("collaboratives.pdsacycle", "measures"),
}


def label(model) -> str:
    return model._meta.label_lower


def _plain(value):
    """A field's value as JSON: dates as ISO text, decimals as their shortest text."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return None
    if isinstance(value, str) and len(value) > TEXT_LIMIT:
        return value[:TEXT_LIMIT] + "…"
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return str(value)


def _fields(model):
    only = ONLY_FIELDS.get(label(model))
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in SKIPPED_FIELDS and not f.primary_key and (only is None or f.name in only)
    ]


def _snapshot(obj, names=None) -> dict:
    """The row's recorded fields, by attribute (`team_id`, not `team`), as plain JSON."""
    return {
        f.attname: _plain(getattr(obj, f.attname))
        for f in _fields(type(obj))
        if names is None or f.name in names or f.attname in names
    }


def _related_repr(model, attname: str, value, obj=None):
    """A foreign key's value as the reader would name it: "Alpha Hospitals (#3)"."""
    if value is None:
        return None
    field_ = next((f for f in model._meta.concrete_fields if f.attname == attname), None)
    if field_ is None or not field_.is_relation:
        return value
    related = None
    if obj is not None and field_.is_cached(obj):
        related = field_.get_cached_value(obj)
    if related is None or related.pk != value:
        related = field_.related_model._base_manager.filter(pk=value).first()
    return f"{_repr(related)} (#{value})" if related is not None else f"#{value}"


def _diff(model, before: dict, after: dict, obj=None) -> dict:
    """{field: [before, after]} for each field that differs, foreign keys by name."""
    changes = {}
    for name in sorted(after.keys() | before.keys()):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        changes[name] = [_related_repr(model, name, old), _related_repr(model, name, new, obj)]
    return changes


def _repr(obj) -> str:
    try:
        return str(obj)
    except (TypeError, ValueError, AttributeError):  # a row built with raw values, say
        return f"{type(obj)._meta.verbose_name} #{obj.pk}"


def _write(obj, action: str, changes: dict, scope: Scope) -> AuditEntry | None:
    context = current()
    ahsn_id, collaborative_id, team_id = scope
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=context.user(),
        actor_name=context.actor_name(),
        action=action,
        object_type=label(type(obj)),
        object_id=obj.pk,
        object_repr=_repr(obj)[:300],
        ahsn_id=ahsn_id,
        collaborative_id=collaborative_id,
        team_id=team_id,
        changes=changes,
        reason=context.reason,
        source=context.source,
    )


def _recorded(sender, raw: bool = False) -> bool:
    if raw:  # loading fixtures: not a change anyone made
        return False
    name = label(sender)
    if name not in TRACKED:
        return False
    return name not in ADMIN_ONLY or current().source == AuditSource.ADMIN


def record_update(obj, changes: dict) -> AuditEntry | None:
    """Record a change that no signal announces (a conditional UPDATE): `changes` is
    {field: (before, after)}. Only for the models in `TRACKED`."""
    if label(type(obj)) not in TRACKED:
        raise ValueError(f"{label(type(obj))} is not audited")
    plain = {name: [_plain(old), _plain(new)] for name, (old, new) in changes.items()}
    return _write(obj, AuditEntry.Action.UPDATE, plain, TRACKED[label(type(obj))][0](obj))


# --- Signal handlers -------------------------------------------------------------------------


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if not _recorded(sender, raw) or instance.pk is None or instance._state.adding:
        instance._audit_before = None
        return
    row = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = _snapshot(row, update_fields) if row is not None else None


def _after_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if not _recorded(sender, raw):
        return
    before = getattr(instance, "_audit_before", None)
    instance._audit_before = None
    after = _snapshot(instance, update_fields)
    if created or before is None:
        after = {name: value for name, value in after.items() if value not in (None, "")}
        changes = _diff(sender, {}, after, instance)
        action = AuditEntry.Action.CREATE
    else:
        covered = current().covered
        key = (label(sender), instance.pk)
        for name in list(after):
            written = covered.pop((key, name), None)
            if written is not None and time.monotonic() - written < COVER_SECONDS:
                after.pop(name)
                before.pop(name, None)
        changes = _diff(sender, before, after, instance)
        if not changes:
            return
        action = AuditEntry.Action.UPDATE
    _write(instance, action, changes, TRACKED[label(sender)][0](instance))


def _before_delete(sender, instance, **kwargs):
    if _recorded(sender):
        instance._audit_scope = TRACKED[label(sender)][0](instance)


def _after_delete(sender, instance, **kwargs):
    if not _recorded(sender):
        return
    before = {k: v for k, v in _snapshot(instance).items() if v not in (None, "")}
    scope = getattr(instance, "_audit_scope", None) or TRACKED[label(sender)][0](instance)
    _write(instance, AuditEntry.Action.DELETE, _diff(sender, before, {}), scope)


def _m2m_changed(sender, instance, action, reverse, **kwargs):
    """A tracked many-to-many field's change, recorded as a change of the row holding it:
    the names before (`pre_*`) and after (`post_*`) the add, remove or clear."""
    if reverse:
        return
    model = type(instance)
    name = next((f for m, f in TRACKED_M2M if m == label(model)), None)
    if name is None or getattr(model, name).through is not sender or not _recorded(model):
        return
    names = sorted(str(o) for o in getattr(instance, name).all())
    if action.startswith("pre_"):
        instance._audit_m2m_before = names
        return
    before = getattr(instance, "_audit_m2m_before", None)
    instance._audit_m2m_before = None
    if before is None or before == names:
        return
    _write(
        instance,
        AuditEntry.Action.UPDATE,
        {name: [before, names]},
        TRACKED[label(model)][0](instance),
    )


def _history_written(sender, instance, created, raw=False, **kwargs):
    """A change just kept in its own history: leave that field out of the row's entry.

    The writers of those histories (`collaborative_move_phase`, `measures.edits`) save
    the row straight after, in the same transaction; a mark not used within
    `COVER_SECONDS` is ignored, so a history row written some other way hides nothing.
    """
    if raw or not created:
        return
    covered, now = current().covered, time.monotonic()
    name = label(sender)
    if name == "collaboratives.phasechange":
        key = ("collaboratives.collaborative", instance.collaborative_id)
        covered.update({(key, "phase"): now, (key, "ends_on"): now})
    elif name == "measures.measuresettingchange":
        if instance.field == "target" and instance.collaborative_id:
            pk = (
                CollaborativeMeasure.objects.filter(
                    collaborative_id=instance.collaborative_id, measure_id=instance.measure_id
                )
                .values_list("pk", flat=True)
                .first()
            )
            covered[(("measures.collaborativemeasure", pk), "target")] = now
        else:
            covered[(("measures.measure", instance.measure_id), instance.field)] = now


def _task_started(task_id=None, task=None, **kwargs):
    # An eagerly run task (no broker) acts within its caller's request and keeps its user.
    if _current.get() is not None and _current.get().source != AuditSource.COMMAND:
        return
    token = _current.set(AuditContext(source=AuditSource.TASK))
    _task_tokens[task_id] = token


def _task_finished(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _current.reset(token)


_task_tokens: dict = {}


def connect() -> None:
    """Connect the handlers (from `GovernanceConfig.ready`), each to the models it watches
    only: a delete signal with any receiver for a model stops Django deleting its rows in
    bulk, which the chart results and jobs rely on."""
    from celery.signals import task_postrun, task_prerun
    from django.apps import apps

    for name in TRACKED:
        model = apps.get_model(name)
        for signal, handler in (
            (pre_save, _before_save),
            (post_save, _after_save),
            (pre_delete, _before_delete),
            (post_delete, _after_delete),
        ):
            signal.connect(
                handler, sender=model, dispatch_uid=f"collab-audit-{handler.__name__}-{name}"
            )
    for name, field_name in TRACKED_M2M:
        through = getattr(apps.get_model(name), field_name).through
        m2m_changed.connect(
            _m2m_changed, sender=through, dispatch_uid=f"collab-audit-m2m-{name}-{field_name}"
        )
    for name in ("collaboratives.phasechange", "measures.measuresettingchange"):
        post_save.connect(
            _history_written,
            sender=apps.get_model(name),
            dispatch_uid=f"collab-audit-history-{name}",
        )
    task_prerun.connect(_task_started, dispatch_uid="collab-audit-task-start", weak=False)
    task_postrun.connect(_task_finished, dispatch_uid="collab-audit-task-end", weak=False)


# --- Reading the trail -----------------------------------------------------------------------

KINDS = {
    "data": "Data points",
    "cycle": "PDSA cycles",
    "measure": "Measures and targets for them",
    "target": "Stretch target",
    "phase": "Collaborative phase",
    "chart": "Chart edits and annotations",
    "team": "Teams and their people",
    "role": "Roles and invitations",
    "setup": "Collaborative set-up",
    "assessment": "Team assessments",
}
# Where each history that is not an AuditEntry sits, and the kind of change it is.
HISTORIES = {
    "revision": "data",
    "target": "target",
    "phase": "phase",
    "setting": "measure",
    "chart": "chart",
}


@dataclass(frozen=True)
class TrailFilter:
    """Which part of the trail to read: always a set of collaboratives (and for an AHSN's
    trail its AHSN-wide entries), narrowed by who, kind, dates and team."""

    collaborative_ids: tuple[int, ...]
    ahsn_id: int | None = None
    actor_id: int | None = None
    kind: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    team_id: int | None = None


@dataclass
class TrailRow:
    """One change, whichever history it came from, as the trail page and exports show it."""

    at: dt.datetime
    who: str
    source: str
    kind: str
    action: str
    what: str
    collaborative: str = ""
    team: str = ""
    changes: list = field(default_factory=list)  # [(label, before, after)]
    reason: str = ""
    detail: str = ""


def _day_bounds(filters: TrailFilter):
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(filters.since, dt.time.min, tzinfo=tz) if filters.since else None
    end = (
        dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        if filters.until
        else None
    )
    return start, end


def _sources(filters: TrailFilter) -> dict[str, models.QuerySet]:
    """Each history, filtered to the trail asked for; keys name the history."""
    from django.db.models import Q

    ids = list(filters.collaborative_ids)
    library = CollaborativeMeasure.objects.filter(collaborative_id__in=ids).values("measure_id")
    entry_scope = Q(collaborative_id__in=ids) | Q(
        object_type="measures.measure", collaborative__isnull=True, object_id__in=library
    )
    if filters.ahsn_id is not None:
        entry_scope |= Q(ahsn_id=filters.ahsn_id, collaborative__isnull=True)
    sources = {
        "entry": (AuditEntry.objects.filter(entry_scope), "at", "actor_id", "team_id"),
        "revision": (
            DataPointRevision.objects.filter(series__team__collaborative_id__in=ids),
            "changed_at",
            "changed_by_id",
            "series__team_id",
        ),
        "target": (
            StretchTarget.objects.filter(collaborative_id__in=ids),
            "set_at",
            "set_by_id",
            None,
        ),
        "phase": (
            PhaseChange.objects.filter(collaborative_id__in=ids),
            "moved_at",
            "moved_by_id",
            None,
        ),
        "setting": (
            MeasureSettingChange.objects.filter(
                Q(collaborative_id__in=ids)
                | Q(collaborative__isnull=True, measure__team__collaborative_id__in=ids)
                | Q(collaborative__isnull=True, measure__team__isnull=True, measure__in=library)
            ),
            "changed_at",
            "changed_by_id",
            "measure__team_id",
        ),
        "chart": (
            ChartEdit.objects.filter(series__team__collaborative_id__in=ids),
            "changed_at",
            "changed_by_id",
            "series__team_id",
        ),
    }
    start, end = _day_bounds(filters)
    out = {}
    for name, (qs, at, actor, team) in sources.items():
        if filters.kind:
            if name == "entry":
                types = [t for t, (_, kind) in TRACKED.items() if kind == filters.kind]
                if not types:
                    continue
                qs = qs.filter(object_type__in=types)
            elif HISTORIES[name] != filters.kind:
                continue
        if filters.team_id is not None:
            if team is None:
                continue
            qs = qs.filter(**{team: filters.team_id})
        if filters.actor_id is not None:
            qs = qs.filter(**{actor: filters.actor_id})
        if start is not None:
            qs = qs.filter(**{f"{at}__gte": start})
        if end is not None:
            qs = qs.filter(**{f"{at}__lt": end})
        out[name] = (qs, at, actor)
    return out


def trail(filters: TrailFilter):
    """The trail as one QuerySet of (history, id, when), newest first: a UNION of every
    history, so that the database sorts and pages it; `trail_rows` turns a page into rows."""
    from django.db.models import F, Value
    from django.db.models.functions import Cast

    parts = [
        qs.order_by()
        .annotate(
            history=Value(name, output_field=models.CharField()),
            key=Cast("pk", models.BigIntegerField()),
            when=F(at),
        )
        .values_list("history", "key", "when")
        for name, (qs, at, _) in _sources(filters).items()
    ]
    if not parts:
        return AuditEntry.objects.none().values_list("object_type", "object_id", "at")
    first, *rest = parts
    return first.union(*rest, all=True).order_by("-when", "-key")


def trail_actors(filters: TrailFilter) -> list[tuple[int, str]]:
    """Everyone who changed anything in the trail (ignoring the who filter), by name."""
    from django.contrib.auth import get_user_model
    from django.db.models import F

    everyone = TrailFilter(**{**filters.__dict__, "actor_id": None})
    parts = [
        qs.order_by().annotate(who=F(actor)).values_list("who", flat=True).distinct()
        for qs, _, actor in _sources(everyone).values()
    ]
    if not parts:
        return []
    first, *rest = parts
    ids = {pk for pk in first.union(*rest) if pk is not None}
    users = get_user_model().objects.filter(pk__in=ids).select_related("person")
    return sorted(((u.pk, _user_name(u)) for u in users), key=lambda pair: pair[1].lower())


def _user_name(user) -> str:
    if user is None:
        return ""
    try:
        name = user.person.name
    except AttributeError:
        name = ""
    return name or user.get_username()


def _user_names(ids) -> dict[int, str]:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(pk__in=[i for i in ids if i]).select_related("person")
    return {u.pk: _user_name(u) for u in users}


def _field_label(model, name: str) -> str:
    if model is None:
        return name
    for f in model._meta.get_fields():
        if getattr(f, "attname", None) == name or f.name == name:
            return capfirst(str(getattr(f, "verbose_name", name)))
    return name.replace("_", " ").capitalize()


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")


def _shown(model, name: str, value) -> str:
    """A recorded value as a reader would say it: a choice's label, yes/no, a list joined."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return f"{dt.date.fromisoformat(value):%-d %b %Y}"
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            moment = timezone.localtime(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
        return f"{moment:%-d %b %Y %H:%M}"
    if model is not None:
        try:
            f = model._meta.get_field(name[:-3] if name.endswith("_id") else name)
        except Exception:  # noqa: BLE001 - a field removed since the entry was written
            f = None
        if f is not None and getattr(f, "choices", None):
            return str(dict(f.flatchoices).get(value, value))
    return str(value)


def _number(value) -> str:
    return "" if value is None else decimal_text(value)


def trail_rows(keys) -> list[TrailRow]:
    """The rows for (history, id, when) keys, in the keys' order, each history read once."""
    from django.apps import apps

    keys = list(keys)
    wanted: dict[str, list[int]] = {}
    for history, pk, _ in keys:
        wanted.setdefault(history, []).append(pk)
    loaded: dict[tuple[str, int], TrailRow] = {}

    def team_name(team) -> str:
        return str(team) if team is not None else ""

    entries = AuditEntry.objects.filter(pk__in=wanted.get("entry", []))
    collaborative_names = dict(
        Collaborative.objects.filter(
            pk__in={e.collaborative_id for e in entries if e.collaborative_id}
        ).values_list("pk", "name")
    )
    teams = Team.objects.select_related("organisation").in_bulk(
        {e.team_id for e in entries if e.team_id}
    )
    for e in entries:
        try:
            model = apps.get_model(e.object_type)
        except (LookupError, ValueError):
            model = None
        kind = TRACKED.get(e.object_type, (None, ""))[1]
        type_name = capfirst(str(model._meta.verbose_name)) if model else e.object_type
        loaded[("entry", e.pk)] = TrailRow(
            at=e.at,
            who=e.actor_name or "System",
            source=e.get_source_display(),
            kind=KINDS.get(kind, kind),
            action=e.get_action_display(),
            what=f"{type_name}: {e.object_repr}",
            collaborative=collaborative_names.get(e.collaborative_id, ""),
            team=team_name(teams.get(e.team_id)),
            changes=[
                (_field_label(model, name), _shown(model, name, old), _shown(model, name, new))
                for name, (old, new) in e.changes.items()
            ],
            reason=e.reason,
        )

    # Data point revisions are most of any trail: read as plain values, with each series
    # and person looked up once, not as a row of objects per revision.
    revisions = list(
        DataPointRevision.objects.filter(pk__in=wanted.get("revision", [])).values_list(
            "pk",
            "series_id",
            "period_start",
            "old_numerator",
            "old_denominator",
            "new_numerator",
            "new_denominator",
            "changed_by_id",
            "changed_at",
            "source",
            "reason",
        )
    )
    series = Series.objects.select_related(
        "measure", "team__organisation", "team__collaborative"
    ).in_bulk({r[1] for r in revisions})
    names = _user_names({r[7] for r in revisions})
    source_labels = dict(DataPointRevision.Source.choices)
    for pk, series_id, period, old_n, old_d, new_n, new_d, by, at, source, reason in revisions:
        s_ = series[series_id]
        if old_n is None:
            action = "Added"
        elif new_n is None:
            action = "Cleared"
        else:
            action = "Changed"
        changes = [("Numerator", _number(old_n), _number(new_n))]
        if old_d is not None or new_d is not None:
            changes.append(("Denominator", _number(old_d), _number(new_d)))
        loaded[("revision", pk)] = TrailRow(
            at=at,
            who=names.get(by) or "System",
            source=source_labels.get(source, source),
            kind=KINDS["data"],
            action=action,
            what=f"Data point: {s_.measure.name}, period starting {period:%-d %b %Y}",
            collaborative=s_.team.collaborative.name,
            team=team_name(s_.team),
            changes=changes,
            reason=reason,
        )

    targets = list(
        StretchTarget.objects.filter(pk__in=wanted.get("target", [])).select_related(
            "collaborative", "measure", "set_by__person"
        )
    )
    histories = {c: target_history(c) for c in {t.collaborative for t in targets}}
    for t in targets:
        setting = next(s for s in histories[t.collaborative].settings if s.target.pk == t.pk)
        loaded[("target", t.pk)] = TrailRow(
            at=t.set_at,
            who=setting.set_by or "System",
            source=AuditSource.WEB.label,
            kind=KINDS["target"],
            action="Set" if setting.first else ("Moved" if setting.moved else "Restated"),
            what=f"Stretch target: {t.measure.name}",
            collaborative=t.collaborative.name,
            changes=setting.changes,
            reason=t.reason,
            detail=setting.timing,
        )

    for p in PhaseChange.objects.filter(pk__in=wanted.get("phase", [])).select_related(
        "collaborative", "moved_by__person"
    ):
        loaded[("phase", p.pk)] = TrailRow(
            at=p.moved_at,
            who=_user_name(p.moved_by) or "System",
            source=AuditSource.WEB.label,
            kind=KINDS["phase"],
            action="Moved",
            what=f"Collaborative phase: {p.collaborative.name}",
            collaborative=p.collaborative.name,
            changes=[("Phase", p.get_from_phase_display(), p.get_to_phase_display())],
            detail=f"From {p.moved_on:%-d %b %Y}",
        )

    for s in MeasureSettingChange.objects.filter(pk__in=wanted.get("setting", [])).select_related(
        "measure__team__organisation",
        "measure__team__collaborative",
        "collaborative",
        "changed_by__person",
    ):
        collaborative = s.collaborative or (
            s.measure.team.collaborative if s.measure.team else None
        )
        loaded[("setting", s.pk)] = TrailRow(
            at=s.changed_at,
            who=_user_name(s.changed_by) or "System",
            source=AuditSource.WEB.label,
            kind=KINDS["measure"],
            action="Changed",
            what=f"Measure: {s.measure.name}",
            collaborative=collaborative.name if collaborative else "Every collaborative using it",
            team=team_name(s.measure.team),
            changes=[(s.field.replace("_", " ").capitalize(), s.old_value, s.new_value)],
            reason=s.reason,
        )

    for c in ChartEdit.objects.filter(pk__in=wanted.get("chart", [])).select_related(
        "series__measure",
        "series__team__organisation",
        "series__team__collaborative",
        "changed_by__person",
    ):
        loaded[("chart", c.pk)] = TrailRow(
            at=c.changed_at,
            who=_user_name(c.changed_by) or "System",
            source=AuditSource.WEB.label,
            kind=KINDS["chart"],
            action=c.get_kind_display(),
            what=f"Chart: {c.series.measure.name}, period starting {c.period_start:%-d %b %Y}",
            collaborative=c.series.team.collaborative.name,
            team=team_name(c.series.team),
            reason=c.reason,
            detail=c.detail,
        )
    return [loaded[(history, pk)] for history, pk, _ in keys if (history, pk) in loaded]


# --- The stretch target's history ------------------------------------------------------------


@dataclass(frozen=True)
class TargetSetting:
    """One setting of a stretch target, and how it relates to the data and the one before."""

    target: object  # collaboratives.models.StretchTarget
    set_at: dt.datetime
    set_by: str
    reason: str
    first: bool
    before_first_data: bool  # set before any team entered data for its measure
    before_start: bool  # set on or before the collaborative's start date
    moved: bool  # the measure, target value or target date differs from the setting before
    changes: list  # [(label, before, after)] against the setting before; all of it if first

    @property
    def timing(self) -> str:
        if not self.first:
            return ""
        if self.before_start:
            return "Set before the collaborative started"
        if self.before_first_data:
            return "Set before the first data arrived"
        return "Set after the first data arrived"


@dataclass(frozen=True)
class TargetHistory:
    """A collaborative's stretch target over time, oldest setting first."""

    settings: list[TargetSetting]
    first_data_at: dt.datetime | None

    @property
    def set_early(self) -> bool:
        """Whether the first target came before the collaborative started or before its
        first data: set up front, not fitted to results."""
        return bool(self.settings) and (
            self.settings[0].before_start or self.settings[0].before_first_data
        )

    @property
    def moved(self) -> bool:
        return any(s.moved for s in self.settings[1:])

    @property
    def times_moved(self) -> int:
        return sum(s.moved for s in self.settings[1:])

    def words(self) -> str:
        """The history in a sentence or two, for the report and the page."""
        if not self.settings:
            return "No stretch target has been set."
        first = self.settings[0]
        text = f"Set on {first.set_at:%-d %B %Y}"
        text += f" by {first.set_by}" if first.set_by else ""
        if first.before_start:
            text += ", before the collaborative started"
        elif first.before_first_data:
            text += ", before the first data arrived"
        elif self.first_data_at is not None:
            text += f", after the first data arrived ({self.first_data_at:%-d %B %Y})"
        text += "."
        moves = [s for s in self.settings[1:] if s.moved]
        if not moves:
            return text + " Not moved since."
        times = (
            "once" if len(moves) == 1 else ("twice" if len(moves) == 2 else f"{len(moves)} times")
        )
        details = "; ".join(
            f"on {s.set_at:%-d %B %Y} ("
            + ", ".join(f"{label} {old} to {new}" for label, old, new in s.changes)
            + f"): {s.reason}"
            for s in moves
        )
        return f"{text} Moved {times}: {details}."


def _target_values(t) -> dict[str, str]:
    return {
        "Measure": t.measure.name,
        "Baseline": _number(t.baseline_value),
        "Baseline period": f"{t.baseline_period_start:%b %Y} to {t.baseline_period_end:%b %Y}",
        "Target": _number(t.target_value),
        "Target date": f"{t.target_date:%-d %b %Y}",
    }


MOVES = ("Measure", "Target", "Target date")


def target_history(collaborative) -> TargetHistory:
    """Every setting of the collaborative's stretch target with when, by whom and why, and
    whether it was set early (before the start or the first data) or moved since.

    "First data" is when a team first entered data for the target's measure in this
    collaborative (the earliest data point revision), not the period the data is about:
    a target set after baseline data was seen is set later than one set before it.
    """
    from django.db.models import Min

    targets = list(
        collaborative.stretch_targets.select_related("measure", "set_by__person").order_by(
            "set_at", "id"
        )
    )
    first_data = {
        row["series__measure_id"]: row["first"]
        for row in DataPointRevision.objects.filter(
            series__team__collaborative=collaborative,
            series__measure_id__in={t.measure_id for t in targets},
        )
        .values("series__measure_id")
        .annotate(first=Min("changed_at"))
        .order_by()
    }
    settings_, previous = [], None
    for t in targets:
        values = _target_values(t)
        data_at = first_data.get(t.measure_id)
        if previous is None:
            changes = [(name, "", value) for name, value in values.items()]
            moved = False
        else:
            changes = [
                (name, previous[name], value)
                for name, value in values.items()
                if previous[name] != value
            ]
            moved = any(name in MOVES for name, _, _ in changes)
        settings_.append(
            TargetSetting(
                target=t,
                set_at=t.set_at,
                set_by=_user_name(t.set_by),
                reason=t.reason,
                first=previous is None,
                before_first_data=data_at is None or t.set_at < data_at,
                before_start=timezone.localtime(t.set_at).date() <= collaborative.starts_on,
                moved=moved,
                changes=changes,
            )
        )
        previous = values
    first_measure = targets[0].measure_id if targets else None
    return TargetHistory(settings=settings_, first_data_at=first_data.get(first_measure))
