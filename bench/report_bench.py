"""Time the contract-review build for the largest AHSN of the national-scale data.

    DATABASE_URL=postgresql://... python bench/report_bench.py [--ahsn CODE] [--months 12]

Picks the AHSN with the most series in the collaboratives it leads or partners in (or
--ahsn), asks for a review of the last --months whole months, and runs the build exactly
as the Celery task does: read and compute the document, then render the PDF, XLSX and
HTML. Prints the time of each phase and `report_build: N s`; aim 10 s or less (issue 18). Nothing is
written. With --store it runs the task's whole path (`reports.build.review_build`: claim,
build, store) on a saved review inside a transaction rolled back at the end (run
`manage.py migrate` first so the reports table exists).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")

import argparse  # noqa: E402
import time  # noqa: E402

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402
from stack import commit  # noqa: E402  # bench/stack.py (bench/ is on the path)

from collaboratives.models import AHSN  # noqa: E402
from measures.models import Series  # noqa: E402
from reports import content, render  # noqa: E402
from reports.build import review_build  # noqa: E402
from reports.forms import last_twelve_months  # noqa: E402
from reports.models import ContractReview  # noqa: E402


class Rollback(Exception):
    pass


def largest_ahsn():
    """The AHSN leading the most series (teams x measures)."""
    top = (
        Series.objects.values("team__collaborative__lead_ahsn")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return AHSN.objects.get(pk=top["team__collaborative__lead_ahsn"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ahsn", help="an AHSN code (default: the one with most series)")
    parser.add_argument("--pdf", help="also write the PDF here, to look at")
    parser.add_argument(
        "--store",
        action="store_true",
        help="run the whole task path on a saved review, rolled back (needs `migrate`)",
    )
    args = parser.parse_args()
    ahsn = AHSN.objects.get(code=args.ahsn) if args.ahsn else largest_ahsn()
    start, end = last_twelve_months(timezone.localdate())
    collaboratives = content.collaboratives_in(ahsn, start, end)
    teams = sum(c.teams.count() for c in collaboratives)
    print(f"database: {connection.vendor}, cpus: {os.cpu_count()}, commit: {commit()}")
    print(f"ahsn: {ahsn.code} ({ahsn.name}), period {start} to {end}")
    print(f"collaboratives: {len(collaboratives)}, teams: {teams}")

    if args.store:
        _through_the_task(ahsn, start, end)
        return
    # The build's two halves, as reports.build runs them, on an unsaved review: nothing is
    # written, so the benchmark needs no migration and leaves a shared database alone.
    t0, c0 = time.perf_counter(), time.process_time()
    document, versions = content.review_document(ahsn, start, end)
    t1, c1 = time.perf_counter(), time.process_time()
    review = ContractReview(ahsn=ahsn, period_start=start, period_end=end, document=document)
    files = render.render_files(review)
    t2, c2 = time.perf_counter(), time.process_time()
    review.pdf, review.xlsx = files["pdf"], files["xlsx"]
    if args.pdf:
        Path(args.pdf).write_bytes(files["pdf"])
    _describe(review)
    # This process's CPU seconds beside the wall time: on the shared cores the load slows
    # the wall time most; the reading's waits on PostgreSQL count in the wall time only.
    print(f"  read and compute: {t1 - t0:.1f} s (CPU {c1 - c0:.1f} s)")
    print(f"  render PDF, XLSX, HTML: {t2 - t1:.1f} s (CPU {c2 - c1:.1f} s)")
    print(f"report_build: {t2 - t0:.1f} s (aim: 10 s or less)")


def _through_the_task(ahsn, start, end) -> None:
    """The whole task path (claim, build, store) on a saved review, rolled back after."""
    try:
        with transaction.atomic():
            review = ContractReview.objects.create(
                ahsn=ahsn, period_start=start, period_end=end, sent_at=timezone.now()
            )
            t = time.perf_counter()
            ok = review_build(review.pk, worker="bench")
            total = time.perf_counter() - t
            review.refresh_from_db()
            if not ok:
                print(review.last_error)
                raise SystemExit("the build failed")
            _describe(review)
            print(f"report_build: {total:.1f} s (aim: 10 s or less)")
            raise Rollback
    except Rollback:
        pass


def _describe(review) -> None:
    doc = review.document
    measures = sum(len(c["measures"]) for c in doc["collaboratives"])
    sizes = f"PDF {len(review.pdf) // 1024} KB, XLSX {len(review.xlsx) // 1024} KB"
    print(f"measures charted: {measures}, pages: {_pages(review)}, {sizes}")


def _pages(review) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(bytes(review.pdf))).pages)


if __name__ == "__main__":
    main()
