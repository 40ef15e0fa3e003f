"""Time the preview and the import of a generated 50,000-row spreadsheet.

    DATABASE_URL=postgres://... python bench/import_bench.py [--rows 50000] [--format csv|xlsx]

Builds its own collaborative (teams x measures x monthly periods, enough for --rows),
writes the long-format file, then times `import_batch_create` (reading, matching and
validating every row, the preview) and `import_confirm` (one transaction through
`datapoints_write_many`, all series in one write). Everything runs inside a transaction
that is rolled back at the end, so the database is left as it was. Aim (issue 18): 5 s or
less for both on PostgreSQL.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import time  # noqa: E402

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from stack import commit  # noqa: E402  # bench/stack.py (bench/ is on the path)

from collaboratives.models import AHSN, Collaborative, Organisation, Team, Topic  # noqa: E402
from measures.exporters.formats import render_csv, render_xlsx  # noqa: E402
from measures.imports import import_batch_create, import_confirm  # noqa: E402
from measures.models import CollaborativeMeasure, Measure, Series  # noqa: E402

PERIODS = 100  # monthly, ending last month
MEASURES = 10


class Rollback(Exception):
    pass


def build(rows: int):
    teams_needed = -(-rows // (PERIODS * MEASURES))
    stamp = f"bench{time.time_ns()}"
    ahsn = AHSN.objects.create(code=stamp[-8:], name=f"Bench AHSN {stamp}", nhs_region="Bench")
    topic = Topic.objects.create(name=f"Bench {stamp}", slug=stamp)
    collaborative = Collaborative.objects.create(
        name=f"Bench {stamp}",
        slug=stamp,
        lead_ahsn=ahsn,
        topic=topic,
        aim_statement="Benchmark the import.",
        phase=Collaborative.Phase.ACTIVE,
        starts_on=dt.date(2015, 1, 1),
    )
    measures = [
        Measure.objects.create(
            topic=topic,
            name=f"Bench measure {i}",
            kind=Measure.Kind.PROCESS,
            operational_definition="Benchmark",
            numerator_definition="Events",
            denominator_definition="Patients",
            frequency=Measure.Frequency.MONTHLY,
            direction=Measure.Direction.UP,
            chart_type=Measure.ChartType.P,
        )
        for i in range(MEASURES)
    ]
    for position, m in enumerate(measures):
        CollaborativeMeasure.objects.create(
            collaborative=collaborative, measure=m, position=position
        )
    teams = []
    for i in range(teams_needed):
        org = Organisation.objects.create(
            ods_code=f"B{i:04d}", name=f"Bench Trust {i}", kind=Organisation.Kind.ACUTE, ahsn=ahsn
        )
        teams.append(
            Team.objects.create(
                collaborative=collaborative, organisation=org, joined_on=dt.date(2015, 1, 1)
            )
        )
    Series.objects.bulk_create([Series(team=t, measure=m) for t in teams for m in measures])
    last = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    months = []
    current = last.replace(day=1)
    while len(months) < PERIODS:
        months.insert(0, current)
        current = (current - dt.timedelta(days=1)).replace(day=1)
    table = [["team", "measure", "period", "numerator", "denominator"]]
    for t in teams:
        for m in measures:
            for k, month in enumerate(months):
                table.append([str(t), m.name, month.isoformat(), 10 + k % 7, 100 + k % 13])
                if len(table) > rows:
                    return collaborative, table
    return collaborative, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument(
        "--changes",
        action="store_true",
        help="then import the same file with every numerator one higher: as many changes",
    )
    args = parser.parse_args()
    print(
        f"import_bench rows={args.rows} format={args.format} db={connection.vendor} "
        f"cpus={os.cpu_count()} commit={commit()}"
    )
    try:
        with transaction.atomic():
            user = User.objects.create_superuser(f"bench{time.time_ns()}", password=None)
            collaborative, table = build(args.rows)
            content = render_csv(table) if args.format == "csv" else render_xlsx([("Data", table)])
            print(f"file: {len(content) / 1e6:.1f} MB, {len(table) - 1} rows")
            started = time.perf_counter()
            batch = import_batch_create(
                collaborative=collaborative,
                user=user,
                filename=f"bench.{args.format}",
                content=content,
            )
            preview = time.perf_counter() - started
            assert batch.status == "preview", batch.file_error
            assert not batch.findings["errors"], batch.findings["errors"][:3]
            print(f"preview: {preview:.1f} s ({len(batch.findings['add'])} to add)")
            started = time.perf_counter()
            result = import_confirm(batch=batch, user=user)
            confirm = time.perf_counter() - started
            print(f"import: {confirm:.1f} s ({result})")
            print(f"import_total: {preview + confirm:.1f} s (aim: 5 s or less)")
            if args.changes:
                changed = [table[0]] + [row[:3] + [row[3] + 1, row[4]] for row in table[1:]]
                content = (
                    render_csv(changed)
                    if args.format == "csv"
                    else render_xlsx([("Data", changed)])
                )
                started = time.perf_counter()
                batch = import_batch_create(
                    collaborative=collaborative,
                    user=user,
                    filename=f"bench-changes.{args.format}",
                    content=content,
                )
                preview = time.perf_counter() - started
                assert not batch.findings["errors"], batch.findings["errors"][:3]
                to_change = len(batch.findings["change"])
                print(f"change_preview: {preview:.1f} s ({to_change} to change)")
                started = time.perf_counter()
                result = import_confirm(batch=batch, user=user)
                confirm = time.perf_counter() - started
                print(f"change_import: {confirm:.1f} s ({result})")
                print(f"change_total: {preview + confirm:.1f} s")
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
