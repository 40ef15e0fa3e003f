"""Dashboards under load: 20 people at once for 2 minutes, p50/p95 and throughput per page.

    .venv/bin/python bench/load_dashboards.py [--seconds 120] [--users 20] [--database-url URL]

Starts gunicorn on loopback in the `loadtest` profile (production settings without the
HTTPS redirect) with a private Redis (port 56381), against the PostgreSQL database named
(default: the national-scale demo data, postgresql://postgres@127.0.0.1:5432/collab_national;
it is migrated first, and its reporting summaries computed if it has none). Then each of
`--users` client threads, logged in as the demo user of one role, asks for its role's
dashboard pages and htmx partials one after another, with no pause (a closed loop), until
the time is up:

- AHSN director: the portfolio, and the portfolio filtered (htmx);
- national viewer: the national view, a programme filtered (htmx), the largest AHSN's
  portfolio and the largest collaborative's teams table;
- improvement manager: the collaborative's dashboard, its teams table (loaded, and sorted),
  its funnel plot, aggregate chart and small multiples (the partials as htmx asks for them);
- faculty: the collaborative's dashboard and funnel plot;
- trust lead: my team's dashboard and one of its chart panels;
- everyone: the floor, `/bench/floor/` (collab/floor.py), `base.html` signed in with no
  content through the same middleware and context processors as every page: the least a
  page costs on this machine under this load, printed as `floor`.

Users are spread over the roles as 4 directors, 4 national viewers, 5 managers, 3 faculty
and 4 leads (scaled for other `--users`). Pages not in this build are left out, and said.
It prints, per page, the requests, errors, p50, p95 and max response time, and the
throughput; the aim (issue 8) is p95 under 200 ms for every page and partial. The last
line (issue 18) compares the dashboards with the floor, all from the same run:

    dashboards: worst page p95 W ms, overall p95 P ms, throughput T req/s, floor p50 F ms, ratio R

W is the largest p95 of any page or partial, P the p95 of all their requests together, T
their requests a second (the floor's requests left out of all three), F the floor's p50,
and R the floor's p50 divided by the p50 of the slowest page (the largest p50): 1 would be
pages that cost no more than an empty one. It runs on the national seed (the default
database) or the demo seed (`--database-url` naming a database seeded with `seed_demo`);
the first line says how many series, points and teams the database holds. Nothing is
written to the database except sessions and, if missing, the summaries.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from stack import PY, ROOT, Stack, commit  # bench/stack.py: the scripts run with bench/ on the path

NATIONAL = "postgresql://postgres@127.0.0.1:5432/collab_national"
MIX = {"director": 4, "national": 4, "manager": 5, "faculty": 3, "lead": 4}
AIM_MS = 200
FLOOR = "floor"


@dataclass
class Page:
    name: str
    role: str
    path: str
    htmx_target: str | None = None  # set: asked for as htmx does, with this HX-Target
    htmx: bool = False
    label: str = ""  # printed as this, whatever the role (the floor); else "role: name"

    @property
    def title(self) -> str:
        return self.label or f"{self.role}: {self.name}"


def prepare(env: dict, users: int) -> tuple[list[Page], list[tuple[str, str]], list[str]]:
    """The pages of each role and one session per client thread, read in-process."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from collaboratives.models import AHSN, Collaborative, Team
    from dashboards.models import ReportingSummary
    from dashboards.summaries import programme_topic_ids, summaries_compute
    from governance.models import RoleAssignment
    from measures.models import DataPoint, Series

    if not ReportingSummary.objects.exists():
        print("no reporting summaries yet: computing them (once)...", flush=True)
        started = time.monotonic()
        summaries_compute()
        print(f"  done in {time.monotonic() - started:.0f} s", flush=True)

    def url(name, *args, **query):
        try:
            path = reverse(name, args=args)
        except NoReverseMatch:
            return None
        return f"{path}?{urlencode(query)}" if query else path

    def scope(username, field):
        return (
            RoleAssignment.objects.filter(person__user__username=username)
            .exclude(**{f"{field}__isnull": True})
            .values_list(field, flat=True)
            .first()
        )

    director_ahsn = scope("director", "ahsn")
    team_id = scope("lead", "team")
    team = Team.objects.get(pk=team_id)
    showcase = team.collaborative
    cm = (
        showcase.measure_set.filter(measure__kind="outcome").first() or showcase.measure_set.first()
    )
    series = Series.objects.filter(team=team, chart_results__isnull=False).first()
    largest_ahsn = AHSN.objects.annotate(n=Count("collaboratives")).order_by("-n", "pk").first()
    largest = (
        Collaborative.objects.annotate(n=Count("teams")).order_by("-n", "pk").values("pk").first()
    )
    topics = sorted(programme_topic_ids())
    measure = {"measure": cm.pk, "window": "12"} if cm else {}
    candidates = [
        Page("portfolio", "director", url("dashboard_portfolio", director_ahsn)),
        Page(
            "portfolio, filtered (htmx)",
            "director",
            url("dashboard_portfolio", director_ahsn, phase="active"),
            htmx=True,
            htmx_target="portfolio-results",
        ),
        Page("national", "national", url("dashboard_national")),
        Page(
            "national, filtered (htmx)",
            "national",
            url("dashboard_national", topic=topics[-1] if topics else "", phase="active"),
            htmx=True,
            htmx_target="national-results",
        ),
        Page(
            "portfolio, largest AHSN",
            "national",
            url("dashboard_portfolio", largest_ahsn.pk) if largest_ahsn else None,
        ),
        Page(
            "teams table, largest collaborative",
            "national",
            url("dashboard_collaborative_teams", largest["pk"]) if largest else None,
        ),
        Page("collaborative", "manager", url("dashboard_collaborative", showcase.pk)),
        Page(
            "teams table (htmx)",
            "manager",
            url("dashboard_collaborative_teams", showcase.pk),
            htmx=True,
            htmx_target="teams-table",
        ),
        Page(
            "teams table, sorted (htmx)",
            "manager",
            url("dashboard_collaborative_teams", showcase.pk, sort="score"),
            htmx=True,
            htmx_target="teams-results",
        ),
        Page(
            "funnel (htmx)",
            "manager",
            url("dashboard_collaborative_funnel", showcase.pk, **measure),
            htmx=True,
            htmx_target="funnel-section",
        ),
        Page(
            "aggregate (htmx)",
            "manager",
            url("dashboard_collaborative_aggregate", showcase.pk, **measure),
            htmx=True,
            htmx_target="aggregate-section",
        ),
        Page(
            "small multiples (htmx)",
            "manager",
            url("dashboard_collaborative_multiples", showcase.pk, **measure),
            htmx=True,
            htmx_target="multiples-section",
        ),
        Page("collaborative", "faculty", url("dashboard_collaborative", showcase.pk)),
        Page(
            "funnel (htmx)",
            "faculty",
            url("dashboard_collaborative_funnel", showcase.pk, **measure),
            htmx=True,
            htmx_target="funnel-section",
        ),
        Page("my team", "lead", url("dashboard_team", team.pk)),
        Page(
            "my team's panel (htmx)",
            "lead",
            url("dashboard_team_panel", team.pk, series.pk) if series else None,
            htmx=True,
        ),
    ]
    floor = url("bench_floor")
    if floor:  # every user's rotation: the same empty page for each role
        candidates += [Page("floor", role, floor, label=FLOOR) for role in MIX]
    pages = [p for p in candidates if p.path]
    missing = sorted({p.name for p in candidates if not p.path})

    people = get_user_model().objects
    per_role = {role: round(n * users / sum(MIX.values())) for role, n in MIX.items()}
    per_role["manager"] += users - sum(per_role.values())
    sessions = []
    for role, n in per_role.items():
        user = people.filter(username=role).first()
        if user is None:
            raise SystemExit(f"no demo user {role!r}: seed the database with seed_demo first")
        for _ in range(n):
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            sessions.append((role, client.cookies["sessionid"].value))
    scale = (
        f"{Series.objects.count():,} series, {DataPoint.objects.count():,} points, "
        f"{Team.objects.count():,} teams"
    )
    return pages, sessions, missing, scale


@dataclass
class Result:
    page: str
    status: int
    seconds: float
    location: str = ""


def request(conn, page: Page, session: str, *, close: bool = False) -> Result:
    headers = {"Host": "127.0.0.1", "Cookie": f"sessionid={session}"}
    if close:
        headers["Connection"] = "close"
    if page.htmx:
        headers["HX-Request"] = "true"
        if page.htmx_target:
            headers["HX-Target"] = page.htmx_target
    started = time.perf_counter()
    try:
        conn.request("GET", page.path, headers=headers)
        response = conn.getresponse()
        response.read()
        status, location = response.status, response.getheader("Location") or ""
        if close:
            conn.close()  # the next request connects afresh (http.client reopens)
    except (OSError, http.client.HTTPException):
        status, location = 0, ""
        conn.close()
    return Result(page.title, status, time.perf_counter() - started, location)


def drive(
    port: int, pages: list[Page], sessions, seconds: float, *, close: bool = False
) -> tuple[list[Result], float]:
    """Each session's thread asks for its role's pages in a shuffled round until time is up
    (`close`: each on a new connection)."""
    results: list[Result] = []
    lock = threading.Lock()
    by_role = defaultdict(list)
    for page in pages:
        by_role[page.role].append(page)
    begin = time.perf_counter()
    deadline = begin + seconds

    def user(n: int, role: str, session: str):
        rng = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = list(by_role[role])
        while time.perf_counter() < deadline:
            rng.shuffle(mine)
            for page in mine:
                if time.perf_counter() >= deadline:
                    break
                r = request(conn, page, session, close=close)
                with lock:
                    results.append(r)
        conn.close()

    threads = [
        threading.Thread(target=user, args=(n, role, s), daemon=True)
        for n, (role, s) in enumerate(sessions)
        if by_role[role]
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    return results, time.perf_counter() - begin


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary_line(ms_by_page: dict[str, list[float]], elapsed: float) -> str:
    """The last line: the dashboards against the floor, from one run's response times (ms).

    Every page but the floor counts for the worst p95, the overall p95 and the throughput;
    the ratio is the floor's p50 over the largest p50 of those pages.
    """
    pages = {name: ms for name, ms in ms_by_page.items() if name != FLOOR and ms}
    every = [m for ms in pages.values() for m in ms]
    worst = max(percentile(ms, 95) for ms in pages.values())
    slowest = max(percentile(ms, 50) for ms in pages.values())
    floor = percentile(ms_by_page[FLOOR], 50)
    return (
        f"dashboards: worst page p95 {worst:.0f} ms, overall p95 {percentile(every, 95):.0f} ms, "
        f"throughput {len(every) / elapsed:.1f} req/s, floor p50 {floor:.0f} ms, "
        f"ratio {floor / slowest:.2f}"
    )


def report(results: list[Result], elapsed: float) -> bool:
    by_page = defaultdict(list)
    for r in results:
        by_page[r.page].append(r)
    print(f"\n{'page':48} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'max ms':>7} {'req/s':>6}")  # fmt: skip
    met = True
    for page in sorted(by_page, key=lambda name: (name == FLOOR, name)):
        rs = by_page[page]
        ms = [r.seconds * 1000 for r in rs]
        errors = sum(1 for r in rs if r.status != 200)
        p95 = percentile(ms, 95)
        if page != FLOOR:
            met = met and p95 < AIM_MS and not errors
        print(
            f"{page:48} {len(rs):8} {errors:6} {percentile(ms, 50):7.0f} {p95:7.0f} "
            f"{max(ms):7.0f} {len(rs) / elapsed:6.1f}"
        )
    ms = [r.seconds * 1000 for r in results]
    errors = sum(1 for r in results if r.status != 200)
    print(
        f"{'all':48} {len(results):8} {errors:6} {percentile(ms, 50):7.0f} "
        f"{percentile(ms, 95):7.0f} {max(ms):7.0f} {len(results) / elapsed:6.1f}"
    )
    print(
        f"\naim: p95 under {AIM_MS} ms for every page and partial, no errors: "
        f"{'met' if met else 'NOT met'}"
    )
    if FLOOR in by_page and len(by_page) > 1:
        ms_by_page = {page: [r.seconds * 1000 for r in rs] for page, rs in by_page.items()}
        print(summary_line(ms_by_page, elapsed))
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120, help="how long the load runs")
    parser.add_argument("--users", type=int, default=20, help="concurrent users (threads)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", NATIONAL))
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--redis-port", type=int, default=56381)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--skip-migrate", action="store_true")
    parser.add_argument(
        "--close",
        action="store_true",
        help=(
            "a new connection for every request (Connection: close). By default each user "
            "keeps one connection, which gunicorn's gthread worker that accepted it serves "
            "to the end: a role's users can all land on one busy worker, and its pages then "
            "read slow whatever they cost"
        ),
    )
    args = parser.parse_args()

    logs = Path(tempfile.mkdtemp(prefix="collab-load-dashboards-"))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG") and not k.startswith("COLLAB_")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="collab.settings",
        COLLAB_ENV="loadtest",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=args.database_url,
        REDIS_URL=f"redis://127.0.0.1:{args.redis_port}/0",
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(logs / "static"),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    print(
        f"load_dashboards: {args.users} users for {args.seconds:g} s, {os.cpu_count()} CPUs "
        f"(load average {os.getloadavg()[0]:.1f}), commit {commit()}, gunicorn "
        f"{args.workers} workers x {args.threads} threads"
        f"{', a new connection per request' if args.close else ''}, database "
        f"{args.database_url.rsplit('/', 1)[-1]}, logs in {logs}",
        flush=True,
    )
    steps = [] if args.skip_migrate else [["migrate", "--noinput", "-v", "0"]]
    steps.append(["collectstatic", "--noinput", "-v", "0"])
    for step in steps:
        subprocess.run([PY, "manage.py", *step], cwd=ROOT, env=env, check=True)

    for port in (args.port, args.redis_port):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                raise SystemExit(f"port {port} is in use: stop what listens there, or pick another")
    servers = Stack(env, args.port, args.redis_port, args.workers, logs, threads=args.threads)
    try:
        servers.start()  # Redis first: preparing logs people in, and sessions may be cached
        pages, sessions, missing, scale = prepare(env, args.users)
        print(f"data: {scale}", flush=True)
        if missing:
            print(f"not in this build, left out: {', '.join(missing)}")
        for page in pages:  # every page once: say which fail, and fill the caches
            session = next(s for role, s in sessions if role == page.role)
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
            r = request(conn, page, session)
            conn.close()
            if r.status != 200:
                where = f" to {r.location}" if r.location else ""
                print(f"warm-up: {r.page} {page.path} answered {r.status}{where}", flush=True)
        results, elapsed = drive(args.port, pages, sessions, args.seconds, close=args.close)
        report(results, elapsed)
    finally:
        servers.stop()
        shutil.rmtree(logs / "static", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
