"""Benchmark of the statistics core (a benchmark, not a test: nothing is asserted).

python bench/spc_bench.py [--series 10000]

Builds 10,000 weekly series of 104 points with gaps (about 3% missing), denominators that
vary from week to week and between series, and phases (a third of the series start a new
phase once, a tenth freeze a 20-week baseline); then times, on one core, each batch from
the input specs to the verdicts:

- batch_run_p: every series as a run chart and as a P chart, Anhoej's rules (series/s counts
  a series once for both charts);
- batch_xmr_mdc: XmR charts with the four Making Data Count rules, icons and verdict;
- batch_u: U charts (Anhoej's rules);
- funnel_pr: funnel plots of 40 teams each (PR, adjusted automatically).

and the straightforward per-series numpy loop (loop_run_p, run and P charts) with the ratio
batch_run_p / loop_run_p, from the same run. Times are CPU seconds of this process, which
keeps freed memory as the Celery workers do (`measures/spc/memory.py`, set in
`measures/tasks.py`); `--glibc-defaults` leaves glibc's thresholds, as a web process has.

python bench/spc_bench.py --against REV [--series 2000] [--repeat 5]

The core of git revision REV (`git archive`, imported under another name) and the working
tree's, in one process, alternating, best of --repeat: a fair before/after on a shared
machine. The allocator setting of `measures/spc/memory.py` is process-wide, so both cores
run under it here (set before the first timing): this compares the code only. Its own gain
shows only between processes (`python bench/spc_bench.py` at each revision, alternating).

python bench/spc_bench.py --national [--workers 2]

Against the PostgreSQL in DATABASE_URL holding the national seed (`manage.py seed_demo
--scale national`) and the Redis in REDIS_URL: starts two Celery workers on a queue of
their own and times `manage.py recompute_charts` over every series, from marking the jobs
pending to the last job done (national_recompute).
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measures.spc import SeriesSpec, compute_batch  # noqa: E402
from measures.spc.funnel import funnel  # noqa: E402

WEEKS = 104


def make_data(count: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    n = rng.integers(20, 400, size=(count, 1)) * rng.uniform(0.6, 1.4, size=(count, WEEKS))
    n = np.round(n)
    p = rng.uniform(0.05, 0.6, size=(count, 1))
    y = rng.binomial(n.astype(int), p).astype(float)
    gaps = rng.random((count, WEEKS)) < 0.03
    y[gaps] = np.nan
    level = rng.normal(60, 10, size=(count, 1))
    x = np.round(level + rng.normal(0, 4, size=(count, WEEKS)), 1)
    x[gaps] = np.nan
    breaks = [[int(rng.integers(30, 90))] if rng.random() < 1 / 3 else [] for _ in range(count)]
    freeze = [20 if rng.random() < 0.1 else None for _ in range(count)]
    return y, n, x, breaks, freeze


def specs(chart, convention, y, n, breaks, freeze, improvement="up", spec_class=None):
    return [
        (spec_class or SeriesSpec)(
            chart=chart,
            y=y[i],
            n=None if n is None else n[i],
            breaks=breaks[i],
            freeze=freeze[i],
            convention=convention,
            improvement=improvement,
            target=None,
        )
        for i in range(y.shape[0])
    ]


def _runs(side):
    """Anhoej's runs analysis of one phase, straightforwardly: longest run, crossings."""
    side = side[side != 0]
    if side.size == 0:
        return 0, 0, False
    change = np.flatnonzero(side[1:] != side[:-1])
    bounds = np.concatenate(([0], change + 1, [side.size]))
    longest = int(np.diff(bounds).max())
    crossings = change.size
    m = side.size
    signal = longest > round(np.log2(m)) + 3 or crossings < binom_quantile(m - 1)
    return longest, crossings, signal


def binom_quantile(n, p=0.05):
    """qbinom(p, n, 0.5): the first count whose cumulative probability reaches p."""
    pmf = np.array([math.comb(n, j) for j in range(n + 1)], dtype=float) / 2.0**n
    return int(np.searchsorted(np.cumsum(pmf), p))


def loop_chart(chart, y, n, brk, frz):
    """One series, one chart (run or P, Anhoej's rules), with straightforward numpy code:
    each phase's centre and limits, points outside, runs analysis; then the verdict's
    reference chart (baseline centre and limits carried forward), its signals after the
    baseline and the median z of the latest six points."""
    v = y / n
    ok = np.isfinite(v) & (n > 0)
    starts = [0, *brk, v.size]
    out = []
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        k = b if frz is None else min(a + frz, b)
        base = np.zeros(v.size, dtype=bool)
        base[a:k] = ok[a:k]
        if chart == "run":
            cl = np.median(v[base]) if base.any() else np.nan
            lcl = ucl = np.full(b - a, np.nan)
        else:
            cl = y[base].sum() / n[base].sum()
            s = np.sqrt(cl * (1 - cl) / n[a:b])
            lcl, ucl = np.clip(cl - 3 * s, 0, 1), np.clip(cl + 3 * s, 0, 1)
        seg = v[a:b][ok[a:b]]
        outside = (v[a:b] > ucl) | (v[a:b] < lcl)
        out.append((cl, outside, _runs(np.sign(seg - cl))))
    # the verdict's reference chart: the baseline (phase 0's frozen points, else phase 0,
    # else the first points up to the tenth valid one) carried over the whole series
    valid = np.flatnonzero(ok)
    k = frz or (brk[0] if brk else (valid[9] + 1 if valid.size > 9 else v.size))
    base = ok.copy()
    base[k:] = False
    if chart == "run":
        cl = np.median(v[base]) if base.any() else np.nan
        sigma = np.nan
    else:
        cl = y[base].sum() / n[base].sum()
        sigma = np.sqrt(cl * (1 - cl) / n)
    after = v[k:][ok[k:]]
    side = np.sign(after - cl)
    _, _, signal = _runs(side)
    z = (v[ok] - cl) / (sigma[ok] if chart == "p" else 1.0)
    held = np.median(z[-6:]) >= 1 if z.size >= 6 else False
    return out, signal, held


def loop_run_p(y, n, breaks, freeze):
    for i in range(y.shape[0]):
        loop_chart("run", y[i], n[i], breaks[i], freeze[i])
        loop_chart("p", y[i], n[i], breaks[i], freeze[i])


def timed(fn):
    """CPU seconds of this process (one core): other load on a shared machine counts less
    than in wall-clock time."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--funnels", type=int, default=2_000)
    parser.add_argument("--national", action="store_true", help="time recompute_charts")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--against", metavar="REV", help="compare with the core of REV")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--glibc-defaults", action="store_true", help="leave the allocator as a web process has"
    )
    args = parser.parse_args()
    if args.national:
        national(args.workers)
        return
    if args.against:
        against(args.against, args.series, args.repeat)
        return
    count = args.series
    if not args.glibc_defaults:  # as the Celery workers that run the large batches
        from measures.spc.memory import keep_freed_memory

        print(f"freed memory kept (measures/spc/memory.py): {keep_freed_memory()}")
    y, n, x, breaks, freeze = make_data(count)
    compute_batch(specs("i", "mdc", x[:50], None, breaks, freeze))  # warm caches

    def run_p():
        compute_batch(specs("run", "anhoej", y, n, breaks, freeze))
        compute_batch(specs("p", "anhoej", y, n, breaks, freeze))

    t = timed(run_p)
    loop_count = max(count // 5, 1)  # the loop is slow: a fifth of the series is enough
    t_loop = timed(lambda: loop_run_p(y[:loop_count], n[:loop_count], breaks, freeze))
    print(f"batch_run_p: {count / t:.0f} series/s")
    print(f"loop_run_p: {loop_count / t_loop:.0f} series/s (straightforward numpy, one by one)")
    print(f"batch_run_p / loop_run_p: {(count / t) / (loop_count / t_loop):.1f}x")
    t = timed(lambda: compute_batch(specs("i", "mdc", x, None, breaks, freeze)))
    print(f"batch_xmr_mdc: {count / t:.0f} series/s")
    rate_y = np.where(np.isnan(y), np.nan, np.round(y / 10))
    t = timed(lambda: compute_batch(specs("u", "anhoej", rate_y, n, breaks, freeze)))
    print(f"batch_u: {count / t:.0f} series/s")

    rng = np.random.default_rng(2)
    teams = rng.integers(30, 500, size=(args.funnels, 40))
    events = rng.binomial(teams, rng.uniform(0.1, 0.4, size=(args.funnels, 1)))

    def funnels():
        for k in range(args.funnels):
            funnel(events[k], teams[k], data_type="PR")

    t = timed(funnels)
    print(f"funnel_pr: {args.funnels / t:.0f} plots/s")


def against(rev: str, count: int, repeat: int) -> None:
    """The core of ``rev`` and this one, alternating in one process; best of ``repeat``."""
    import importlib
    import io
    import subprocess
    import tarfile
    import tempfile

    import measures.spc as new

    try:  # process-wide: both cores run under it, so the comparison is of the code only
        from measures.spc.memory import keep_freed_memory
    except ImportError:
        kept = False
    else:
        kept = keep_freed_memory()
    root = Path(__file__).resolve().parent.parent
    archive = subprocess.run(
        ["git", "archive", rev, "measures/spc"], cwd=root, capture_output=True, check=True
    ).stdout
    tmp = Path(tempfile.mkdtemp(prefix="spc-before-"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp, filter="data")
    (tmp / "measures" / "spc").rename(tmp / "spc_before")
    sys.path.insert(0, str(tmp))
    old = importlib.import_module("spc_before")
    y, n, x, breaks, freeze = make_data(count)
    rate_y = np.where(np.isnan(y), np.nan, np.round(y / 10))

    def case(chart, convention, values, denominators):
        return lambda m: m.compute_batch(
            specs(chart, convention, values, denominators, breaks, freeze, spec_class=m.SeriesSpec)
        )

    run, p = case("run", "anhoej", y, n), case("p", "anhoej", y, n)
    cases = {
        "batch_run_p": lambda m: (run(m), p(m)),
        "batch_xmr_mdc": case("i", "mdc", x, None),
        "batch_u": case("u", "anhoej", rate_y, n),
    }
    loop_count = max(count // 5, 1)
    best = {}
    for k in range(repeat):
        pair = (("before", old), ("after", new))
        for name, fn in cases.items():
            for label, module in pair if k % 2 == 0 else pair[::-1]:  # each goes first in turn
                t = timed(lambda fn=fn, module=module: fn(module))
                best[name, label] = min(best.get((name, label), t), t)
        t = timed(lambda: loop_run_p(y[:loop_count], n[:loop_count], breaks, freeze))
        best["loop"] = min(best.get("loop", t), t)
    loop = loop_count / best["loop"]
    print(f"against {rev}: {count} series, best of {repeat}, CPU seconds")
    print(f"freed memory kept for both cores (measures/spc/memory.py): {kept}")
    print(f"loop_run_p: {loop:.0f} series/s")
    for name in cases:
        b, a = count / best[name, "before"], count / best[name, "after"]
        more = f", {b / loop:.1f}x -> {a / loop:.1f}x the loop" if name == "batch_run_p" else ""
        print(f"{name}: {b:.0f} -> {a:.0f} series/s ({a / b:.2f}x{more})")


def national(workers: int) -> None:
    """Every series of the national seed recomputed by `workers` real Celery workers."""
    import io
    import signal
    import subprocess
    import uuid

    for var in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(var):
            sys.exit(f"--national needs {var} (PostgreSQL with the national seed, and Redis)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    import measures.tasks  # noqa: F401  (registers the tasks)
    from collab.celery import app
    from measures.models import Series

    root = Path(__file__).resolve().parent.parent
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    for name in ("measures.tasks.recompute_chunk", "measures.tasks.recompute_series"):
        app.tasks[name].queue = queue
        app.tasks[name]._exec_options = None
    procs = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "collab", "worker", "--pool", "solo"),
                *("--queues", queue, "--hostname", f"{queue}-{k}@%h", "--loglevel", "WARNING"),
                *("--without-gossip", "--without-mingle"),
            ],
            cwd=root,
        )
        for k in range(workers)
    ]
    try:
        names = {f"{queue}-{k}@{os.uname().nodename}" for k in range(workers)}
        deadline = time.monotonic() + 60
        while {n for reply in app.control.ping(timeout=1) for n in reply} < names:
            if time.monotonic() > deadline:
                sys.exit("the workers did not start within 60 s")
        count = Series.objects.count()
        load = os.getloadavg()[0]
        wal = _wal_lsn()
        started = timezone.now()
        t0 = time.perf_counter()
        call_command("recompute_charts", stdout=io.StringIO())
        t = time.perf_counter() - t0
        wal = _wal_lsn() - wal
        print(
            f"national_recompute: {t:.1f} s ({count} series, {workers} workers, "
            f"load average {load:.1f} -> {os.getloadavg()[0]:.1f})"
        )
        per_worker(started, t, count, wal)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)


def _wal_lsn() -> int:
    """PostgreSQL's write-ahead log position in bytes (the whole server's: other
    databases' writes on the same server count too)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn() - '0/0'")
        return int(cursor.fetchone()[0])


def per_worker(started, total: float, count: int, wal: int) -> None:
    """Which worker did how many series in how long, read from the job table: the run's
    jobs were all marked pending at one moment (`requested_at`), and a worker (`--pool
    solo`) runs one chunk after another, so its busy time is from then to the last job it
    finished (`claimed_by` names the worker host and the task)."""
    from django.db.models import Min

    from measures.models import RecomputeJob

    jobs = RecomputeJob.objects.filter(status=RecomputeJob.Status.DONE, requested_at__gte=started)
    start = jobs.aggregate(t=Min("requested_at"))["t"]
    rows = {}
    for claimed_by, finished in jobs.values_list("claimed_by", "finished_at"):
        worker, _, task = claimed_by.rpartition(":")
        row = rows.setdefault(worker, {"series": 0, "tasks": set(), "last": finished})
        row["series"] += 1
        row["tasks"].add(task)
        row["last"] = max(row["last"], finished)
    rates = []
    for worker, row in sorted(rows.items()):
        busy = (row["last"] - start).total_seconds()
        rates.append(row["series"] / busy)
        print(
            f"  {worker}: {row['series']} series in {len(row['tasks'])} chunks, "
            f"{busy:.1f} s, {row['series'] / busy:.0f} series/s"
        )
    print(f"series per second per worker: {sum(rates) / len(rates):.0f} (mean of {len(rates)})")
    print(f"total: {count / total:.0f} series/s")
    print(f"WAL: {wal / 2**20:.0f} MB, {wal / count / 1024:.1f} kB per series (whole server)")


if __name__ == "__main__":
    main()
