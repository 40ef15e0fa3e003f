"""The dashboards' fragment cache: tables, summaries and chart data, never a whole page.

A fragment is what one part of a dashboard shows (the collaborative's aggregate chart, its
small multiples, the funnel plot's figures, the stretch target's progress, the portfolio's
and national tables and their HTML, the team dashboard's panels, one measure's panel with
its peers' words, a lead's home section), built once and kept in Django's cache (Redis
when deployed, memory otherwise). Its key is made of everything the fragment depends on,
so a cached fragment is never stale: when an input changes the key changes, and the old
entry is simply never read again (it expires after `COLLAB_FRAGMENT_CACHE_SECONDS`).

What goes into a key (`key`):

- the fragment's name, the object (a collaborative, a measure set, an AHSN) and the filters
  asked for (window, compare month, phase ...);
- the viewer's `View`, never the viewer: the disclosure scope
  (`governance.disclosure.scope_for`: inside the collaborative's data-sharing terms or
  not) and, where the fragment names teams, the names as this viewer may see them and the
  viewer's own teams. Two viewers with the same view share a fragment; viewers with
  different views never do;
- the version of each input, read fresh on every request (`collaborative_versions`,
  `summary_versions`): the series' data versions (every data point written raises one),
  the chart results (a recompute), the role assignments, the teams and their naming terms
  (joining, withdrawing, consent to be named), the phases, baselines, point marks,
  annotations and their edit history, the stretch targets, and the measure set's and
  measures' settings (direction, target, chart type ...); for the portfolio and national
  tables, the reporting summaries;
- for a team's fragments, also the series the viewer may see with their measures (a
  team's own measures are outside the measure set), the PDSA cycles a chart draws, and
  the filters and rights the rendered panels show ("show", the right to enter data);
- the latest complete period of each frequency (`measures.completeness`), which moves when a
  due date passes or the last team enters its data, and the day itself;
- the small-number rules in force, every other ``COLLAB_*`` setting (a deploy that changes
  one must not find fragments kept under the old), and `VERSION`, raised when a
  fragment's shape changes.

What is never cached: a whole page, a form, anything rendered with the request (so no CSRF
token and no CSP nonce can be in a fragment: fragments are rendered without one), and
anything holding a person's name. Fragments here name teams only, and only as the
viewer's `View` says.

Settings: ``COLLAB_FRAGMENT_CACHE`` (True by default; the test settings turn it off and
the tests that prove it turn it on), ``COLLAB_FRAGMENT_CACHE_ALIAS`` (the cache, "default")
and ``COLLAB_FRAGMENT_CACHE_SECONDS`` (a day).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.models import Max, Model
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import parse_etags, patch_vary_headers
from django.utils.safestring import SafeString, mark_safe

from governance import disclosure

# Raise when a fragment's shape or meaning changes (2: team_history holds its HTML and the
# overdue cycles, not the HTML alone).
VERSION = 2
PREFIX = "fragment"

# Hits and misses since the process started, per fragment name: what the tests and the
# profile read to tell a cached answer from a built one.
stats: Counter = Counter()


def enabled() -> bool:
    return bool(getattr(settings, "COLLAB_FRAGMENT_CACHE", True))


def _cache():
    return caches[getattr(settings, "COLLAB_FRAGMENT_CACHE_ALIAS", "default")]


def _timeout() -> int:
    return int(getattr(settings, "COLLAB_FRAGMENT_CACHE_SECONDS", 24 * 3600))


# --- Who is looking, as far as a fragment may depend on it -----------------------------------


@dataclasses.dataclass(frozen=True)
class View:
    """What of the viewer a fragment may depend on: never who they are.

    `scope` is the disclosure scope; `labels` the teams' names as this viewer may see them
    ((team id, name) pairs, where the fragment names teams); `own` the viewer's own teams
    among them (highlighted, first)."""

    scope: disclosure.Scope
    labels: tuple[tuple[int, str], ...] = ()
    own: tuple[int, ...] = ()

    @classmethod
    def of(cls, scope, labels: dict | None = None, own: Iterable[int] = ()) -> View:
        return cls(
            scope=scope,
            labels=tuple(sorted((labels or {}).items())),
            own=tuple(sorted(own)),
        )


# --- The versions of the inputs ----------------------------------------------------------------


def row(instance: Model) -> tuple:
    """Every concrete field's value of an instance already loaded (no query): what a key
    holds of an object the view read in this request and the fragment shows."""
    return tuple((f.attname, getattr(instance, f.attname)) for f in instance._meta.concrete_fields)


@functools.cache
def _versions_sql() -> str:
    """One query, one row: the versions of a collaborative's inputs (each `%s` is its id),
    each part a single-row derived table, so that every table is read once. The roles are
    read across the whole table: who may see what can turn on a role held elsewhere (a
    director's AHSN, a national viewer), and roles change rarely."""
    from collaboratives.models import StretchTarget, Team
    from governance.models import RoleAssignment
    from measures.models import (
        Annotation,
        ChartEdit,
        ChartResult,
        CollaborativeMeasure,
        MeasureSettingChange,
        Phase,
        PointMark,
        Series,
    )

    q = connection.ops.quote_name

    def t(model) -> str:
        return q(model._meta.db_table)

    series_to_team = (
        f"JOIN {t(Series)} s ON s.id = x.series_id JOIN {t(Team)} tm ON tm.id = s.team_id "
        "WHERE tm.collaborative_id = %s"
    )
    count_max = "COUNT(x.id), MAX(x.id)"
    parts = [
        (
            f"SELECT COALESCE(SUM(x.data_version), 0), COUNT(x.id), MAX(x.id) FROM {t(Series)} x "
            f"JOIN {t(Team)} tm ON tm.id = x.team_id WHERE tm.collaborative_id = %s"
        ),
        f"SELECT COUNT(x.id), MAX(x.id), MAX(x.computed_at) FROM {t(ChartResult)} x "
        + series_to_team,
        f"SELECT {count_max} FROM {t(Phase)} x " + series_to_team,
        f"SELECT {count_max} FROM {t(PointMark)} x " + series_to_team,
        f"SELECT {count_max} FROM {t(ChartEdit)} x " + series_to_team,
        f"SELECT {count_max} FROM {t(Annotation)} x " + series_to_team,
        (
            f"SELECT {count_max} FROM {t(Annotation)} x JOIN {t(Team)} tm ON tm.id = x.team_id "
            "WHERE tm.collaborative_id = %s"
        ),
        f"SELECT {count_max} FROM {t(StretchTarget)} x WHERE x.collaborative_id = %s",
        (
            f"SELECT {count_max} FROM {t(MeasureSettingChange)} x WHERE x.measure_id IN "
            f"(SELECT cm.measure_id FROM {t(CollaborativeMeasure)} cm "
            "WHERE cm.collaborative_id = %s)"
        ),
        f"SELECT {count_max} FROM {t(RoleAssignment)} x",
    ]
    tables = ", ".join(f"({part}) p{i}" for i, part in enumerate(parts))
    return f"SELECT * FROM {tables}"


def _team_rows(collaborative_id: int):
    """The collaborative's teams for the key: their dates, status and naming terms."""
    from collaboratives.models import Team

    return (
        Team.objects.filter(collaborative_id=collaborative_id)
        .order_by("pk")
        .values_list(
            "pk",
            "organisation_id",
            "unit",
            "status",
            "joined_on",
            "withdrawn_on",
            "consents_to_be_named",
            "pseudonym",
        )
    )


def _measure_set_rows(collaborative_id: int):
    """The collaborative's measure set for the key: every column of each row and of its
    measure."""
    from measures.models import CollaborativeMeasure, Measure

    own = [f.name for f in CollaborativeMeasure._meta.concrete_fields]
    measure = [f"measure__{f.name}" for f in Measure._meta.concrete_fields]
    return (
        CollaborativeMeasure.objects.filter(collaborative_id=collaborative_id)
        .order_by("pk")
        .values_list(*own, *measure)
    )


def collaborative_versions(collaborative, measure_set: Iterable | None = None) -> tuple:
    """The version of every input a collaborative's fragments read, in two or three plain
    queries: series data versions, chart results, roles, phases, marks, annotations, chart
    edits, stretch targets and measure setting changes (`_versions_sql`), then the teams
    with their dates, status and naming terms, then the measure set with its measures
    (`rows`: through the ORM each costs about 1 ms on the 2-core machines here, mostly in
    building the query, against 0.3 ms as plain rows). The collaborative's own fields
    (phase, due days, rules, whether members are named by default) come from the instance
    the view loaded, and so do the measure set's rows and their measures when given
    (`measure_set`, CollaborativeMeasure rows with their measure: no third query).
    """
    # The collaborative's id written into the text (an integer, read from the database):
    # a statement without parameters, which PostgreSQL plans once when it is prepared
    # (collab.settings.postgres_options), one per collaborative a connection serves. With
    # the id as a parameter it would plan it anew at every use, a custom plan always
    # looking cheaper than the generic one for the versions (about 4 ms to plan, 1 to run).
    with connection.cursor() as cursor:
        cursor.execute(_versions_sql().replace("%s", str(int(collaborative.pk))))
        counts = cursor.fetchone()
    # The measure set and its measures as they are now: direction, target, chart type,
    # frequency, multiplier, the flags the disclosure rules read. From the rows the view
    # loaded in this request (with their measures), else read here.
    if measure_set is None:
        measures = rows(_measure_set_rows, collaborative.pk)
    else:
        measures = tuple(sorted((row(e), row(e.measure)) for e in measure_set))
    return (
        tuple(counts),
        row(collaborative),
        rows(_team_rows, collaborative.pk),
        measures,
    )


# A stand-in for an object's id while a query is compiled once (`rows`): no table here
# comes near it, and `rows` checks that it appears exactly once among the parameters.
_PLACEHOLDER = -731_902_417


@functools.cache
def _compiled(build: Callable[[int], Any]) -> tuple[str, tuple, int]:
    sql, params = build(_PLACEHOLDER).query.sql_with_params()
    at = [i for i, p in enumerate(params) if p == _PLACEHOLDER]
    if len(at) != 1:
        raise ValueError(f"{build.__qualname__}: the id must appear once, not {len(at)} times")
    return sql, tuple(params), at[0]


def rows(build: Callable[[int], Any], pk: int) -> tuple:
    """The rows of the queryset `build(pk)`, as plain tuples, for a key: the query is
    compiled once per process (with a placeholder id) and sent again with `pk`, so that
    what a key reads is defined by the same queryset the view loads, without paying the
    ORM's building and compiling at every request (1 to 3 ms for a query with
    annotations on the 2-core machines here). `build` must be a module-level function
    whose queryset depends on nothing but `pk`."""
    sql, params, at = _compiled(build)
    params = list(params)
    params[at] = int(pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(cursor.fetchall())


def complete_periods(collaborative, versions: tuple, *, today: dt.date) -> tuple:
    """The latest complete period of each frequency (measures.completeness), itself cached
    under the collaborative's versions and the day: it moves only when data is entered
    (the series' versions), a team joins or leaves (the teams) or a due date passes (the
    day)."""
    from measures.completeness import complete_cutoffs

    def build():
        return tuple(sorted(complete_cutoffs([collaborative], today=today).items()))

    return cached(
        "complete_periods",
        _digest(("complete_periods", collaborative.pk, versions, today)),
        build,
    )


def summary_versions() -> tuple:
    """The reporting summaries' version, in one query read from two indexes' ends: the
    newest row and the newest stamp. Summaries are only ever upserted
    (dashboards.summaries._store), each store stamping its rows with the time it took the
    summaries' write lock (`summaries._stamp`), so stamps rise in commit order and the
    newest moves with every store; no row is deleted, so no count is needed (a count read
    every row on every portfolio and national page: 4 to 9 ms on the national data,
    growing by a month of rows each month)."""
    from dashboards.models import ReportingSummary

    return tuple(
        sorted(
            ReportingSummary.objects.aggregate(
                newest=Max("id"), computed=Max("computed_at")
            ).items()
        )
    )


# --- Keys, reading and writing -----------------------------------------------------------------


def _digest(parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def key(
    name: str,
    *,
    objects: Iterable[Any],
    filters: dict | None,
    view: View,
    versions: tuple,
    today: dt.date,
    periods: tuple = (),
) -> str:
    """The fragment's key: its name and a digest of everything it depends on (the module
    docstring lists what that is)."""
    parts = (
        VERSION,
        name,
        tuple(objects),
        tuple(sorted((filters or {}).items())),
        view,
        versions,
        periods,
        today,
        disclosure.rules(),
        _collab_settings(),
    )
    return _digest(parts)


def _collab_settings() -> tuple:
    """Every COLLAB_* setting (the headline's minimum reporting share, the small-number
    rules ...): what a fragment shows can turn on one, and a kept fragment must not outlive
    a change of settings (a deploy; Redis keeps the cache across it)."""
    # Each name once: under a settings override (the tests') dir() lists an overridden
    # name once per override, which would move every key without any setting changing.
    names = {name for name in dir(settings) if name.startswith("COLLAB_")}
    return tuple(sorted((name, repr(getattr(settings, name))) for name in names))


def cache_key(name: str, digest: str) -> str:
    return f"{PREFIX}:{name}:{digest}"


@dataclasses.dataclass(frozen=True)
class CollaborativeKey:
    """A collaborative fragment's key (`digest`, None when the cache is off) and the latest
    complete periods it was made with (`cutoffs`, as measures.completeness.complete_cutoffs
    gives them; None when the cache is off): a build that reads them takes these, so the
    periods the key holds are the ones the fragment was built from, read once."""

    digest: str | None
    cutoffs: dict | None


def collaborative_key(
    name: str,
    collaborative,
    *,
    objects: Iterable[Any] = (),
    filters: dict | None = None,
    view: View,
    measure_set: Iterable | None = None,
    today: dt.date | None = None,
) -> CollaborativeKey:
    """The key of a fragment of `collaborative`'s figures, with its complete periods, or
    nothing when the cache is off (then nothing is read to make it). Costs two queries
    (three without `measure_set`, the measure set as the view loaded it), plus the latest
    complete periods' when they are not cached yet."""
    if not enabled():
        return CollaborativeKey(None, None)
    today = today or timezone.localdate()
    versions = collaborative_versions(collaborative, measure_set)
    periods = complete_periods(collaborative, versions, today=today)
    digest = key(
        name,
        objects=(collaborative.pk, *objects),
        filters=filters,
        view=view,
        versions=versions,
        periods=periods,
        today=today,
    )
    return CollaborativeKey(digest, dict(periods))


def collaborative_digest(name: str, collaborative, **kwargs) -> str | None:
    """`collaborative_key`'s digest alone, for a fragment whose build does not read the
    complete periods."""
    return collaborative_key(name, collaborative, **kwargs).digest


def summary_digest(
    name: str,
    *,
    objects: Iterable[Any],
    filters: dict | None = None,
    loaded: Iterable[Any] = (),
    view: View,
    today: dt.date | None = None,
) -> str | None:
    """The key of a fragment read from the reporting summaries (the portfolio's and national
    tables), or None when the cache is off. `loaded` are the model instances (or rows as
    dicts) the view read in this request and the fragment shows (collaboratives, topics,
    AHSNs): their fields are part of the key. Costs one query."""
    if not enabled():
        return None
    rows = tuple(row(o) if isinstance(o, Model) else tuple(sorted(o.items())) for o in loaded)
    return key(
        name,
        objects=objects,
        filters=filters,
        view=view,
        versions=(summary_versions(), rows),
        today=today or timezone.localdate(),
    )


def cached(
    name: str,
    digest: str | None,
    build: Callable[[], Any],
    *,
    keep: Callable[[Any], bool] | None = None,
) -> Any:
    """The fragment under `digest`, built by `build()` and kept when it is not there yet
    (or built every time when the cache is off: `digest` None). `keep(value)` False leaves
    a value built now out of the cache: one that turns on something the key does not hold
    (a chart still being recomputed, whose job may finish or fail at any moment)."""
    if digest is None or not enabled():
        return build()
    store = _cache()
    full = cache_key(name, digest)
    missing = object()
    value = store.get(full, missing)
    if value is not missing:
        stats[(name, "hit")] += 1
        return value
    stats[(name, "miss")] += 1
    value = build()
    if keep is None or keep(value):
        store.set(full, value, _timeout())
    return value


def rendered(
    name: str,
    digest: str | None,
    template: str,
    build: Callable[[], dict],
    *,
    keep: Callable[[dict], bool] | None = None,
) -> SafeString:
    """A fragment's HTML: `template` rendered with the context `build()` gives, without the
    request, so that no CSRF token, CSP nonce or signed-in person can be in it. `keep`:
    as for `cached`, asked of the context."""
    kept = True

    def html() -> str:
        nonlocal kept
        context = build()
        kept = keep is None or keep(context)
        return str(render_to_string(template, context))

    out = cached(name, digest, html, keep=lambda _: kept)
    return mark_safe(out)  # noqa: S308 - rendered by Django's escaping templates above


def clear() -> None:
    """Forget every fragment (tests): clears the whole cache the fragments are kept in."""
    _cache().clear()
    stats.clear()


# --- Conditional GET for htmx partials ------------------------------------------------------


def etag(digest: str) -> str:
    """The ETag of a response that is one fragment: its key (see `conditional`)."""
    return f'"{digest[:40]}"'


def conditional(
    request: HttpRequest, digest: str | None, respond: Callable[[], HttpResponse]
) -> HttpResponse:
    """A response made of one fragment, with the fragment's key as its ETag; 304 Not Modified
    (without building the fragment) when the browser already holds it (If-None-Match).

    The key changes whenever anything the fragment shows changes, and holds the viewer's
    view, so the browser's copy is current exactly when the ETag matches. The response
    says `Cache-Control: private, no-cache` (the browser keeps it, asks again before using
    it, and no shared cache keeps it) and varies on the cookie (whose view it is) and on
    HX-Request (the same URL without htmx is a whole page). Without a key (the cache off)
    there is no ETag."""
    if digest is None:
        response = respond()
    else:
        tag = etag(digest)
        wanted = parse_etags(request.headers.get("If-None-Match", ""))
        response = HttpResponseNotModified() if tag in wanted or "*" in wanted else respond()
        response["ETag"] = tag
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Cookie", "HX-Request"])
    return response
