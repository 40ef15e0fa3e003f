"""Recompute every chart (or one collaborative's) through the workers, with a progress bar.

    python manage.py recompute_charts [--collaborative ID] [--chunk 500] [--timeout 3600]

A chunk at a time, marks the chunk's jobs pending (so the sweeper finishes them if this
command is stopped) and sends the batch task for it, so that the workers start on the first
chunk while the others are being marked; then follows the job rows until every one is done
or failed. Without REDIS_URL the chunks run here, one after another.
"""

import time

from celery import current_app
from django.core.management.base import BaseCommand, CommandError

from measures.models import RecomputeJob, Series
from measures.recompute import CHUNK, series_mark_stale
from measures.tasks import recompute_chunk

BAR = 30


class Command(BaseCommand):
    help = "Recompute every chart, or one collaborative's, through the workers."

    def add_arguments(self, parser):
        parser.add_argument("--collaborative", type=int, help="Only this collaborative's charts.")
        parser.add_argument("--chunk", type=int, default=CHUNK, help="Series per batch task.")
        parser.add_argument(
            "--timeout", type=float, default=3600, help="Give up waiting after this many seconds."
        )

    def handle(self, *args, collaborative=None, chunk=CHUNK, timeout=3600, **options):
        series = Series.objects.order_by("pk")
        if collaborative is not None:
            series = series.filter(team__collaborative_id=collaborative)
        ids = list(series.values_list("pk", flat=True))
        if not ids:
            self.stdout.write("No series to recompute.")
            return
        started = time.monotonic()
        # The series asked for, as a subquery: counting their jobs then costs one short
        # query, not one with every id as a parameter (at national scale the polling took
        # half a core from the workers it waited for). A series added meanwhile has a
        # higher id and is left out.
        asked = series.filter(pk__lte=ids[-1]).values("pk")
        eager = current_app.conf.task_always_eager
        for start in range(0, len(ids), chunk):
            # Marking all 43,000 series of the country first kept the workers idle for
            # seconds; marked and sent a chunk at a time, they start on the first at once.
            part = ids[start : start + chunk]
            series_mark_stale(series_ids=part, send=False)
            recompute_chunk.delay(part)
            if eager:
                self.progress(min(start + chunk, len(ids)), len(ids), started)
        if not eager:
            self.wait(asked, len(ids), started, timeout)
        self.stdout.write("")
        failed = RecomputeJob.objects.filter(
            series__in=asked, status=RecomputeJob.Status.FAILED
        ).count()
        elapsed = time.monotonic() - started
        self.stdout.write(f"Recomputed {len(ids) - failed} charts in {elapsed:.1f} s.")
        if failed:
            raise CommandError(f"{failed} charts failed: see their recompute jobs.")

    def wait(self, asked, total, started, timeout):
        finished = (RecomputeJob.Status.DONE, RecomputeJob.Status.FAILED)
        jobs = RecomputeJob.objects.filter(series__in=asked, status__in=finished)
        while True:
            done = jobs.count()
            self.progress(done, total, started)
            if done == total:
                return
            if time.monotonic() - started > timeout:
                raise CommandError(
                    f"{total - done} charts were still waiting after {timeout:.0f} s: "
                    "are the workers running? The sweeper will send them again."
                )
            time.sleep(0.5)

    def progress(self, done, total, started):
        filled = BAR * done // total
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"\r[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total} charts, {elapsed:.0f} s",
            ending="",
        )
        self.stdout.flush()
