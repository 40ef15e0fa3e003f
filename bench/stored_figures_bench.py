"""What storing each chart's figure saves per request, and what it costs the recompute.

    DATABASE_URL=postgresql://.../collab_national .venv/bin/python bench/stored_figures_bench.py \
        [--collaborative ID] [--series 12] [--repeat 15] [--recompute 1000]

Run it from two checkouts (before and after) against the same database, alternating, and
compare: the code it imports is the checkout's own (`ROOT`). It prints:

- pages: per request, as the trust lead of a team of the collaborative who can sign in
  (seed_demo's `lead`, in collaborative 1), so inside its data-sharing terms: the chart
  page (`measures:series_chart`) and the team dashboard's panel (htmx) of the first
  `--series` series of that team with a stored chart, and the collaborative's
  small multiples (htmx, the fragment cache off, so the figures are built each time), as
  best and median CPU milliseconds over `--repeat` rounds;
- recompute: series per second of `charts_recompute` on `--recompute` series of the
  collaborative, in-process (best of 3), which writes their results (so it needs a
  database that may be written).

Nothing here is asserted; the figures compare only within one run's machine and load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from stack import commit  # bench/stack.py (bench/ is on the path)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collaborative", type=int)
    parser.add_argument("--series", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--recompute", type=int, default=0)
    parser.add_argument("--only", choices=["pages", "recompute"])
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from collaboratives.models import Collaborative
    from governance.models import RoleAssignment
    from measures.models import RecomputeJob, Series
    from measures.recompute import series_mark_stale

    setup_test_environment()
    settings.COLLAB_FRAGMENT_CACHE = False
    collaborative = (
        Collaborative.objects.get(pk=args.collaborative)
        if args.collaborative
        else Collaborative.objects.annotate(n=Count("teams")).order_by("-n", "pk").first()
    )
    series = list(
        Series.objects.filter(team__collaborative=collaborative, chart_results__isnull=False)
        .distinct()
        .order_by("team_id", "pk")
    )
    head = commit()
    print(f"{ROOT.name} {head} collaborative {collaborative.pk}, {len(series)} charted series")
    if args.only != "recompute":
        lead = (
            RoleAssignment.objects.filter(
                role="trust_lead",
                team__collaborative=collaborative,
                team__series__in=series,
                person__user__isnull=False,
            )
            .select_related("person__user", "team")
            .first()
        )
        if lead is None:
            print("no trust lead with a sign-in on this collaborative: pass --collaborative")
            return
        user = lead.person.user
        print(f"as {user.username}, trust lead of team {lead.team_id} (inside)")
        client = Client()
        client.force_login(user)
        team_series = [s for s in series if s.team_id == lead.team_id][: args.series]
        htmx = {"HTTP_HX_REQUEST": "true"}
        pages = {
            "chart page": [
                (reverse("measures:series_chart", args=[s.pk]), {}, {}) for s in team_series
            ],
            "team panel": [
                (reverse("dashboard_team_panel", args=[s.team_id, s.pk]), {}, htmx)
                for s in team_series
            ],
            "multiples": [
                (
                    reverse("dashboard_collaborative_multiples", args=[collaborative.pk]),
                    {"measure": cm.pk, "window": "all"},
                    htmx,
                )
                for cm in collaborative.measure_set.order_by("pk")[:3]
            ],
        }
        for name, calls in pages.items():
            for path, data, headers in calls:  # warm: templates, session
                response = client.get(path, data, **headers)
                assert response.status_code == 200, (path, response.status_code)
            spent = []
            for _ in range(args.repeat):
                started = time.process_time()
                for path, data, headers in calls:
                    client.get(path, data, **headers)
                spent.append((time.process_time() - started) / len(calls))
            print(
                f"{name}: best {1000 * min(spent):.1f} ms, median "
                f"{1000 * statistics.median(spent):.1f} ms CPU per request ({len(calls)} urls)"
            )
    if args.recompute and args.only != "pages":
        from measures import recompute

        # The compute and the store only: the sustain alerts and the cutoffs that follow a
        # recompute are the same work before and after, and would drown the difference.
        recompute._sustain_alerts = lambda *a, **k: None
        recompute._cutoffs_follow = lambda *a, **k: None
        ids = list(
            Series.objects.filter(team__collaborative=collaborative)
            .order_by("pk")
            .values_list("pk", flat=True)[: args.recompute]
        )
        rates = []
        for _ in range(3):
            series_mark_stale(series_ids=ids, send=False)
            started = time.perf_counter()
            stored = recompute.charts_recompute(series_ids=ids, worker="bench")
            rates.append(stored / (time.perf_counter() - started))
        done = RecomputeJob.objects.filter(series_id__in=ids, status="done").count()
        print(
            f"recompute: {len(ids)} series, best {max(rates):.0f} series/s "
            f"(runs {', '.join(f'{r:.0f}' for r in rates)}); {done} jobs done"
        )
        if hasattr(recompute, "figures_add"):
            from measures.data import series_inputs

            inputs = [i for i in series_inputs(ids).values() if i.spec is not None]
            results = recompute.charts_compute(inputs)
            started = time.process_time()
            recompute.figures_add(results, inputs)
            seconds = time.process_time() - started
            print(f"figures_add alone: {1000 * seconds / len(results):.2f} ms CPU per series")


if __name__ == "__main__":
    main()
