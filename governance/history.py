"""Append-only history: rows that record what happened are added, never changed or deleted.

Every history model (data point revisions, stretch targets, phase changes, measure settings,
chart edits, variation notes and the audit trail) derives from `AppendOnly`. The model and its
QuerySet refuse an update or a delete with one exception, `AppendOnlyError`; a change is
recorded by adding a new row, and the newest row is in force where one is.

Deleting the row a history hangs from still goes by its foreign key's `on_delete`: Django's
collector deletes related rows in SQL, not through these methods. The admin shows history
read-only. The audit trail is also guarded in the database (governance migration 0003).

A leaf module (Django only, no app), so that the models of every app can derive from it.
"""

from django.conf import settings
from django.db import models


class AppendOnlyError(TypeError):
    """A history row was to be changed or deleted. A `TypeError`: calling code misused the
    model, no user input can cause it."""


def _refuse(model, what: str) -> AppendOnlyError:
    name = str(model._meta.verbose_name_plural)
    return AppendOnlyError(f"{name[:1].upper()}{name[1:]} are never {what}: add a new one.")


class AppendOnlyQuerySet(models.QuerySet):
    """Reads as usual; `update()` and `delete()` (and so `bulk_update`) refuse."""

    def update(self, **kwargs):
        raise _refuse(self.model, "changed")

    def delete(self):
        raise _refuse(self.model, "deleted")


class AppendOnly(models.Model):
    """Abstract base of a history model: saved once, then never saved again nor deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise _refuse(type(self), "changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _refuse(type(self), "deleted")


class RecordedChange(AppendOnly):
    """Abstract shape of a change recorded by a person: why, by whom, when.

    `MeasureSettingChange` and `ChartEdit` share it; each adds what it changed."""

    reason = models.CharField(max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["-changed_at", "-id"]
