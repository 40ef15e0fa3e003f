"""The soak's mix in-process: the web worker's CPU per request, by kind, without a server.

    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/profile_soak.py \
        [--requests 800] [--database-url URL] [--profile KIND] [--top 40] [--sort tottime]

The soak (`soak.py`) asks whether the whole stack holds 50 requests a second; on 2 cores
that turns on how much CPU a request costs the web worker, which the soak cannot show
apart from the waiting. This sends the soak's own mix (its `prepare`: the sessions, the API
tokens, the writes to the demo lead's team; its `Driver.pick` and `Driver.build`: the same
draw and the same requests) one after another through Django's test client in this
process, with the loadtest profile's settings, and prints per kind the requests, the mean
and median CPU milliseconds and the share of all the CPU, then the mix's mean: the figure
that moves the soak's knee (bench/README.md, "Issue 18"). `--profile KIND` runs cProfile
over that kind's requests in the same run (the pages after writes, as in the soak).

REDIS_URL names the cache and the broker: the recompute tasks are queued there, not run in
this process (no worker takes them, as none would within one request). It writes as the soak
does: the lead's cells, their history, recompute jobs. Nothing is asserted; the database
drifts with the writes, so compare commits in turns, each from its own checkout's folder.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import statistics
import sys
import time
from collections import defaultdict

from soak import NATIONAL, ROOT, Driver, prepare  # bench/ is on the path
from stack import commit


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=800)
    parser.add_argument("--database-url", default=os.environ.get("SOAK_DATABASE_URL", NATIONAL))
    parser.add_argument("--profile", metavar="KIND", help="cProfile this kind's requests")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"))
    parser.add_argument("--seed", type=int, default=7, help="the draw's seed (the soak's: 7)")
    args = parser.parse_args()
    redis = os.environ.get("REDIS_URL")
    if not redis:
        raise SystemExit("set REDIS_URL: the recompute tasks must go to a broker, not run here")
    env = {
        "DJANGO_SETTINGS_MODULE": "collab.settings",
        "COLLAB_ENV": "loadtest",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": args.database_url,
        "REDIS_URL": redis,
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", redis),
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(ROOT / "var" / "profile-soak-static"),
        "LOG_LEVEL": "WARNING",
    }
    targets, sessions, info = prepare(args, env)  # sets the environment and Django up

    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", "--noinput", verbosity=0)  # the manifest the pages name
    driver = Driver(0, targets, sessions, info["state"], rate=1, threads=1, seed=args.seed)
    client = Client()

    def send(target):
        path, body, headers, k = driver.build(target)
        kwargs = {"headers": {k: v for k, v in headers.items() if k != "Content-Type"}}
        if body is not None:
            kwargs.update(data=body, content_type=headers["Content-Type"])
        response = client.generic(target.method, path, **kwargs)
        if k is not None:
            driver._written(k, response.status_code in (200, 201, 302))
        return response

    for target in targets:  # every page once: templates, sessions, first queries
        send(target)
    profiler = cProfile.Profile()
    cpu = defaultdict(list)
    failed = defaultdict(int)
    for _ in range(args.requests):
        target = driver.pick()
        profiling = target.kind == args.profile
        if profiling:
            profiler.enable()
        start = time.process_time()
        response = send(target)
        used = time.process_time() - start
        if profiling:
            profiler.disable()
        cpu[target.kind].append(used * 1000)
        if response.status_code >= 400:
            failed[target.kind] += 1

    total = sum(sum(v) for v in cpu.values())
    print(
        f"profile_soak: {args.requests} requests of the soak's mix in-process, commit {commit()}, "
        f"{os.cpu_count()} CPUs, database {args.database_url.rsplit('/', 1)[-1]}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print("kind: requests, CPU ms mean and median, share of the CPU, answers 4xx/5xx")
    for kind in sorted(cpu):
        values = cpu[kind]
        print(
            f"  {kind:26} {len(values):5} {statistics.mean(values):7.2f} "
            f"{statistics.median(values):7.2f} {sum(values) / total:6.1%} {failed[kind]:4}"
        )
    print(f"mix: {total / args.requests:.2f} ms of CPU a request")
    if args.profile:
        if args.profile not in cpu:
            print(f"no request of kind {args.profile!r} drawn; kinds: {', '.join(sorted(cpu))}")
        else:
            pstats.Stats(profiler, stream=sys.stdout).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
