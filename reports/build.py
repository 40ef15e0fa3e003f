"""Building a contract review in a worker, once, however often the task is delivered.

Like measures/recompute.py, PostgreSQL holds the state of the work:

1. `review_request` creates the row (status draft) and sends `report_build` after commit.
2. The task claims the row with a conditional UPDATE: only a draft, a build whose worker
   has gone silent, or its own task redelivered after its worker died, becomes
   `building` with this worker's name and a new generation. A duplicate delivery to
   another worker finds it held and does nothing.
3. The build beats a heartbeat with each step's progress, and stores the document and
   files only if it still holds the claim; a signed-off review is never touched.
4. `reviews_sweep` (beat, every minute) re-sends drafts whose message was lost and takes
   back builds whose worker went silent (killed mid-way); after MAX_ATTEMPTS it marks
   the review failed with the reason.

Claiming, giving back and sweeping follow the protocol in `collab.jobs`, which the chart
recompute shares; the task is sent by name, so this module never imports reports.tasks.
"""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from collab import jobs
from reports.models import ContractReview
from reports.render import render_files

log = logging.getLogger(__name__)

Status = ContractReview.Status
MAX_ATTEMPTS = 3
RESEND_AFTER = timedelta(minutes=2)
# Every step beats the heartbeat (a collaborative read, the files written); no step of a
# build takes this long, so a build silent for longer has lost its worker.
SILENT_AFTER = timedelta(minutes=2)
FAILED_NOTE = "The build failed; try again or ask for help."

PROTOCOL = jobs.Protocol(
    model=ContractReview,
    key="pk",
    waiting=Status.DRAFT,
    running=Status.BUILDING,
    failed=Status.FAILED,
    max_attempts=MAX_ATTEMPTS,
    resend_after=RESEND_AFTER,
    silent_after=SILENT_AFTER,
    gave_up=f"No worker finished the build in {MAX_ATTEMPTS} attempts.",
)


def review_request(*, ahsn, start, end, user) -> ContractReview:
    """A new draft review of the period, sent to a worker once the transaction commits."""
    with transaction.atomic():
        review = ContractReview.objects.create(
            ahsn=ahsn,
            period_start=start,
            period_end=end,
            requested_by=user,
            sent_at=timezone.now(),
            progress_note="Waiting for a worker",
        )
        transaction.on_commit(lambda: review_send(review.pk), robust=True)
    return review


def review_rebuild(review: ContractReview) -> bool:
    """Build a draft again from today's data (its commentary is kept); False if frozen."""
    with transaction.atomic():
        sent = (
            ContractReview.objects.filter(pk=review.pk)
            .filter(status__in=[Status.READY, Status.FAILED])
            .update(
                status=Status.DRAFT,
                progress=0,
                progress_note="Waiting for a worker",
                attempts=0,
                last_error="",
                sent_at=timezone.now(),
            )
        )
        if sent:
            transaction.on_commit(lambda: review_send(review.pk), robust=True)
    return bool(sent)


def review_send(review_id: int) -> None:
    jobs.send("reports.tasks.report_build", review_id)


def review_claim(review_id: int, worker: str) -> int | None:
    """Claim the build for `worker`; its generation, or None if another holds it or it is done."""
    claimed = PROTOCOL.claim(
        [review_id],
        worker,
        # The same task redelivered (acks_late): the run that claimed it has died.
        also=Q(status=Status.BUILDING, claimed_by=worker),
        build_generation=F("build_generation") + 1,
        progress=1,
        progress_note="Starting",
    )
    if not claimed:
        return None
    return ContractReview.objects.values_list("build_generation", flat=True).get(pk=review_id)


def _held(review_id: int, worker: str, generation: int):
    return PROTOCOL.held([review_id], worker, build_generation=generation)


class LostClaim(Exception):
    """Another worker took the build over (this one was thought silent)."""


def review_build(review_id: int, *, worker: str) -> bool:
    """Build the review if this worker can claim it; whether it stored a result."""
    from reports.content import review_document

    generation = review_claim(review_id, worker)
    if generation is None:
        return False
    review = ContractReview.objects.select_related("ahsn").get(pk=review_id)

    def progress(pct: int, note: str) -> None:
        if not PROTOCOL.beat(
            _held(review_id, worker, generation),
            progress=max(1, min(pct, 99)),
            progress_note=note[:300],
        ):
            raise LostClaim

    try:
        document, versions = review_document(
            review.ahsn, review.period_start, review.period_end, progress=progress
        )
        progress(93, "Drawing the charts and writing the PDF and spreadsheet")
        review.document = document
        files = render_files(review)
        with transaction.atomic():
            stored = _held(review_id, worker, generation).update(
                status=Status.READY,
                progress=100,
                progress_note="Ready",
                document=document,
                data_versions=versions,
                built_at=timezone.now(),
                last_error="",
                **files,
            )
    except LostClaim:
        log.warning("Contract review %s: another worker took the build over", review_id)
        return False
    except Exception:
        log.exception("Contract review %s failed to build", review_id)
        error = traceback.format_exc(limit=5)[-2000:]
        # Failed when out of attempts; otherwise back to draft: the sweeper sends it again.
        PROTOCOL.fail(_held(review_id, worker, generation), error, progress_note=FAILED_NOTE)
        return False
    return bool(stored)


def reviews_sweep(*, now=None) -> dict:
    """Re-send drafts whose message was lost and builds whose worker went silent."""

    def send(ids):
        for pk in ids:
            review_send(pk)

    return PROTOCOL.sweep(send=send, now=now, failed_fields={"progress_note": FAILED_NOTE})
