"""The audit trail: who changed what and when, for every row that matters.

How a change is recorded:

- Rows of the models in `TRACKED` write an `AuditEntry` as they are saved or deleted
  (model signals, so the views, forms, workflows, the admin and the seed are all caught
  without each remembering to), in the same transaction as the change itself. The entry
  holds the fields before and after, and the AHSN, collaborative and team it belongs to.
- Who acted and from where comes from a context: `AuditMiddleware` sets it for every
  request (web, admin or API), Celery tasks set it as they start (`task_prerun`), and
  code that acts for someone else says so with `acting_as(user, source=...)`.
- Rows that keep their own append-only history are not copied: data points
  (`DataPointRevision`), stretch targets (`StretchTarget`), collaborative phases
  (`PhaseChange`), measure settings (`MeasureSettingChange`) and chart edits
  (`ChartEdit`). `governance.audit_views` reads them beside `AuditEntry` as one trail.
  So that a change is not listed twice, a field whose change was just written to one of
  those histories is left out of the entry for the row (`_covered`), and phases, point
  marks and annotations are recorded here only when the admin changes them (in the app,
  `measures.edits` is their only path and keeps a `ChartEdit` for each).

`target_history(collaborative)` reads a collaborative's stretch target settings for the
contract-review report: when each was set, by whom and why, and whether the target was
set early or moved.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from governance.models import AuditEntry, AuditSource

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
            except AttributeError:  # no Person: an account made in the admin or the shell
                name = ""
            self._resolved = (actor, name or actor.get_username())
        return self._resolved[0]

    def actor_name(self) -> str:
        return self._resolved[1] if self.user() is not None else ""


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
# Recorded only when changed in the admin: in the app measures.edits keeps a ChartEdit.
ADMIN_ONLY = {"measures.phase", "measures.pointmark", "measures.annotation"}
TEXT_LIMIT = 2000
COVER_SECONDS = 5

Scope = tuple  # (ahsn_id, collaborative_id, team_id)


def _collaborative_scope(collaborative_id) -> Scope:
    from collaboratives.models import Collaborative

    ahsn_id = (
        Collaborative.objects.filter(pk=collaborative_id).values_list("lead_ahsn_id", flat=True)
    ).first()
    return (ahsn_id, collaborative_id, None)


def _team_scope(team_id) -> Scope:
    from collaboratives.models import Team

    row = (
        Team.objects.filter(pk=team_id)
        .values_list("collaborative__lead_ahsn_id", "collaborative_id")
        .first()
    )
    return (row[0], row[1], team_id) if row else (None, None, team_id)


def _series_scope(series_id) -> Scope:
    from measures.models import Series

    team_id = Series.objects.filter(pk=series_id).values_list("team_id", flat=True).first()
    return _team_scope(team_id) if team_id else (None, None, None)


def _role_scope(obj) -> Scope:
    if obj.team_id:
        return _team_scope(obj.team_id)
    if obj.collaborative_id:
        return _collaborative_scope(obj.collaborative_id)
    return (obj.ahsn_id, None, None)


def _design_entry_scope(obj) -> Scope:
    from collaboratives.models import DesignRecord

    collaborative_id = (
        DesignRecord.objects.filter(pk=obj.record_id).values_list("collaborative_id", flat=True)
    ).first()
    return _collaborative_scope(collaborative_id)


def _attendance_scope(obj) -> Scope:
    from collaboratives.models import LearningEvent

    collaborative_id = (
        LearningEvent.objects.filter(pk=obj.event_id).values_list("collaborative_id", flat=True)
    ).first()
    ahsn_id, collaborative_id, _ = _collaborative_scope(collaborative_id)
    return (ahsn_id, collaborative_id, obj.team_id)


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
        text = f"{value.normalize():f}"
        return text
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
    return [
        f for f in model._meta.concrete_fields if f.name not in SKIPPED_FIELDS and not f.primary_key
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
            from measures.models import CollaborativeMeasure

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
    """Connect the handlers (from `GovernanceConfig.ready`)."""
    from celery.signals import task_postrun, task_prerun

    for signal, handler in (
        (pre_save, _before_save),
        (post_save, _after_save),
        (pre_delete, _before_delete),
        (post_delete, _after_delete),
    ):
        signal.connect(handler, dispatch_uid=f"collab-audit-{handler.__name__}")
    m2m_changed.connect(_m2m_changed, dispatch_uid="collab-audit-m2m")
    post_save.connect(_history_written, dispatch_uid="collab-audit-history")
    task_prerun.connect(_task_started, dispatch_uid="collab-audit-task-start", weak=False)
    task_postrun.connect(_task_finished, dispatch_uid="collab-audit-task-end", weak=False)
