"""What the fault tests ask of Django, each run in a fresh process on the private services.

``python -m tests.reliability.actions NAME [ARGS...]`` with DATABASE_URL (and REDIS_URL
when tasks must cross the broker) set by the test; prints one line of JSON. The test
process itself never opens the private database through Django, so the rest of the
suite's settings and connections stay untouched.
"""

import json
import sys
from datetime import date, timedelta


def setup():
    import django

    django.setup()


def grow(count: str, today: str) -> dict:
    """Copy the seeded teams (and their series' data, through the one write path) until
    there are `count` new series; their ids."""
    from django.db import transaction

    from collaboratives.models import Team
    from measures.models import DataPointRevision, Series
    from measures.writes import PointChange, datapoints_write

    wanted, made, copy = int(count), [], 0
    originals = list(Team.objects.filter(series__points__isnull=False).distinct().order_by("pk"))
    while len(made) < wanted:
        copy += 1
        for team in originals:
            if len(made) >= wanted:
                break
            sources = list(team.series.select_related("measure").order_by("pk"))
            with transaction.atomic():
                clone = Team.objects.get(pk=team.pk)
                clone.pk = None
                clone.unit = f"{team.unit or 'Whole trust'} (fault copy {copy})"
                clone.pseudonym = ""
                clone.save()
                for source in sources[: wanted - len(made)]:
                    series = Series.objects.create(team=clone, measure=source.measure)
                    changes = [
                        PointChange(p.period_start, p.numerator, p.denominator)
                        for p in source.points.order_by("period_start")
                    ]
                    datapoints_write(
                        series=series,
                        changes=changes,
                        by=None,
                        source=DataPointRevision.Source.IMPORT,
                        reason="fault-test copy",
                        today=date.fromisoformat(today),
                    )
                    made.append(series.pk)
    return {"series": made}


def session(username: str) -> dict:
    """A logged-in session's cookie for `username`, as after the login form."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    # The model backend by name: django-axes' backend, listed first, cannot load a user.
    client.force_login(
        get_user_model().objects.get(username=username),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
    }


def api_token(series_id: str) -> dict:
    from django.contrib.auth import get_user_model

    from measures.api import api_token_create
    from measures.models import Series

    series = Series.objects.select_related("team").get(pk=int(series_id))
    by = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    _, key = api_token_create(team=series.team, name="fault test", by=by)
    return {"key": key, "team": series.team_id}


def charts_reset(*ids: str) -> dict:
    """Forget the charts of these series and set their jobs pending, sending nothing."""
    from django.db import transaction

    from measures.models import ChartResult
    from measures.recompute import series_mark_stale

    series_ids = [int(i) for i in ids]
    with transaction.atomic():
        deleted, _ = ChartResult.objects.filter(series_id__in=series_ids).delete()
        series_mark_stale(series_ids=series_ids, send=False)
    return {"deleted": deleted}


def send(*ids: str) -> dict:
    """One recompute task per series, through the broker (REDIS_URL)."""
    from measures.tasks import recompute_series

    for i in ids:
        recompute_series.delay(int(i))
    return {"sent": len(ids)}


def write(*ids: str) -> dict:
    """Change the newest point of each series through the one write path; the tasks go
    to the broker after commit (if it is down, the data is still committed)."""
    from measures.models import DataPointRevision, Series
    from measures.writes import DataPointInvalid, PointChange, datapoints_write

    written = []
    for series in Series.objects.filter(pk__in=[int(i) for i in ids]).select_related("measure"):
        point = series.points.order_by("-period_start").first()
        numerator = point.numerator - 1 if point.numerator >= 1 else point.numerator + 1
        try:
            datapoints_write(
                series=series,
                changes=[PointChange(point.period_start, numerator, point.denominator)],
                by=None,
                source=DataPointRevision.Source.IMPORT,
                reason="fault-test change",
                today=point.period_start + timedelta(days=400),
            )
        except DataPointInvalid as e:
            raise SystemExit(f"series {series.pk}: {e}") from None
        written.append(series.pk)
    return {"written": written}


def sweep(when: str = "now") -> dict:
    """The beat's sweeper; `later` runs it as it would once a killed worker's jobs have
    been silent for longer than a task may run."""
    from django.utils import timezone

    from measures.recompute import RESEND_AFTER, SILENT_AFTER, jobs_sweep

    now = timezone.now()
    if when == "later":
        now += SILENT_AFTER + RESEND_AFTER + timedelta(seconds=1)
    return jobs_sweep(now=now)


def state(*ids: str) -> dict:
    """Per series: is there a chart of its current inputs, how many charts, the job."""
    from collections import Counter

    from measures.data import series_inputs
    from measures.models import ChartResult, RecomputeJob

    series_ids = [int(i) for i in ids]
    current = {i: inp.inputs_hash for i, inp in series_inputs(series_ids).items()}
    charts = Counter()
    of_current = Counter()
    for sid, inputs_hash in ChartResult.objects.filter(series_id__in=series_ids).values_list(
        "series_id", "inputs_hash"
    ):
        charts[sid] += 1
        of_current[sid] += inputs_hash == current.get(sid)
    jobs = dict(
        RecomputeJob.objects.filter(series_id__in=series_ids).values_list("series_id", "status")
    )
    return {
        "without_current_chart": [i for i in series_ids if of_current[i] == 0],
        "charts": {str(i): charts[i] for i in series_ids},
        "of_current": {str(i): of_current[i] for i in series_ids},
        "jobs": dict(Counter(jobs.get(i, "none") for i in series_ids)),
        "not_done": sorted(i for i in series_ids if jobs.get(i) != "done"),
    }


def review_request(username: str, start: str, end: str) -> dict:
    """A contract review of the user's AHSN, requested as the director's page does: the
    build task goes to the broker after commit."""
    from django.contrib.auth import get_user_model

    from collaboratives.models import AHSN
    from reports.build import review_request as request

    user = get_user_model().objects.get(username=username)
    ahsn = AHSN.objects.filter(collaboratives__isnull=False).order_by("pk").first()
    review = request(
        ahsn=ahsn, start=date.fromisoformat(start), end=date.fromisoformat(end), user=user
    )
    return {"review": review.pk}


def review_build_here(review_id: str) -> dict:
    """Build the review in this process (to time it), as a worker would."""
    import time

    from reports.build import review_build

    t = time.monotonic()
    stored = review_build(int(review_id), worker="timing")
    return {"stored": stored, "seconds": round(time.monotonic() - t, 2)}


def reviews_sweep(when: str = "now") -> dict:
    """The reports' sweeper; `later` as it would run once a killed build has been silent."""
    from django.utils import timezone

    from reports.build import RESEND_AFTER, SILENT_AFTER
    from reports.build import reviews_sweep as sweep_now

    now = timezone.now()
    if when == "later":
        now += SILENT_AFTER + RESEND_AFTER + timedelta(seconds=1)
    return sweep_now(now=now)


ACTIONS = {
    "review_request": review_request,
    "review_build_here": review_build_here,
    "reviews_sweep": reviews_sweep,
    "grow": grow,
    "session": session,
    "api_token": api_token,
    "charts_reset": charts_reset,
    "send": send,
    "write": write,
    "sweep": sweep,
    "state": state,
}

if __name__ == "__main__":
    setup()
    name, *args = sys.argv[1:]
    print(json.dumps(ACTIONS[name](*args)))
