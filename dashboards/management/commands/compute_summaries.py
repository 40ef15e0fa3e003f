"""Compute the reporting summaries now, in this process (the beat does it in production)."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from dashboards.payloads import VERSION
from dashboards.summaries import month_of, previous_month, summaries_compute


class Command(BaseCommand):
    help = (
        "Compute every reporting summary (teams, collaboratives, AHSNs, programmes) for this "
        "month. --with-last-month also stores a back-dated snapshot of last month, so a new "
        "installation can show what changed since then."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-last-month",
            action="store_true",
            help=(
                "Also store last month's snapshot, as of its last day, if there is none (of "
                "this payload version)."
            ),
        )

    def handle(self, *args, **options):
        today = timezone.localdate()
        if options["with_last_month"]:
            from dashboards.models import ReportingSummary

            last_day = month_of(today) - timezone.timedelta(days=1)
            kept = ReportingSummary.objects.filter(
                month=previous_month(month_of(today)), payload__version=VERSION
            )
            if not kept.exists():
                started = time.monotonic()
                counts = summaries_compute(today=last_day)
                self.stdout.write(
                    f"Summaries as of {last_day:%d %B %Y}: {self._describe(counts)} "
                    f"in {time.monotonic() - started:.1f} s."
                )
        started = time.monotonic()
        counts = summaries_compute(today=today)
        self.stdout.write(
            f"Summaries: {self._describe(counts)} in {time.monotonic() - started:.1f} s."
        )

    @staticmethod
    def _describe(counts: dict) -> str:
        return ", ".join(f"{n} {level}" for level, n in sorted(counts.items())) or "nothing"
