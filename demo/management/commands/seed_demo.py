"""Load realistic, deterministic demo data and print one login per role.

    python manage.py seed_demo [--today YYYY-MM-DD] [--scale demo|tiny|national]
                               [--if-empty] [--force] [--workers N]

`make run` uses `--if-empty`, so a second run keeps what users entered. Data points are
loaded through `measures.bulk.seed_load_points`, validated like any other data (source
"seed"), with COPY on PostgreSQL; only the seed may date their history in the past.
"""

import argparse
import contextlib
import datetime as dt
import logging
import time

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from collaboratives.models import AHSN
from demo import builder, scenarios
from governance.models import Role


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-06-30") from None


SILENT_MAIL = "django.core.mail.backends.dummy.EmailBackend"
# Without a broker (`make run`), the chart tasks run in the seed's own process, and each
# logged "Task ... succeeded in 0.29s: 18" among the progress lines, after kombu's warning
# "No hostname was supplied" (the in-memory broker has none). While seeding, these loggers
# show only what is at or above the level given here.
QUIET_LOGGERS = {"celery.app.trace": logging.WARNING, "kombu.connection": logging.ERROR}


@contextlib.contextmanager
def _quiet(levels: dict[str, int]):
    saved = {name: logging.getLogger(name).level for name in levels}
    for name, level in levels.items():
        logging.getLogger(name).setLevel(max(level, logging.getLogger(name).getEffectiveLevel()))
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


class Command(BaseCommand):
    help = (
        "Build demo AHSNs, organisations, collaboratives, teams, measures, PDSA cycles and "
        "two years of data, then print one login per role."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=iso_date,
            help="The date the data end at (default: today). Same date, same data.",
        )
        parser.add_argument(
            "--scale",
            choices=("demo", "tiny", "national"),
            default="demo",
            help="demo (default, for make run), tiny (for tests) or national "
            "(40,000+ series and 4 million+ points, for performance work; use PostgreSQL)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing to the data if any AHSN exists; still print the logins.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with COLLAB_ENV=production (demo users then get no password).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            help="Processes writing data at national scale on PostgreSQL (default: CPUs, "
            "at most 4). SQLite always uses one.",
        )

    def handle(self, *args, **options):
        # Alerts raised while computing the seeded charts (sustain, late data) would mail
        # the demo's made-up people and print among the progress lines: the seed sends
        # nothing. Only for this command's run; the installation's backend is untouched.
        with override_settings(EMAIL_BACKEND=SILENT_MAIL), _quiet(QUIET_LOGGERS):
            self.seed(*args, **options)

    def seed(self, *args, **options):
        production = getattr(settings, "COLLAB_ENV", "embedded") == "production"
        if production and not options["force"]:
            raise CommandError(
                "COLLAB_ENV=production: refusing to load demo data into a live installation. "
                "Pass --force if you really mean it (demo users will have no password)."
            )
        if AHSN.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has data: seed_demo left it as it is.")
                self.print_logins()
                return
            raise CommandError(
                "The database already has data. Use --if-empty to keep it, or empty it first "
                "with `python manage.py flush`."
            )

        scale = scenarios.scale(options["scale"])
        today = options["today"] or timezone.localdate()
        workers = 1
        if scale.name == "national":
            workers = options["workers"] or builder.default_workers()
            if connection.vendor != "postgresql":
                workers = 1
        self.stdout.write(
            f"Seeding demo data at {scale.name} scale: {scale.history_months} months of "
            f"history ending {today:%d %B %Y}."
        )
        seeder = builder.Builder(
            scale,
            today,
            say=self.stdout.write,
            usable_passwords=not production,
            workers=workers,
        )
        try:
            summary = seeder.seed()
        except builder.PartlyWritten as e:
            raise CommandError(
                f"Writing the data failed part way: {e}. The workers commit as they go, so "
                "the data written so far stays: empty the database with `python manage.py "
                "flush` before seeding again."
            ) from e
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {summary.collaboratives} collaboratives, {summary.teams} teams, "
                f"{summary.series:,} series and {summary.points:,} data points "
                f"in {summary.seconds:.1f} s."
            )
        )
        self.compute_charts(national=scale.name == "national")
        self.analyse()
        if production:
            self.stdout.write(
                self.style.WARNING(
                    "COLLAB_ENV=production: the demo users have no usable password. Set one "
                    "with `python manage.py changepassword <username>` if you need them."
                )
            )
        self.print_logins()

    def compute_charts(self, *, national: bool) -> None:
        """The seed's writes leave every chart's recompute job pending (measures/writes.py);
        compute them in batches now, or say how to at national scale (its own benchmark)."""
        if national:
            self.stdout.write(
                "Charts: every series' recompute job is pending. Compute them with "
                "`python manage.py recompute_charts` (Celery workers running, or in this "
                "process without REDIS_URL), then the dashboards' summaries with "
                "`python manage.py compute_summaries --with-last-month`."
            )
            return
        self.stdout.write("Charts: computing every series' chart in batches.")
        try:
            call_command("recompute_charts", timeout=300, stdout=self.stdout)
            # The dashboards read summaries of the charts; last month's gives "what changed".
            call_command("compute_summaries", with_last_month=True, stdout=self.stdout)
        except CommandError as e:
            self.stdout.write(
                self.style.WARNING(f"Charts: {e} The workers will finish them when they run.")
            )

    def analyse(self) -> None:
        """Give PostgreSQL's planner statistics of what was just loaded.

        A bulk load leaves the tables without any until autovacuum comes round (never, where
        it is off): the planner then guesses, and the dashboards' version queries took 25
        to 70 ms instead of 1 to 6 at national scale. SQLite's planner needs none here.
        """
        if connection.vendor != "postgresql":
            return
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(f"Planner statistics: ANALYZE in {time.perf_counter() - start:.1f} s.")

    def print_logins(self) -> None:
        rows = []
        usable = True
        for demo in builder.DEMO_USERS:
            user = User.objects.filter(username=demo.username).select_related("person").first()
            if user is None:
                rows.append((demo.username, "", "(not in this database)", ""))
                continue
            usable = usable and user.has_usable_password()
            rows.extend(describe(user))
        url = settings.SITE_URL.rstrip("/") + "/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Collab is at {url}"))
        if usable:
            self.stdout.write(f"Demo logins (password: {builder.DEMO_PASSWORD}):")
        else:
            self.stdout.write(
                "Demo logins (no usable password: set one with "
                "`python manage.py changepassword <username>`):"
            )
        header = ("username", "person", "role", "scope")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
        for row in [header, tuple("-" * w for w in widths) + ("-----",), *rows]:
            self.stdout.write(
                f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}"
            )


def describe(user: User) -> list[tuple[str, str, str, str]]:
    """(username, person, role, scope in words) for each role the user holds."""
    person = getattr(user, "person", None)
    name = person.name if person else ""
    if user.is_superuser:
        return [(user.username, name, "Superuser", "everything, and the admin at /admin/")]
    assignments = (
        list(
            person.roles.select_related(
                "ahsn", "collaborative__lead_ahsn", "team__collaborative", "team__organisation"
            )
        )
        if person
        else []
    )
    if not assignments:
        return [(user.username, name, "(no role)", "")]
    out = []
    for ra in assignments:
        if ra.role == Role.NATIONAL_VIEWER:
            scope = "all of England, read only"
        elif ra.ahsn_id:
            ahsn = ra.ahsn.current_name
            if ra.role == Role.IMPROVEMENT_MANAGER:
                scope = f"{ahsn}: runs the collaboratives it leads"
            else:
                scope = f"{ahsn}: all its collaboratives and its contract review"
        elif ra.collaborative_id:
            scope = f"{ra.collaborative.name} ({ra.collaborative.lead_ahsn.code})"
        else:
            scope = f"team {ra.team}, in {ra.team.collaborative.name}"
        out.append((user.username, name, ra.get_role_display(), scope))
    return out
