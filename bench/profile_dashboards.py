"""Where a dashboard request spends its time: cProfile over Django's test client.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/profile_dashboards.py \
        [--repeat 5] [--top 25] [--sort cumulative|tottime] [--page NAME ...]

Against a database seeded with `manage.py seed_demo` (demo scale is enough to see where
the time goes; the national seed for the real proportions). Each page is asked for once to
warm up (session, principal, template loading, the fragment cache when it is on), then
`--repeat` times under the profiler, as the demo user of the role that opens it:

- collaborative: the improvement manager's collaborative (else the trust lead's, as
  load_dashboards.py asks for, else the largest active one): its dashboard, its funnel,
  aggregate chart and small multiples (htmx partials), as the improvement manager;
- portfolio: the director's AHSN portfolio;
- national: the national view, as the national viewer;
- floor: `/bench/floor/` (collab/floor.py), base.html signed in with no content;
- faculty: the taught collaborative's dashboard and funnel, as the faculty user;
- my team: the trust lead's team dashboard, one of its panels (htmx), and the lead's home.

Prints the commit, the fragment cache's state, the queries per page with one unprofiled
request's wall time and the part of it spent in SQL (the CPU figures below leave out
PostgreSQL's own time, planning included), then the profile's top lines over all pages.
The figures compare only within one machine and load; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

from stack import commit  # bench/stack.py (bench/ is on the path)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")


def _pages():
    from django.db.models import Count

    from collaboratives.models import AHSN, Collaborative
    from governance.models import RoleAssignment
    from measures.models import Series

    def holder(role, username):
        """The demo user's assignment of `role` (seed_demo's logins), else anyone's."""
        held = RoleAssignment.objects.filter(role=role, person__user__isnull=False)
        held = held.select_related("person__user").order_by("id")
        return held.filter(person__user__username=username).first() or held.first()

    manager = holder("improvement_manager", "manager")
    director = holder("ahsn_director", "director")
    national = holder("national_viewer", "national")
    lead = holder("trust_lead", "lead")
    faculty = holder("clinical_lead", "faculty")
    collaborative = (
        Collaborative.objects.filter(phase="active")
        .annotate(n=Count("teams"))
        .order_by("-n", "pk")
        .first()
    )
    if manager and manager.collaborative_id:
        collaborative = manager.collaborative
    elif lead is not None:  # the lead's collaborative, as load_dashboards.py asks for
        collaborative = lead.team.collaborative
    cm = collaborative.measure_set.order_by("pk").first()
    query = {"measure": cm.pk, "window": "12"} if cm else {}
    htmx = {"HTTP_HX_REQUEST": "true"}
    ahsn = director.ahsn if director and director.ahsn_id else AHSN.objects.order_by("pk").first()
    pages = {
        "collaborative": (manager, f"/collaboratives/{collaborative.pk}/dashboard/", {}, {}),
        "funnel": (
            manager,
            f"/collaboratives/{collaborative.pk}/dashboard/funnel/",
            query,
            htmx,
        ),
        "aggregate": (
            manager,
            f"/collaboratives/{collaborative.pk}/dashboard/aggregate/",
            query,
            htmx,
        ),
        "multiples": (
            manager,
            f"/collaboratives/{collaborative.pk}/dashboard/multiples/",
            query,
            htmx,
        ),
        "portfolio": (director, f"/ahsns/{ahsn.pk}/portfolio/", {}, {}),
        "national": (national, "/national/", {}, {}),
    }
    # The national viewer's teams table of the largest collaborative: the slowest page of
    # load_dashboards.py at national scale after the issue 18 work (a row per team).
    largest = Collaborative.objects.annotate(n=Count("teams")).order_by("-n", "pk").first()
    if national is not None and largest is not None:
        pages["national: teams table"] = (
            national,
            f"/collaboratives/{largest.pk}/dashboard/teams/",
            {},
            {},
        )
    # The floor (collab/floor.py): base.html signed in with no content, what every page
    # costs before its own work; load_dashboards.py's ratio R is against it.
    pages["floor"] = (manager or director, "/bench/floor/", {}, {})
    if faculty is not None and faculty.collaborative_id:
        taught = faculty.collaborative
        tcm = taught.measure_set.order_by("pk").first()
        tquery = {"measure": tcm.pk, "window": "12"} if tcm else {}
        pages["faculty: collaborative"] = (
            faculty,
            f"/collaboratives/{taught.pk}/dashboard/",
            {},
            {},
        )
        pages["faculty: funnel"] = (
            faculty,
            f"/collaboratives/{taught.pk}/dashboard/funnel/",
            tquery,
            htmx,
        )
    if lead is not None:
        pages["my team"] = (lead, f"/teams/{lead.team_id}/dashboard/", {}, {})
        series = Series.objects.filter(team_id=lead.team_id, chart_results__isnull=False)
        series = series.order_by("pk").first()
        if series is not None:
            pages["my team's panel"] = (
                lead,
                f"/teams/{lead.team_id}/dashboard/measures/{series.pk}/",
                {},
                htmx,
            )
        pages["lead: home"] = (lead, "/", {}, {})
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    parser.add_argument("--page", action="append", help="only these pages (repeatable)")
    parser.add_argument(
        "--queries", action="store_true", help="print each query of the timed request"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the test client accept "testserver"
    settings.DEBUG = True  # count the queries
    pages = _pages()
    if args.page:
        pages = {k: v for k, v in pages.items() if k in args.page}
    print(f"commit {commit()}, database {connection.vendor}, repeat {args.repeat}")
    print(f"fragment cache: {getattr(settings, 'COLLAB_FRAGMENT_CACHE', 'absent')}")
    clients = {}
    calls = []
    for name, (assignment, path, data, headers) in pages.items():
        if assignment is None:
            print(f"{name}: no demo user holds the role; left out")
            continue
        user = assignment.person.user
        client = clients.get(user.pk)
        if client is None:
            client = clients[user.pk] = Client()
            client.force_login(user)
        response = client.get(path, data, **headers)  # warm
        if response.status_code != 200:
            print(f"{name}: {path} answered {response.status_code}; left out")
            continue
        reset_queries()
        started = time.perf_counter()
        client.get(path, data, **headers)
        wall = 1000 * (time.perf_counter() - started)
        sql = 1000 * sum(float(q["time"]) for q in connection.queries)
        print(
            f"{name}: {path} {len(connection.queries)} queries, "
            f"{wall:.0f} ms wall of which {sql:.0f} ms in SQL (unprofiled)"
        )
        if args.queries:
            for q in connection.queries:
                print(f"  {1000 * float(q['time']):6.1f} ms  {q['sql'][:160]}")
        calls.append((name, client, path, data, headers))

    profile = cProfile.Profile()
    spent = dict.fromkeys((call[0] for call in calls), 0.0)
    for _ in range(args.repeat):
        for name, client, path, data, headers in calls:
            started = time.process_time()
            profile.enable()
            client.get(path, data, **headers)
            profile.disable()
            spent[name] += time.process_time() - started
    for name, seconds in spent.items():
        print(f"{name}: {1000 * seconds / args.repeat:.0f} ms CPU per request (profiled)")
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats(args.sort)
    stats.print_stats(args.top)
    # The project's own functions (not the framework's), where a fragment cache saves
    own = pstats.Stats(profile, stream=out).sort_stats(args.sort)
    own.print_stats(rf"{ROOT}/(dashboards|measures|governance|collaboratives)/", args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
