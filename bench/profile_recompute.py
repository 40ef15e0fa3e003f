"""Where one worker's chunk of the chart recompute spends its time, in-process.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/profile_recompute.py \
        [--chunk 500] [--at 0.5] [--repeat 3] [--top 25] [--sort tottime|cumulative]

Against a database holding the national seed (`seed_demo --scale national`). Takes `--chunk`
series ids in the order `recompute_charts` sends them, from the fraction `--at` of the
list, marks their jobs pending (without sending anything) and runs the task's body,
`measures.recompute.charts_recompute`, as a worker would: claim, read the inputs, compute,
build the results, upsert them, finish the jobs, send the sustain alerts task (to the
broker in REDIS_URL; without it Celery runs it eagerly here) and follow the complete
periods. `--repeat` times timed by stage without the profiler (best per stage), with the
worker's CPU, its PostgreSQL backend's CPU (from /proc, when the server is on this machine)
and the WAL written, per series; then once under cProfile. It writes: the chunk's results
are upserted again (same inputs, same results) and its jobs end done; with REDIS_URL,
sustain alert tasks wait in the broker.
Nothing is asserted; the figures compare only within one machine and load.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

from stack import commit  # bench/stack.py (bench/ is on the path)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

# What the stage timing wraps: (module, attribute, stage). Inner stages are subtracted
# from the stage that calls them, so the stages add up to the whole.
STAGES = (
    ("measures.recompute", "jobs_claim", "claim"),
    ("measures.recompute", "series_inputs", "read inputs"),
    ("measures.spc", "compute_batch", "statistics core"),
    ("measures.recompute", "chart_result_from", "ChartResult from batch"),
    ("measures.recompute", "chart_results_store", "upsert"),
    ("measures.recompute", "jobs_finish", "finish jobs"),
    ("measures.recompute", "_sustain_alerts", "sustain alerts (send)"),
    ("measures.recompute", "_cutoffs_follow", "follow complete periods"),
)


def _wal_lsn() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn() - '0/0'")
        return int(cursor.fetchone()[0])


def _backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend process, read from /proc when the
    server runs on this machine (-1 otherwise)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _chunk(size: int, at: float) -> list[int]:
    from measures.models import Series

    ids = list(Series.objects.order_by("pk").values_list("pk", flat=True))
    start = min(int(len(ids) * at) // size * size, max(len(ids) - size, 0))
    return ids[start : start + size]


class _Timer:
    """Wraps the stage functions; own time per stage (inner stages subtracted)."""

    def __init__(self):
        self.own = defaultdict(float)
        self.stack: list[float] = []  # time of inner stages, per open stage
        self.saved = []

    def install(self):
        import importlib

        for module_name, attr, stage in STAGES:
            module = importlib.import_module(module_name)
            fn = getattr(module, attr)
            self.saved.append((module, attr, fn))
            setattr(module, attr, self._wrap(fn, stage))

    def uninstall(self):
        for module, attr, fn in reversed(self.saved):
            setattr(module, attr, fn)
        self.saved = []

    def _wrap(self, fn, stage):
        def timed(*args, **kwargs):
            self.stack.append(0.0)
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                t = time.perf_counter() - t0
                inner = self.stack.pop()
                self.own[stage] += t - inner
                if self.stack:
                    self.stack[-1] += t

        return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunk", type=int, default=None, help="series (default: CHUNK)")
    parser.add_argument("--at", type=float, default=0.5, help="where in the series list")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from measures import recompute
    from measures.spc.memory import keep_freed_memory

    keep_freed_memory()  # as the worker processes do (measures/tasks.py)
    size = args.chunk or recompute.CHUNK
    ids = _chunk(size, args.at)
    print(
        f"profile_recompute: {len(ids)} series (ids {ids[0]}..{ids[-1]}), commit {commit()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
        f"database {connection.settings_dict['NAME']}"
    )

    costs = defaultdict(list)  # what one chunk costs each side, per repeat

    def once():
        recompute.series_mark_stale(series_ids=ids, send=False)
        wal, server, cpu = _wal_lsn(), _backend_cpu(), time.process_time()
        t0 = time.perf_counter()
        done = recompute.charts_recompute(series_ids=ids, worker="profile_recompute")
        t = time.perf_counter() - t0
        costs["worker CPU"].append(time.process_time() - cpu)
        costs["PostgreSQL backend CPU"].append(_backend_cpu() - server)
        costs["WAL bytes"].append(_wal_lsn() - wal)
        return done, t

    once()  # warm up: imports, connections, the allocator
    best: dict[str, float] = {}
    totals = []
    for _ in range(args.repeat):
        timer = _Timer()
        timer.install()
        try:
            done, total = once()
        finally:
            timer.uninstall()
        totals.append(total)
        timer.own["other (task body)"] = total - sum(timer.own.values())
        for stage, t in timer.own.items():
            best[stage] = min(best.get(stage, t), t)
    total = min(totals)
    print(
        f"\nstored {done} results; whole chunk best of {args.repeat}: {total:.2f} s "
        f"({len(ids) / total:.0f} series/s); by stage (best of each, wall time):"
    )
    for stage, t in sorted(best.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:<28} {t:7.3f} s  {100 * t / total:5.1f}%")
    n = len(ids)
    worker, server = min(costs["worker CPU"]), min(costs["PostgreSQL backend CPU"])
    wal = min(costs["WAL bytes"])
    print(
        f"per series (least of the runs): worker CPU {1000 * worker / n:.2f} ms, PostgreSQL "
        f"backend CPU {1000 * server / n:.2f} ms (this connection's process; -1: not local), "
        f"WAL {wal / n / 1024:.1f} kB (the whole server's, so other databases' writes count)"
    )

    profiler = cProfile.Profile()
    recompute.series_mark_stale(series_ids=ids, send=False)
    profiler.enable()
    recompute.charts_recompute(series_ids=ids, worker="profile_recompute")
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(args.sort).print_stats(args.top)
    print("\n" + "\n".join(line for line in out.getvalue().splitlines() if line.strip()))


if __name__ == "__main__":
    main()
