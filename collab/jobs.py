"""Background work that is never lost or done twice: tasks sent by name, and the job protocol.

Two kinds of work run in a Celery worker and keep their state in a PostgreSQL row: a
chart's recompute (`measures.recompute`, one `RecomputeJob` per series) and a contract
review's build (`reports.build`, the `ContractReview` itself). Both follow one protocol,
written here once (`Protocol`):

1. The caller marks the row waiting (with `sent_at`) in its transaction, and sends the task
   after commit (`send_on_commit`), by the task's NAME: the modules that hold work never
   import the tasks modules, which import them.
2. The task claims the rows with a conditional UPDATE and checks the row count (`claim`):
   only a waiting row, or one whose worker has gone silent, becomes running under this
   worker's name (`worker_name`), its attempts counted. A duplicate delivery to another
   worker finds it held and does nothing.
3. The worker beats `heartbeat_at` while it runs, and stores its result only through
   `held(...)`: the rows it still holds. A failure gives the rows back (`fail`), or marks
   them failed once they have used up their attempts.
4. The sweeper (beat, every minute; `sweep`) re-sends a waiting row whose message was sent
   and lost (`sent_at` set and old, never taken), takes back a running row whose worker went
   silent (killed mid-way), and marks failed a row out of attempts.

This module sits in `collab` beside the Celery app it sends through: it is wiring between
the apps and the broker, imports no app, and every app may import it (see the import
contracts in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone

from collab.celery import app


def send(name: str, *args) -> None:
    """Send the task called `name` now (eagerly run when Celery is eager, as `delay` is)."""
    if name not in app.tasks:
        # The worker imports every app's tasks at start; another process (a web request,
        # a test) may not have yet, and a task unknown here would not run eagerly.
        app.loader.import_default_modules()
    app.signature(name, args=args).delay()


def send_on_commit(name: str, *args, robust: bool = False) -> None:
    """Send the task called `name` once the current transaction commits (never if it rolls
    back). `robust`: a failure to send (broker down) is logged, not raised, for work that
    the sweeper sends again later."""
    transaction.on_commit(lambda: send(name, *args), robust=robust)


def worker_name(task) -> str:
    """Who holds a claimed job: the worker's host name and this run's task id."""
    return f"{task.request.hostname or 'eager'}:{task.request.id or 'local'}"


@dataclass(frozen=True)
class Protocol:
    """The claim/heartbeat/sweep protocol over one model's job rows.

    The model has the fields `status`, `claimed_by`, `heartbeat_at`, `attempts`,
    `last_error` and `sent_at`; `key` names the field that identifies a job (a row may
    hold one job, as a review does, or stand for one series, as a recompute job does).
    """

    model: type[Model]
    key: str
    waiting: str
    running: str
    failed: str
    max_attempts: int
    resend_after: timedelta
    silent_after: timedelta
    # What the sweeper writes as the error of a job that used up its attempts silently.
    gave_up: str
    # A waiting row never sent (`sent_at` empty) is re-sent once this field is older than
    # `resend_after`; with None, at once.
    unsent_since: str | None = None

    def rows(self, keys: Iterable) -> QuerySet:
        return self.model.objects.filter(**{f"{self.key}__in": list(keys)})

    def claim(self, keys: Iterable, worker: str, *, also: Q | None = None, **fields) -> int:
        """Claim for `worker` the jobs that wait or whose worker went silent (or match
        `also`), by one conditional UPDATE that also writes `fields`; the rows claimed."""
        now = timezone.now()
        claimable = Q(status=self.waiting) | Q(
            status=self.running, heartbeat_at__lt=now - self.silent_after
        )
        if also is not None:
            claimable |= also
        return (
            self.rows(keys)
            .filter(claimable)
            .update(
                status=self.running,
                claimed_by=worker,
                heartbeat_at=now,
                attempts=F("attempts") + 1,
                **fields,
            )
        )

    def held(self, keys: Iterable, worker: str, **also) -> QuerySet:
        """The rows `worker` still holds: a sweeper or new data may have taken them back."""
        return self.rows(keys).filter(status=self.running, claimed_by=worker, **also)

    def beat(self, rows: QuerySet, **fields) -> int:
        """Beat the heartbeat of `rows` (those the worker holds), writing `fields`; how many."""
        return rows.update(heartbeat_at=timezone.now(), **fields)

    def fail(
        self, held: QuerySet, error: str, *, now: datetime | None = None, **failed_fields
    ) -> None:
        """Give the held rows back for the sweeper to send again, or mark them failed (with
        `failed_fields`) when out of attempts."""
        now = now or timezone.now()
        held.filter(attempts__gte=self.max_attempts).update(
            status=self.failed, last_error=error, **failed_fields
        )
        held.update(status=self.waiting, last_error=error, sent_at=now)

    def sweep(
        self,
        *,
        send: Callable[[list], None],
        now: datetime | None = None,
        failed_fields: dict | None = None,
    ) -> dict:
        """Re-send the jobs whose message was lost and those whose worker went silent, after
        commit through `send(keys)`; mark failed (with `failed_fields`) those out of
        attempts. Returns ``{"resent": n, "failed": n}``."""
        now = now or timezone.now()
        unsent = Q(status=self.waiting, sent_at__isnull=True)
        if self.unsent_since:
            unsent &= Q(**{f"{self.unsent_since}__lt": now - self.resend_after})
        stuck = self.model.objects.filter(
            Q(status=self.waiting, sent_at__lt=now - self.resend_after)
            | unsent
            | Q(status=self.running, heartbeat_at__lt=now - self.silent_after)
        )
        with transaction.atomic():
            spent = stuck.filter(attempts__gte=self.max_attempts)
            spent.filter(last_error="").update(last_error=self.gave_up)
            failed = spent.update(status=self.failed, **(failed_fields or {}))
            keys = list(stuck.values_list(self.key, flat=True).order_by(self.key))
            # A silent job goes back to waiting, so the re-sent task can claim it.
            self.rows(keys).update(status=self.waiting, sent_at=now)
            transaction.on_commit(lambda: send(keys), robust=True)
        return {"resent": len(keys), "failed": failed}
