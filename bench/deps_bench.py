"""Whether plotly, pandas, python-calamine and matplotlib earn their place (issue 16): the
figures behind the README's "Dependencies" table.

    python bench/deps_bench.py [--rows 50000] [--repeat 5] [--only plotly,pandas,xlsx,matplotlib]

No database: everything is generated here. Prints, each the best of --repeat runs:

- import: a cold `import` of each library in a fresh interpreter (plotly: up to its first
  `Figure`, which loads the schema's validators lazily);
- plotly: one chart's figure as `measures.figures.figure` builds it (a dict) against the same
  dict passed through `plotly.graph_objects.Figure` (validated against plotly's schema) and
  back to JSON, for an I chart of 30 points and a weekly P chart of 104; and what each would
  cost across the 43,000 series of the national data;
- pandas: reading a 50,000-row long-format import file (CSV, then XLSX) into rows, as
  `measures.imports` reads it (csv module / openpyxl read-only) against `pandas.read_csv` /
  `pandas.read_excel` (which reads through openpyxl as well);
- xlsx: the same XLSX read to rows by python-calamine (the import's reader for a plain
  workbook) and by openpyxl (its reader for one with a formula or a document type);
- matplotlib: one report chart drawn into the PDF by `reports/charts.py` (layout, then
  fpdf2's own vector primitives) against the same chart drawn by matplotlib, saved as SVG
  and placed with fpdf2's SVG import; an aggregate chart of 12 months and a funnel of 65
  teams, and the charts of the largest AHSN's review (WMID in the national data: 53 measures,
  each an aggregate chart and a funnel, 12 assessment charts; the matplotlib side has no
  names on the funnel, so its time is a lower bound). Also how many `style` attributes each
  SVG holds: the content security policy refuses inline styles, and the report's HTML
  page puts its charts inline.

pandas and matplotlib are no longer Collab's dependencies (README, "Dependencies"), nor is
plotly outside the dev extras: a section whose library is missing says so and is skipped.
To measure them, install them into a scratch copy of the environment, e.g.
`python -m venv /tmp/deps && /tmp/deps/bin/pip install -r requirements-dev.lock pandas
matplotlib && /tmp/deps/bin/python bench/deps_bench.py`.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings_test")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402
import logging  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import django  # noqa: E402
from stack import commit  # noqa: E402  # bench/stack.py (bench/ is on the path)

django.setup()

NATIONAL_SERIES = 43_000
REPORT = {"aggregate": 53, "funnel": 53, "assessment": 12}  # WMID, bench/README.md


def best(fn, repeat: int, number: int = 1) -> float:
    """Seconds per call: the best of `repeat` runs of `number` calls."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return min(times)


def installed(name: str) -> bool:
    if importlib.util.find_spec(name) is None:
        print(f"{name}: not installed, skipped (see this script's docstring)")
        return False
    return True


def cold_import(code: str) -> float:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


def bench_imports() -> None:
    for name, code in (
        ("plotly", "import plotly.graph_objects as go; go.Figure({'data': [{'type': 'scatter'}]})"),
        ("pandas", "import pandas"),
        ("matplotlib", "import matplotlib; matplotlib.use('svg'); import matplotlib.pyplot"),
    ):
        if importlib.util.find_spec(name) is None:
            continue
        print(f"import {name}: {min(cold_import(code) for _ in range(3)) * 1000:.0f} ms")


# --- plotly ---------------------------------------------------------------------------------


def stored(chart, y, n=None, weeks=True, **options):
    from measures import spc
    from measures.data import SeriesInput
    from measures.recompute import charts_compute

    start = dt.date(2024, 1, 1)
    step = dt.timedelta(weeks=1) if weeks else dt.timedelta(days=31)
    x = [(start + i * step).isoformat() for i in range(len(y))]
    spec = spc.SeriesSpec(chart=chart, y=y, n=n, labels=x, **options)
    inp = SeriesInput(
        series_id=1,
        spec=spec,
        error="",
        x=x,
        numerator=list(y),
        denominator=list(n) if n is not None else [None] * len(y),
        annotations=[],
        inputs_hash="h",
        multiplier=1,
    )
    return charts_compute([inp])[0]


def bench_plotly(repeat: int) -> None:
    import plotly.graph_objects as go
    import plotly.io as pio

    from measures.figures import Marker, figure

    rng = random.Random(16)
    i_chart = stored(
        "i",
        [rng.gauss(10, 1.5) for _ in range(18)] + [rng.gauss(14, 1.5) for _ in range(12)],
        breaks=[18],
        exclude=[3],
        improvement="up",
        convention="mdc",
        target=12,
    )
    n = [rng.randint(40, 120) for _ in range(104)]
    p_chart = stored(
        "p", [sum(rng.random() < 0.3 for _ in range(k)) for k in n], n=n, improvement="down"
    )
    cycles = [Marker(dt.date(2024, 3, 4), "Cycle 1"), Marker(dt.date(2024, 5, 6), "Cycle 2")]
    go.Figure(figure(i_chart, title="warm-up"))  # the validators load on first use
    for name, result in (("I chart, 30 points", i_chart), ("P chart, 104 weeks", p_chart)):

        def as_dict(result=result, name=name):
            return figure(result, title=name, cycles=cycles)

        def as_object(result=result, name=name):
            return pio.to_json(go.Figure(figure(result, title=name, cycles=cycles)))

        d = best(as_dict, repeat, 50)
        o = best(as_object, repeat, 20)
        print(
            f"plotly {name}: dict {d * 1000:.2f} ms, graph_objects.Figure {o * 1000:.2f} ms "
            f"({o / d:.0f}x); across {NATIONAL_SERIES:,} series: dict {d * NATIONAL_SERIES:.0f} s,"
            f" Figure {o * NATIONAL_SERIES:.0f} s"
        )


# --- pandas ---------------------------------------------------------------------------------


def import_table(rows: int) -> list[list]:
    table = [["team", "measure", "period", "numerator", "denominator"]]
    months = [dt.date(2017 + k // 12, k % 12 + 1, 1).isoformat() for k in range(100)]
    for i in range(rows):
        table.append([f"Team {i // 1000}", f"Measure {i // 100 % 10}", months[i % 100],
                      10 + i % 7, 100 + i % 13])  # fmt: skip
    return table


def bench_pandas(rows: int, repeat: int) -> None:
    import pandas as pd

    from measures.exporters.formats import render_csv, render_xlsx
    from measures.imports import _csv_rows, _xlsx_rows

    table = import_table(rows)
    csv_bytes = render_csv(table)
    xlsx_bytes = render_xlsx([("Data", table)])

    def pandas_csv():
        frame = pd.read_csv(
            io.BytesIO(csv_bytes), dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        return [frame.columns.tolist(), *frame.to_numpy().tolist()]

    def pandas_xlsx():
        frame = pd.read_excel(io.BytesIO(xlsx_bytes), dtype=object, engine="openpyxl")
        return [frame.columns.tolist(), *frame.to_numpy().tolist()]

    for kind, ours, theirs, size in (
        ("CSV", lambda: list(_csv_rows(csv_bytes)), pandas_csv, len(csv_bytes)),
        ("XLSX", lambda: list(_xlsx_rows(xlsx_bytes)), pandas_xlsx, len(xlsx_bytes)),
    ):
        a = best(ours, repeat if kind == "CSV" else max(1, repeat // 2))
        b = best(theirs, repeat if kind == "CSV" else max(1, repeat // 2))
        print(
            f"pandas {kind} {rows:,} rows ({size / 1e6:.1f} MB) to rows: measures.imports "
            f"{a * 1000:.0f} ms, pandas {b * 1000:.0f} ms"
        )


def bench_xlsx(rows: int, repeat: int) -> None:
    """python-calamine against openpyxl, the two readers of `measures.imports`: the same
    plain workbook read to rows by each, in this run."""
    from measures.exporters.formats import render_xlsx
    from measures.imports import _openpyxl_rows, _xlsx_rows

    xlsx_bytes = render_xlsx([("Data", import_table(rows))])
    fast = best(lambda: list(_xlsx_rows(xlsx_bytes)), max(1, repeat // 2))
    slow = best(lambda: list(_openpyxl_rows(xlsx_bytes)), max(1, repeat // 2))
    print(
        f"xlsx {rows:,} rows ({len(xlsx_bytes) / 1e6:.1f} MB) to rows: python-calamine "
        f"{fast * 1000:.0f} ms, openpyxl {slow * 1000:.0f} ms, ratio {slow / fast:.1f}x"
    )


# --- matplotlib -----------------------------------------------------------------------------


def report_measure(teams: int, rng: random.Random) -> dict:
    """A measure of the review document, shaped as reports.content writes it."""
    months = [dt.date(2025, m, 1).isoformat() for m in range(1, 13)]
    points = []
    for i, x in enumerate(months):
        y = 0.3 + rng.gauss(0, 0.02) - (0.04 if i > 7 else 0)
        points.append({"x": x, "y": y, "cl": 0.3, "lcl": 0.25, "ucl": 0.35, "suppressed": False,
                       "point_type": "improvement" if i > 7 else "common_cause"})  # fmt: skip
    units = []
    for k in range(teams):
        den = rng.randint(30, 900)
        rate = min(max(rng.gauss(0.3, 0.06), 0), 1)
        outside = "above" if rate > 0.3 + 3 * (0.21 / den) ** 0.5 else ""
        units.append({"x": den, "rate": rate, "label": f"Ward {k} of a trust", "outside": outside})
    xs = [10 * 1.08**i for i in range(80)]
    curves = {}
    for level, z in (("95", 1.96), ("998", 3.09)):
        curves["lcl" + level] = [max(0.3 - z * (0.21 / x) ** 0.5, 0) for x in xs]
        curves["ucl" + level] = [min(0.3 + z * (0.21 / x) ** 0.5, 1) for x in xs]
    return {
        "name": "Falls with harm",
        "unit": "Proportion",
        "chart": {"chart": "P chart", "points": points, "target": 0.25},
        "funnel": {
            "units": units,
            "xs": xs,
            "curves": curves,
            "target": 0.3,
            "x_title": "Patients in the 12 months",
        },
    }


def mpl_aggregate(plt, measure, width=180, height=64):
    from measures.figures import GREY, INK, POINT_COLOURS, RED

    chart = measure["chart"]
    pts = chart["points"]
    fig, ax = plt.subplots(figsize=(width / 25.4, height / 25.4))
    x = list(range(len(pts)))
    ax.plot(x, [p["ucl"] for p in pts], color=GREY, lw=0.7, ls=(0, (3, 2)), label="Limits")
    ax.plot(x, [p["lcl"] for p in pts], color=GREY, lw=0.7, ls=(0, (3, 2)))
    ax.plot(x, [p["cl"] for p in pts], color=INK, lw=0.85, label="Centre line")
    ax.axhline(chart["target"], color=RED, lw=1, ls=(0, (5, 3)), label="Target")
    ax.plot(x, [p["y"] for p in pts], color=GREY, lw=0.85)
    ax.scatter(x, [p["y"] for p in pts], s=9, c=[POINT_COLOURS[p["point_type"]] for p in pts],
               edgecolors="white", linewidths=0.4, zorder=3)  # fmt: skip
    ax.set_xticks(x, [dt.date.fromisoformat(p["x"]).strftime("%b %y") for p in pts], fontsize=6.3)
    ax.tick_params(axis="y", labelsize=6.5)
    ax.set_ylabel(measure["unit"], fontsize=6.5)
    ax.grid(axis="y", color="#d8dde0", lw=0.4)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=5, fontsize=6.5, frameon=False)
    ax.set_title(measure["name"], fontsize=8)
    return fig


def mpl_funnel(plt, measure, width=180, height=66):
    from measures.figures import GREY, INK, ORANGE, RED

    f = measure["funnel"]
    fig, ax = plt.subplots(figsize=(width / 25.4, height / 25.4))
    for level, colour, dash in (("998", INK, (0, (3, 2))), ("95", GREY, (0, (1, 1.5)))):
        for side in ("lcl", "ucl"):
            ax.plot(f["xs"], f["curves"][side + level], color=colour, lw=0.7, ls=dash)
    ax.axhline(f["target"], color=RED, lw=1)
    units = f["units"]
    ax.scatter([u["x"] for u in units], [u["rate"] for u in units], s=10, zorder=3,
               c=[ORANGE if u["outside"] else "#005eb8" for u in units])  # fmt: skip
    ax.set_xscale("log")
    ax.set_ylim(0, 0.7)
    ax.set_xlabel(f["x_title"], fontsize=6.5)
    ax.tick_params(labelsize=6.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def bench_matplotlib(repeat: int) -> None:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    # Text as SVG text, not as glyph outlines: 5 times faster through fpdf2's SVG import,
    # so matplotlib's best case (fpdf2 then sets it in the report's font).
    plt.rcParams["svg.fonttype"] = "none"
    logging.getLogger("fpdf.svg").setLevel(logging.ERROR)  # "unsupported tag <metadata>"

    from reports.charts import aggregate_plot, assessment_plot, draw_pdf, funnel_plot, to_svg
    from reports.pdf import FONT_FILES, ReviewPDF, font_dir

    rng = random.Random(16)
    measure = report_measure(65, rng)
    distribution = [{"score": s / 2, "teams": rng.randint(0, 12)} for s in range(2, 11)]
    pdf = ReviewPDF("bench", "bench")
    pdf.add_page()
    for style, name in FONT_FILES.items():  # the family matplotlib's SVG text names
        pdf.add_font("DejaVu Sans", style, str(font_dir() / name))

    def ours(make):
        def run():
            draw_pdf(pdf, make(), 15, 20)

        return run

    def theirs(make):
        def run():
            fig = make()
            out = io.BytesIO()
            fig.savefig(out, format="svg")
            plt.close(fig)
            pdf.image(io.BytesIO(out.getvalue()), x=15, y=20, w=180)

        return run

    charts = (
        ("aggregate", lambda: aggregate_plot(measure), lambda: mpl_aggregate(plt, measure)),
        ("funnel", lambda: funnel_plot(measure), lambda: mpl_funnel(plt, measure)),
        ("assessment", lambda: assessment_plot(distribution), None),
    )
    total_ours = total_theirs = 0.0
    for name, make_ours, make_theirs in charts:
        a = best(ours(make_ours), repeat, 10)
        total_ours += a * REPORT[name]
        line = f"matplotlib {name} chart into the PDF: reports/charts.py {a * 1000:.1f} ms"
        if make_theirs:
            b = best(theirs(make_theirs), repeat, 3)
            total_theirs += b * REPORT[name]
            line += f", matplotlib via SVG {b * 1000:.1f} ms ({b / a:.0f}x)"
        print(line)
    # the assessment chart (a bar chart) costs matplotlib at least what its aggregate does
    total_theirs += REPORT["assessment"] * best(theirs(charts[0][2]), 1, 1)
    print(
        f"matplotlib a review's {sum(REPORT.values())} charts (WMID): reports/charts.py "
        f"{total_ours:.2f} s, matplotlib at least {total_theirs:.2f} s"
    )
    fig = mpl_aggregate(plt, measure)
    out = io.StringIO()
    fig.savefig(out, format="svg")
    plt.close(fig)
    ours_svg = to_svg(aggregate_plot(measure))
    print(
        f"matplotlib aggregate chart as inline SVG: reports/charts.py {len(ours_svg) // 1024} KB, "
        f"{ours_svg.count('style=')} style attributes; matplotlib {len(out.getvalue()) // 1024} KB,"
        f" {out.getvalue().count('style=')} style attributes and "
        f"{out.getvalue().count('<style')} <style> elements"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="plotly,pandas,xlsx,matplotlib")
    args = parser.parse_args()
    only = set(args.only.split(","))
    load = os.getloadavg()[0]
    print(f"deps_bench cpus={os.cpu_count()} load={load:.1f} commit={commit()}")
    bench_imports()
    if "plotly" in only and installed("plotly"):
        bench_plotly(args.repeat)
    if "pandas" in only and installed("pandas"):
        bench_pandas(args.rows, args.repeat)
    if "xlsx" in only:
        bench_xlsx(args.rows, args.repeat)
    if "matplotlib" in only and installed("matplotlib"):
        bench_matplotlib(args.repeat)


if __name__ == "__main__":
    main()
