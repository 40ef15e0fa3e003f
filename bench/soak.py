"""Soak: steady load on the whole stack for minutes, then throughput, p95, errors, memory.

    .venv/bin/python bench/soak.py [--minutes 10] [--rate 50] [--database-url URL]

Starts, on loopback, what production runs: gunicorn (the `loadtest` profile: production
settings without the HTTPS redirect), a Celery worker and a private Redis (port 56380),
on the PostgreSQL database named (default: the national-scale demo data,
postgresql://postgres@127.0.0.1:5432/collab_national; it is migrated first). Then it
sends requests at a fixed rate, whatever the answers' speed (an open loop: a slow server
is not given a rest), to a mix of what people do on a winter Monday:

- dashboards: national, AHSN portfolio, collaborative and team dashboards and the
  collaborative's teams table (any of them not yet in this build are left out, and said);
- pages: home, collaborative, team, series chart, data-entry grid;
- data entry: a cell saved in the grid (POST with the version the user saw);
- the API: a series' points and chart (GET, one token for each of 20 teams, as trusts'
  systems would, each under the per-token rate limit), points written (POST).

The mix: 78% pages and dashboards, 10% grid cells saved, 10% API reads, 2% API writes.

It prints throughput, p50/p95/p99 and errors per kind of request, and the resident
memory (RSS) of each server process at the start (after a warm-up) and at the end. The
aim (issue 10): no errors, p95 under 300 ms at 50 requests a second, no process
growing more than 10%. Data entry adds revisions to the database's history; nothing is
deleted. Before each run the tables the mix rewrites are vacuumed, so that runs in turn
start alike; the server's autovacuum setting is printed (off on a development server:
dead rows then pile up during the run).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from stack import PY, ROOT, Stack, commit  # bench/stack.py: the scripts run with bench/ on the path

API_TEAMS = 20
NATIONAL = "postgresql://postgres@127.0.0.1:5432/collab_national"


@dataclass
class Target:
    kind: str
    method: str
    path: str
    user: str | None = None
    body: dict | None = None  # form fields (grid) or JSON (API), filled per request
    api: bool = False
    token: str | None = None  # the API token; None: the data-entry team's


def prepare(args, env) -> tuple[list[Target], dict, dict]:
    """Sessions, an API token and the request mix, read from the database (in-process)."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from collaboratives.models import AHSN, Team
    from governance.models import RoleAssignment
    from measures.api import api_token_create
    from measures.models import DataPoint, Series

    autovacuum = _database_ready()
    users = get_user_model().objects
    sessions = {}
    for name in ("national", "director", "lead"):
        user = users.filter(username=name).first()
        if user is None:
            raise SystemExit(f"no demo user {name!r}: seed the database with seed_demo first")
        client = Client()
        # The model backend by name: django-axes' backend, listed first, cannot load a user.
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        sessions[name] = client.cookies["sessionid"].value

    lead = users.get(username="lead")
    team = Team.objects.filter(role_assignments__person__user=lead).order_by("pk").first()
    if team is None:
        raise SystemExit("the demo user 'lead' leads no team")
    director_ahsn = (
        AHSN.objects.filter(
            pk__in=RoleAssignment.objects.filter(
                person__user__username="director", ahsn__isnull=False
            ).values("ahsn")
        )
        .order_by("pk")
        .first()
    ) or AHSN.objects.order_by("pk").first()
    series = list(
        Series.objects.filter(team=team, points__isnull=False)
        .distinct()
        .select_related("measure")
        .order_by("pk")
    )
    if not series:
        raise SystemExit(f"team {team} has no series with data")
    _, key = api_token_create(team=team, name="soak", by=lead)

    def url(name, *a):
        try:
            return reverse(name, args=a)
        except NoReverseMatch:
            return None

    c = team.collaborative_id
    pages = [
        ("dashboard national", "national", url("dashboard_national")),
        ("dashboard portfolio", "director", url("dashboard_portfolio", director_ahsn.pk)),
        ("dashboard collaborative", "lead", url("dashboard_collaborative", c)),
        ("dashboard teams table", "lead", url("dashboard_collaborative_teams", c)),
        ("dashboard team", "lead", url("dashboard_team", team.pk)),
        ("page home", "lead", url("home")),
        ("page collaborative", "lead", url("collaborative", c)),
        ("page team", "lead", url("team", team.pk)),
        ("page series chart", "lead", url("measures:series_chart", series[0].pk)),
        ("page data grid", "lead", url("measures:team_grid", team.pk)),
    ]
    targets = [Target(kind, "GET", path, user) for kind, user, path in pages if path]
    missing = [kind for kind, _, path in pages if not path]
    # API reads as trusts' systems make them: one token per team, each well under the
    # per-token rate limit (COLLAB_API_RATE_LIMIT a minute), spread over API_TEAMS teams.
    api_reads = []
    # Each made by someone who may hold it: a token whose maker may not (the demo lead has
    # no role in other teams) is refused (governance.access.api_token_for). The national
    # seed's leads have no accounts, so the demo superuser makes them, as an administrator
    # setting up trusts' systems would.
    maker = users.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if maker is None:
        raise SystemExit("no active superuser to make the API tokens: seed with seed_demo")
    others = (
        Team.objects.filter(series__points__isnull=False)
        .exclude(pk=team.pk)
        .distinct()
        .order_by("pk")[:API_TEAMS]
    )
    for other in others:
        _, other_key = api_token_create(team=other, name="soak", by=maker)
        for s in Series.objects.filter(team=other, points__isnull=False).distinct()[:2]:
            api_reads.append(("api points", f"/api/v1/series/{s.pk}/points/", other_key))
            api_reads.append(("api chart", f"/api/v1/series/{s.pk}/chart/", other_key))

    # Writes go to the newest 12 periods of each series, round robin, with their versions.
    versions, values = {}, {}
    writes = []
    for s in series:
        for p in DataPoint.objects.filter(series=s).order_by("-period_start")[:12]:
            k = (s.pk, p.period_start.isoformat())
            versions[k] = p.version
            values[k] = (p.numerator, p.denominator, s.measure.has_denominator, False)
            writes.append(k)
    random.Random(1).shuffle(writes)
    state = {"versions": versions, "values": values, "writes": writes, "key": key}
    state["api_reads"] = api_reads
    info = {"missing": missing, "team": str(team), "state": state, "autovacuum": autovacuum}
    return targets, sessions, info


# The tables whose rows the mix rewrites (each write: a point, its series' data version,
# its recompute job three times, its chart result) or reads on every request (sessions).
REWRITTEN = [
    "measures_datapoint",
    "measures_series",
    "measures_recomputejob",
    "measures_chartresult",
    "django_session",
]


def _database_ready() -> str:
    """Every run starts from the same state: the rewritten tables vacuumed and analysed
    (earlier runs' dead rows would otherwise slow the next run's reads of the same rows).
    Returns the server's `autovacuum` setting: with it off (a development server),
    the dead rows of the rows the mix rewrites pile up during the run, as they would not
    on a production server."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        (autovacuum,) = cursor.fetchone()
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(REWRITTEN)}")
    return autovacuum


@dataclass
class Result:
    kind: str
    status: int
    seconds: float  # from when the request was due to its answer: waiting included
    error: str = ""
    service: float = 0.0  # from sending it to its answer


class Driver:
    """Sends the mix at a fixed rate from a pool of client threads, keep-alive each."""

    def __init__(self, port, targets, sessions, state, rate, threads, seed=7):
        self.port, self.targets, self.sessions, self.state = port, targets, sessions, state
        self.rate, self.threads = rate, threads
        self.rng = random.Random(seed)
        self.results: list[Result] = []
        self.late = 0
        self.dropped = 0  # due but never sent before the end: the server fell behind
        self.csrf = secrets.token_hex(16)  # 32 characters: a valid CSRF secret
        self.write_lock = threading.Lock()
        self.write_index = 0

    def pick(self) -> Target:
        r = self.rng.random()
        if r < 0.10:
            return Target("data entry (grid)", "POST", "", "lead")
        if r < 0.12:
            return Target("api write", "POST", "", api=True)
        if r < 0.22 and self.state["api_reads"]:
            kind, path, token = self.rng.choice(self.state["api_reads"])
            return Target(kind, "GET", path, api=True, token=token)
        return self.rng.choice(self.targets)

    def _next_write(self):
        with self.write_lock:
            k = self.state["writes"][self.write_index % len(self.state["writes"])]
            self.write_index += 1
            numerator, denominator, has_denominator, flipped = self.state["values"][k]
            # Alternate between the seeded value and one less (or more): each write changes it.
            new = numerator if flipped else numerator + (1 if numerator < 1 else -1)
            self.state["values"][k] = (numerator, denominator, has_denominator, not flipped)
            version = self.state["versions"][k]
            return k, new, denominator, has_denominator, version

    def _written(self, k, ok: bool):
        with self.write_lock:
            if ok:
                self.state["versions"][k] += 1
            else:  # not written: the next write to this period sends this value again
                numerator, denominator, has_denominator, flipped = self.state["values"][k]
                self.state["values"][k] = (numerator, denominator, has_denominator, not flipped)

    def build(self, target: Target) -> tuple[str, str | None, dict, tuple | None]:
        """The request to send for `target`: path, body, headers, and for a write the cell
        it writes (to be passed to `_written` with the answer). Also what
        bench/profile_soak.py sends in-process."""
        headers = {"Host": "127.0.0.1"}
        body = None
        path = target.path
        k = None
        if target.user:
            headers["Cookie"] = f"sessionid={self.sessions[target.user]}; csrftoken={self.csrf}"
        if target.kind == "data entry (grid)":
            k, new, denominator, has_den, version = self._next_write()
            path = f"/series/{k[0]}/data/{k[1]}/"
            fields = {"numerator": str(new), "expected_version": str(version), "reason": "soak"}
            if has_den and denominator is not None:
                fields["denominator"] = str(denominator)
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.csrf
        elif target.kind == "api write":
            k, new, denominator, has_den, version = self._next_write()
            path = f"/api/v1/series/{k[0]}/points/"
            point = {"period_start": k[1], "numerator": str(new)}
            if has_den and denominator is not None:
                point["denominator"] = str(denominator)
            body = json.dumps(
                {"points": [point], "reason": "soak", "expected_versions": {k[1]: version}}
            )
            headers["Content-Type"] = "application/json"
        if target.api:
            headers["Authorization"] = f"Bearer {target.token or self.state['key']}"
        return path, body, headers, k

    def request(self, conn, target: Target, due: float | None = None) -> Result:
        path, body, headers, k = self.build(target)
        started = time.perf_counter()
        try:
            conn.request(target.method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            error = ""
        except (OSError, http.client.HTTPException) as e:
            status, error = 0, repr(e)[:200]
            conn.close()
        answered = time.perf_counter()
        if k is not None:
            self._written(k, status in (200, 201, 302))
        waited = answered - (due if due is not None else started)
        return Result(target.kind, status, waited, error, answered - started)

    def run(self, seconds: float) -> float:
        slots: queue.Queue = queue.Queue()
        stop = object()
        ended = threading.Event()

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            while True:
                item = slots.get()
                if item is stop:
                    conn.close()
                    return
                if ended.is_set():  # due before the end, never sent: counted, not sent late
                    self.dropped += 1
                    continue
                target, due = item
                self.results.append(self.request(conn, target, due))

        pool = [threading.Thread(target=client, daemon=True) for _ in range(self.threads)]
        for t in pool:
            t.start()
        begin = time.perf_counter()
        n = 0
        while True:
            due = begin + n / self.rate
            now = time.perf_counter()
            if due - begin >= seconds:
                break
            if due > now:
                time.sleep(due - now)
            elif now - due > 1:
                self.late += 1  # the load generator itself fell behind
            slots.put((self.pick(), due))
            n += 1
        # The end is `seconds` after the start, not the last request's due time: the last
        # request, due a fiftieth of a second before the end, had been counted as not sent
        # in every run, however fast the server (no client had yet taken it off the queue).
        end = begin + seconds
        if end > time.perf_counter():
            time.sleep(end - time.perf_counter())
        ended.set()
        for _ in pool:
            slots.put(stop)
        for t in pool:
            t.join(timeout=120)
        return time.perf_counter() - begin


def answered_ok(r: Result) -> bool:
    """2xx; a redirect only after a grid save (a GET redirected went to the login page)."""
    return 200 <= r.status < 300 or (r.kind == "data entry (grid)" and r.status in (302, 303))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(driver: Driver, elapsed: float, before: dict, after: dict, args, info) -> None:
    results = driver.results
    ok = [r for r in results if answered_ok(r)]
    errors = [r for r in results if not answered_ok(r)]
    ms = [r.seconds * 1000 for r in results]
    print("\n== soak results")
    load = os.getloadavg()
    print(f"machine load average at the end: {load[0]:.1f} (1 min), {load[2]:.1f} (15 min)")
    print(
        f"duration {elapsed:.0f} s, target rate {args.rate}/s, sent {len(results)}, "
        f"throughput {len(results) / elapsed:.1f} req/s ({len(ok) / elapsed:.1f} ok/s)"
    )
    print(
        f"latency all: p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, "
        f"p99 {percentile(ms, 99):.0f} ms, max {max(ms):.0f} ms"
    )
    if driver.dropped:
        print(
            f"NOT SENT: {driver.dropped} requests were still waiting for a free client when "
            "the time was up (the server could not keep up with the rate)"
        )
    service = [r.service * 1000 for r in results]
    print(
        f"latency counts from when each request was due (waiting included); time in the "
        f"server alone: p50 {percentile(service, 50):.0f} ms, p95 {percentile(service, 95):.0f} ms"
    )
    print(
        f"errors: {len(errors)}"
        + (f" {dict(Counter((r.kind, r.status) for r in errors))}" if errors else "")
    )
    for sample in {r.error for r in errors if r.error}:
        print(f"  e.g. {sample}")
    if driver.late:
        print(f"load generator fell behind {driver.late} times (the client, not the server)")
    print("\nper kind: count, p50, p95, errors")
    by_kind = defaultdict(list)
    for r in results:
        by_kind[r.kind].append(r)
    for kind in sorted(by_kind):
        rs = by_kind[kind]
        k_ms = [r.seconds * 1000 for r in rs]
        bad = sum(1 for r in rs if not answered_ok(r))
        print(
            f"  {kind:26} {len(rs):6} {statistics.median(k_ms):7.0f} ms "
            f"{percentile(k_ms, 95):7.0f} ms {bad:5}"
        )
    if info["missing"]:
        print(f"not in this build, left out: {', '.join(info['missing'])}")
    print("\nmemory (RSS, MiB): start, end, growth")
    worst = 0.0
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        if a and b:
            growth = (b - a) / a * 100
            worst = max(worst, growth)
            print(f"  {name:28} {a / 1024:7.1f} {b / 1024:7.1f} {growth:+6.1f}%")
        else:
            print(
                f"  {name:28} {'-' if a is None else f'{a / 1024:7.1f}'} "
                f"{'-' if b is None else f'{b / 1024:7.1f}'} (process came or went)"
            )
    p95 = percentile(ms, 95)
    failures = len(errors) + driver.dropped
    verdict = [
        f"errors and requests not sent {'0: met' if not failures else f'{failures}: NOT met'}",
        f"p95 {p95:.0f} ms {'< 300: met' if p95 < 300 else '>= 300: NOT met'}",
        f"memory growth {worst:+.1f}% {'<= 10%: met' if worst <= 10 else '> 10%: NOT met'}",
    ]
    print("\naim: " + "; ".join(verdict))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=50, help="requests per second")
    parser.add_argument("--warmup", type=float, default=20, help="seconds before memory is read")
    parser.add_argument("--database-url", default=os.environ.get("SOAK_DATABASE_URL", NATIONAL))
    parser.add_argument(
        "--ready-file",
        default="/tmp/collab_national.ready",
        help="wait for this file first (the national seed touches it); '' not to",
    )
    parser.add_argument("--port", type=int, default=8108)
    parser.add_argument("--redis-port", type=int, default=56380)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument("--threads", type=int, default=32, help="client threads")
    parser.add_argument("--skip-migrate", action="store_true")
    args = parser.parse_args()

    if args.ready_file and not Path(args.ready_file).exists():
        print(f"waiting for {args.ready_file} (the national data being seeded)...", flush=True)
        while not Path(args.ready_file).exists():
            time.sleep(10)
    logs = Path(tempfile.mkdtemp(prefix="collab-soak-"))
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
    head = (
        os.environ.get("SOAK_COMMIT")  # when run from an exported tree, not a checkout
        or commit()
    )
    print(
        f"soak: {args.minutes:g} min at {args.rate:g} req/s, {os.cpu_count()} CPUs, commit "
        f"{head}, gunicorn x{args.web_workers}, celery x{args.celery_concurrency}, "
        f"database {args.database_url.rsplit('/', 1)[-1]}, logs in {logs}, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    steps = [] if args.skip_migrate else [["migrate", "--noinput", "-v", "0"]]
    steps.append(["collectstatic", "--noinput", "-v", "0"])
    for step in steps:
        subprocess.run([PY, "manage.py", *step], cwd=ROOT, env=env, check=True)

    stack = Stack(
        env,
        args.port,
        args.redis_port,
        args.web_workers,
        logs,
        celery_concurrency=args.celery_concurrency,
    )
    try:
        targets, sessions, info = prepare(args, env)
        stack.start()
        print(
            f"team for data entry: {info['team']}; {len(targets)} read targets; "
            f"{', '.join(REWRITTEN)} vacuumed; the server's autovacuum {info['autovacuum']}",
            flush=True,
        )
        if info["autovacuum"] != "on":
            print(
                "autovacuum is off on this server: the dead rows the writes leave pile up "
                "during the run (production servers run it)",
                flush=True,
            )
        driver = Driver(args.port, targets, sessions, info["state"], args.rate, args.threads)
        for t in targets:  # warm-up: every page once, and say which fail
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
            r = driver.request(conn, t)
            conn.close()
            if r.status != 200:
                print(f"warm-up: {t.kind} {t.path} answered {r.status} {r.error}", flush=True)
        if args.warmup:
            warm = Driver(args.port, targets, sessions, info["state"], args.rate, args.threads)
            warm.run(args.warmup)
        before = stack.memory()
        elapsed = driver.run(args.minutes * 60)
        after = stack.memory()
        report(driver, elapsed, before, after, args, info)
    finally:
        stack.stop()
    if os.environ.get("SOAK_KEEP_LOGS") is None:
        shutil.rmtree(logs / "static", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
