"""Every history model refuses an update and a delete the same way (governance.history)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import transaction

from collaboratives.models import PhaseChange, StretchTarget
from dashboards.models import VariationNote
from governance.history import AppendOnly, AppendOnlyError
from governance.models import AuditEntry
from measures.models import (
    ChartEdit,
    CollaborativeMeasure,
    DataPointRevision,
    MeasureSettingChange,
)
from tests.cast import START, build_cast

pytestmark = pytest.mark.django_db

AT = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)


def _revision(cast):
    return DataPointRevision.objects.create(
        series=cast.alpha_series, period_start=START, new_numerator=1, version=1,
        changed_at=AT, source="seed",
    )  # fmt: skip


def _stretch_target(cast):
    return StretchTarget.objects.create(
        collaborative=cast.falls, measure=cast.falls_rate, baseline_value=Decimal("5"),
        baseline_period_start=START, baseline_period_end=START, target_value=Decimal("3"),
        target_date=dt.date(2025, 1, 1), reason="Set at the launch.", set_at=AT,
    )  # fmt: skip


def _phase_change(cast):
    return PhaseChange.objects.create(
        collaborative=cast.falls, from_phase="preparation", to_phase="active", moved_on=START
    )


def _setting_change(cast):
    return MeasureSettingChange.objects.create(
        measure=cast.falls_rate, field="direction", old_value="up", new_value="down",
        reason="The clinical lead's call.", changed_at=AT,
    )  # fmt: skip


def _chart_edit(cast):
    return ChartEdit.objects.create(
        series=cast.alpha_series, kind=ChartEdit.Kind.PHASE_ADDED, period_start=START,
        detail="New process", reason="A change went live.", changed_at=AT,
    )  # fmt: skip


def _variation_note(cast):
    cm, _ = CollaborativeMeasure.objects.get_or_create(
        collaborative=cast.falls, measure=cast.falls_rate
    )
    return VariationNote.objects.create(
        collaborative_measure=cm, team=cast.alpha, kind="reason", reason="case_mix",
        text="Frail patients.", created_at=AT,
    )  # fmt: skip


def _audit_entry(cast):
    return AuditEntry.objects.create(
        at=AT, action="create", object_type="collaboratives.team", object_id=cast.alpha.pk,
        object_repr=str(cast.alpha), source="command",
    )  # fmt: skip


HISTORY = {
    DataPointRevision: (_revision, "reason"),
    StretchTarget: (_stretch_target, "reason"),
    PhaseChange: (_phase_change, "to_phase"),
    MeasureSettingChange: (_setting_change, "reason"),
    ChartEdit: (_chart_edit, "reason"),
    VariationNote: (_variation_note, "text"),
    AuditEntry: (_audit_entry, "reason"),
}


def test_every_history_model_is_tested_here():
    history = {m for m in apps.get_models() if issubclass(m, AppendOnly)}
    assert history == set(HISTORY)


@pytest.mark.parametrize("model", list(HISTORY), ids=lambda m: m.__name__)
def test_a_history_row_is_never_changed_or_deleted(model):
    make, field = HISTORY[model]
    row = make(build_cast())
    before = getattr(row, field)
    setattr(row, field, "rewritten")
    with pytest.raises(AppendOnlyError, match="never changed"):
        row.save()
    with pytest.raises(AppendOnlyError, match="never deleted"):
        row.delete()
    with pytest.raises(AppendOnlyError, match="never changed"):
        model.objects.filter(pk=row.pk).update(**{field: "rewritten"})
    with pytest.raises(AppendOnlyError, match="never changed"), transaction.atomic():
        model.objects.bulk_update([row], [field])  # inside its own atomic block: a savepoint
    with pytest.raises(AppendOnlyError, match="never deleted"):
        model.objects.filter(pk=row.pk).delete()
    assert getattr(model.objects.get(pk=row.pk), field) == before


def test_the_shared_shape_of_setting_changes_and_chart_edits():
    shared = {"reason", "changed_by", "changed_at"}
    for model in (MeasureSettingChange, ChartEdit):
        assert shared <= {f.name for f in model._meta.fields}
        assert model._meta.ordering == ["-changed_at", "-id"]


def test_the_admin_shows_every_history_model_read_only():
    from django.contrib import admin
    from django.contrib.auth.models import User
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = User.objects.create_superuser("admin", password="x")
    registered = [m for m in HISTORY if admin.site.is_registered(m)]
    assert registered  # the audit trail and the data point revisions at least
    for model in registered:
        model_admin = admin.site.get_model_admin(model)
        assert model_admin.has_view_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
