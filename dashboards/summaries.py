"""Reporting summaries per team, collaborative, AHSN and programme, computed in Celery.

What each level holds (`dashboards.payloads`: one frozen dataclass per level, stored as
versioned JSON in `ReportingSummary.payload`):

- team: its charts' signals (series whose latest point is a special cause of concern or
  of improvement, from the stored `ChartResult`s), verdicts, "N of M measures improved"
  (`measures`, dashboards.claims), the outcome measure's verdict, data completeness
  over the last `COMPLETENESS_MONTHS` months (`measures.completeness`), PDSA cycles (by
  decision, active, overdue, started recently) and the latest assessment score (the
  faculty's, else the team's own).
- collaborative: the same added up over its active teams, the share of teams whose
  outcome verdict is improved (dashboards.claims), progress to the stretch target, and
  the outcome measure's pooled numerator and denominator over the last three complete
  months (raw: pages outside the collaborative pass them through `governance.disclosure`).
- ahsn: the collaboratives it leads added up, and how many are in each phase.
- programme: one topic across the AHSNs that run it (every national programme, and any
  local topic run in more than one region), one entry per lead AHSN.

Steps of `summaries_compute`: for each collaborative, a fixed handful of queries reads
its teams' rows and builds the team and collaborative payloads; then the AHSN and
programme payloads are added up from the collaborative ones; every row is upserted on
(level, object, this month). `summaries_refresh_changed` (beat, every few minutes)
recomputes only the collaboratives whose inputs key moved since their summary was stored,
or whose stored payload is of another version (`dashboards.payloads.VERSION`).

The readers (`latest_summaries`, `latest_rows`, `summaries_for_month`) give the payloads as
those dataclasses, and leave out a row of another payload version (logged): it is shown as
not computed yet until the change check has recomputed it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import fields as dataclass_fields

from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from collaboratives.models import AHSN, Collaborative, PDSACycle, Team, TeamAssessment, Topic
from dashboards import claims
from dashboards.models import ReportingSummary
from dashboards.payloads import (
    VERSION,
    AhsnSummary,
    CollaborativeSummary,
    Cycles,
    OutcomeMeasure,
    OutcomeRate,
    ProgrammeSummary,
    Score,
    Signals,
    Stored,
    Summary,
    TargetProgress,
    TeamSummary,
    Totals,
    latest_summaries,  # noqa: F401  (the newest summaries, read by the pages from here too)
    read_rows,
)
from measures.completeness import (
    complete_cutoffs,
    completeness_matrix,
    cutoff_for,
    last_day_of,
)
from measures.models import ChartResult, Measure, Series
from measures.periods import MONTHLY

Level = ReportingSummary.Level
# The advisory lock every store of summaries takes for its transaction (`_stamp`).
SUMMARIES_WRITE_LOCK = 0x5C0_11AB
log = logging.getLogger(__name__)

COMPLETENESS_MONTHS = 6
RECENT_DAYS = 90  # "PDSA activity": cycles started in the last three months
OUTCOME_MONTHS = 3  # the outcome rate pools the last three months


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


# --- Reading ---------------------------------------------------------------------------


def latest_rows(level: str, ids: Iterable[int]) -> dict[int, Stored]:
    """The newest row of each object (payload, month, data version, computed at)."""
    rows = ReportingSummary.objects.filter(level=level, object_id__in=list(ids))
    return {
        pk: Stored(summary, r.month, r.computed_at, r.data_version)
        for pk, (r, summary) in read_rows(rows.latest_per_object()).items()
    }


def summaries_for_month(level: str, ids: Iterable[int], month: dt.date) -> dict[int, Summary]:
    """Each object's snapshot of `month`, in one query (missing when none was taken)."""
    rows = ReportingSummary.objects.filter(level=level, object_id__in=list(ids), month=month)
    return {pk: summary for pk, (_, summary) in read_rows(rows).items()}


def snapshot_months(level: str, ids: Iterable[int]) -> list[dt.date]:
    """The months with snapshots of any of these objects (of this payload version), newest
    first."""
    return list(
        ReportingSummary.objects.filter(
            level=level, object_id__in=list(ids), payload__version=VERSION
        )
        .order_by("-month")
        .values_list("month", flat=True)
        .distinct()
    )


# --- Team and collaborative --------------------------------------------------------------


def _as_of(queryset, field: str, today: dt.date):
    """Rows that had started by `today` in a back-dated snapshot; every row otherwise (a
    collaborative in preparation, or a team signed up ahead, is summarised from now)."""
    if today < timezone.localdate():
        return queryset.filter(**{f"{field}__lte": today})
    return queryset


def collaborative_compute(
    collaborative: Collaborative, *, today: dt.date
) -> tuple[dict[int, TeamSummary], CollaborativeSummary]:
    """({team id: team summary}, collaborative summary) as things stood on `today`.

    A fixed number of queries whatever the number of teams: teams, the measure set, the
    stretch target, series, their latest chart results, completeness (two), cycles and
    assessments.
    """
    teams = list(
        _as_of(Team.objects.filter(collaborative=collaborative), "joined_on", today).values(
            "id", "status", "organisation__kind"
        )
    )
    set_rows = list(
        collaborative.measure_set.values(
            "measure_id",
            "measure__name",
            "measure__kind",
            "measure__counts_people",
            "measure__multiplier",
        )
    )
    in_set = {r["measure_id"]: r for r in set_rows}
    outcome_id = claims.outcome_measure_id(collaborative)
    outcome_row = (
        Measure.objects.filter(pk=outcome_id)
        .values(*(f.name for f in dataclass_fields(OutcomeMeasure)))
        .first()
        if outcome_id
        else None
    )
    outcome_measure = OutcomeMeasure(**outcome_row) if outcome_row else None
    # Worked out per team in the loops below, then frozen into its TeamSummary.
    work: dict[int, dict] = {
        t["id"]: {
            "status": t["status"],
            "kind": t["organisation__kind"],
            "series": 0,
            "signals": Counter(concern=0, improvement=0),
            "verdicts": dict.fromkeys(claims.STATUSES, 0),
            "outcome": None,
            "cycles": Counter(),
            "assessment": None,
        }
        for t in teams
    }

    series = {
        s["id"]: s
        for s in Series.objects.filter(
            team__collaborative=collaborative,
            measure_id__in=[r["measure_id"] for r in set_rows],
        ).values("id", "team_id", "measure_id", "data_version", "measure__frequency")
    }
    data_version = sum(s["data_version"] for s in series.values())
    results = claims.stored_results(series)
    # The outcome rate pools the last OUTCOME_MONTHS complete months (issue 14): the
    # current month, or one a team has entered early, would move it with every entry.
    cutoffs = complete_cutoffs([collaborative], today=today)
    frequency = outcome_measure.frequency if outcome_measure else MONTHLY
    window_end = cutoff_for(cutoffs, collaborative.pk, frequency, monthly=True)
    window_start = window_end
    for _ in range(OUTCOME_MONTHS - 1):
        window_start = previous_month(window_start)
    outcome_num = outcome_den = 0.0
    outcome_points = 0
    verdicts: dict[int, list] = defaultdict(list)
    for s in sorted(series.values(), key=lambda s: in_set[s["measure_id"]]["measure__name"]):
        team = work.get(s["team_id"])
        if team is None:
            continue
        r = results.get(s["id"])
        m = in_set[s["measure_id"]]
        # as things stood on `today`: up to the end of its latest complete period then
        as_of = claims.complete_day(cutoffs, collaborative.pk, s["measure__frequency"])
        # A measure with no chart yet is counted, as not enough data (dashboards.claims).
        signal, status = claims.reading_as_of(r, as_of) if r else ("", claims.INSUFFICIENT)
        verdicts[s["team_id"]].append(
            claims.MeasureVerdict(s["measure_id"], m["measure__name"], m["measure__kind"], status)
        )
        if r is None:
            continue
        team["series"] += 1
        if signal:
            team["signals"][signal] += 1
        team["verdicts"][status] += 1
        if s["measure_id"] == outcome_id:
            team["outcome"] = status
            if team["status"] == Team.Status.ACTIVE:
                lo, hi = window_start.isoformat(), last_day_of(window_end, MONTHLY).isoformat()
                for x, num, den in zip(r["x"], r["numerator"], r["denominator"], strict=False):
                    if lo <= x <= hi and num is not None:
                        outcome_num += float(num)
                        outcome_den += float(den or 0)
                        outcome_points += 1

    filled: dict[int, tuple[int, int]] = {}
    _, rows = completeness_matrix(collaborative, today=today, months=COMPLETENESS_MONTHS)
    for team_obj, cells in rows:
        filled[team_obj.pk] = (sum(c.filled for c in cells), sum(c.expected for c in cells))

    recent_since = today - dt.timedelta(days=RECENT_DAYS)
    cycles = (
        PDSACycle.objects.filter(
            team__collaborative=collaborative, archived_at__isnull=True, planned_start__lte=today
        )
        .with_overdue(today)
        .values("team_id", "status", "act_decision", "planned_start", "overdue")
    )
    for c in cycles:
        team = work.get(c["team_id"])
        if team is None:
            continue
        counts = team["cycles"]
        counts["total"] += 1
        if c["act_decision"]:
            counts[c["act_decision"]] += 1
        if c["status"] != PDSACycle.Status.DONE:
            counts["active"] += 1
        if c["overdue"]:
            counts["overdue"] += 1
        if c["planned_start"] >= recent_since:
            counts["recent"] += 1

    assessments = TeamAssessment.objects.filter(
        team__collaborative=collaborative, month__lte=today
    ).values_list("team_id", "month", "self_rating", "faculty_rating")
    for team_id, month, self_rating, faculty_rating in assessments.order_by("team_id", "month"):
        team = work.get(team_id)
        score = faculty_rating if faculty_rating is not None else self_rating
        if team is None or score is None:
            continue
        before = team["assessment"]
        team["assessment"] = Score(
            score=float(score),
            month=month,
            by="faculty" if faculty_rating is not None else "team",
            previous=before.score if before else None,
        )

    summaries = {
        team_id: TeamSummary(
            status=w["status"],
            kind=w["kind"],
            series=w["series"],
            signals=Signals(**w["signals"]),
            verdicts=w["verdicts"],
            measures=claims.measures_tally(verdicts.get(team_id, ())),
            outcome=w["outcome"],
            filled=filled.get(team_id, (0, 0))[0],
            expected=filled.get(team_id, (0, 0))[1],
            cycles=Cycles(**w["cycles"]),
            assessment=w["assessment"],
        )
        for team_id, w in work.items()
    }
    active = [t for t in summaries.values() if t.status == Team.Status.ACTIVE]
    progress = claims.collaborative_progress(collaborative, today=today)
    return summaries, CollaborativeSummary(
        totals=_add_up(active),
        data_version=data_version,
        outcome_measure=outcome_measure,
        outcome_rate=OutcomeRate(
            numerator=outcome_num,
            denominator=outcome_den,
            points=outcome_points,
            since=window_start,
        )
        if outcome_points
        else None,
        phase=collaborative.phase,
        withdrawn=len(summaries) - len(active),
        # progress to the stretch target (dashboards.claims), the "most improvement"
        # tie-breaker
        progress=None
        if progress is None
        else TargetProgress(share=progress.share, status=progress.status, period=progress.period),
    )


def _add_up(teams: Iterable[TeamSummary]) -> Totals:
    """A collaborative's totals over its (active) teams."""
    total = Totals()
    for t in teams:
        outcome = claims.status_of(t.outcome)
        judged = outcome in claims.JUDGED  # "teams improved": dashboards.claims.teams_tally
        total += Totals(
            teams=1,
            concern=t.signals.concern,
            improvement=t.signals.improvement,
            teams_with_concern=int(t.signals.concern > 0),
            outcome_judged=int(judged),
            outcome_improved=int(judged and outcome == claims.IMPROVED),
            outcome_deteriorated=int(judged and outcome == claims.DETERIORATED),
            filled=t.filled,
            expected=t.expected,
            cycles=t.cycles,
            scores={str(t.assessment.score): 1} if t.assessment else {},
        )
    return total


# --- AHSN and programme ----------------------------------------------------------------


def ahsn_payload(
    collaborative_payloads: dict[int, CollaborativeSummary], phases: dict[int, str]
) -> AhsnSummary:
    """An AHSN's summary from the summaries of the collaboratives it leads."""
    parts = collaborative_payloads.values()
    measure, rate = _pooled_outcome(parts)
    return AhsnSummary(
        totals=sum((p.totals for p in parts), Totals()),
        data_version=sum(p.data_version for p in parts),
        outcome_measure=measure,
        outcome_rate=rate,
        collaborative_ids=tuple(sorted(collaborative_payloads)),
        phases=dict(Counter(phases[c] for c in collaborative_payloads)),
        progress_mean=claims.mean_progress(p.progress_share for p in parts),
    )


def _pooled_outcome(payloads) -> tuple[OutcomeMeasure | None, OutcomeRate | None]:
    """The outcome measure and its rate pooled across collaboratives, when they all share
    one outcome measure (the usual case within a topic); (None, None) otherwise."""
    payloads = [p for p in payloads if p.outcome_measure]
    if len({p.outcome_measure.id for p in payloads}) != 1:
        return None, None
    rates = [p.outcome_rate for p in payloads if p.outcome_rate]
    rate = None
    for r in rates:
        rate = r if rate is None else rate + r
    return payloads[0].outcome_measure, rate


def programme_payload(
    by_ahsn: dict[int, dict[int, CollaborativeSummary]], phases: dict[int, str]
) -> ProgrammeSummary:
    """A topic's summary: one entry per lead AHSN (its collaboratives on the topic added
    up) and the whole programme's total."""
    regions = {ahsn_id: ahsn_payload(payloads, phases) for ahsn_id, payloads in by_ahsn.items()}
    every = {cid: p for payloads in by_ahsn.values() for cid, p in payloads.items()}
    whole = ahsn_payload(every, phases)
    return ProgrammeSummary(**_fields_of(whole), regions=regions)


def _fields_of(summary) -> dict:
    return {f.name: getattr(summary, f.name) for f in dataclass_fields(summary)}


# --- Storing -------------------------------------------------------------------------------


def _stamp() -> dt.datetime:
    """The time a store's rows are stamped with (`computed_at`), read once the store's
    transaction holds the summaries' write lock: stores are stamped in the order they
    commit, so the newest stamp moves with every store, whichever run it belongs to. The
    fragment cache keys the tables read from summaries on that newest stamp
    (dashboards.fragments.summary_versions); a run stamped once at its start would leave
    the key unmoved by every store after its first, and a page cached between two of them
    stale. Call inside the store's transaction (PostgreSQL releases the lock at its end;
    SQLite serialises writers already)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SUMMARIES_WRITE_LOCK])
    return timezone.now()


def _store(level: str, rows: dict[int, tuple[Summary, int, str]], *, month, now) -> None:
    """Upsert {object id: (summary, data version, inputs key)} on (level, object, month)."""
    ReportingSummary.objects.bulk_create(
        [
            ReportingSummary(
                level=level,
                object_id=object_id,
                month=month,
                data_version=version,
                inputs_key=key,
                computed_at=now,
                payload=summary.to_json(),
            )
            for object_id, (summary, version, key) in rows.items()
        ],
        update_conflicts=True,
        unique_fields=["level", "object_id", "month"],
        update_fields=["data_version", "inputs_key", "computed_at", "payload"],
        batch_size=500,
    )


def inputs_keys(collaborative_ids: Iterable[int] | None = None) -> dict[int, tuple[int, str]]:
    """{collaborative id: (data version, inputs key)} for the change check, in three queries.

    The key moves when a data point is written (series data versions), when a chart is
    recomputed (newest chart result) or when a cycle is saved (newest cycle update).
    Assessment ratings and phase moves are picked up by the nightly run.
    """
    series = Series.objects.all()
    results = ChartResult.objects.all()
    cycles = PDSACycle.objects.all()
    if collaborative_ids is not None:
        ids = list(collaborative_ids)
        series = series.filter(team__collaborative_id__in=ids)
        results = results.filter(series__team__collaborative_id__in=ids)
        cycles = cycles.filter(team__collaborative_id__in=ids)
    parts: dict[int, list] = defaultdict(lambda: [0, 0, None, None])
    for cid, version, n in series.values_list("team__collaborative_id").annotate(
        Sum("data_version"), Count("id")
    ):
        parts[cid][0], parts[cid][1] = version or 0, n
    for cid, newest in results.values_list("series__team__collaborative_id").annotate(
        Max("computed_at")
    ):
        parts[cid][2] = newest
    for cid, newest in cycles.values_list("team__collaborative_id").annotate(Max("updated_at")):
        parts[cid][3] = newest
    return {
        cid: (p[0], hashlib.sha256(repr(p).encode()).hexdigest()[:32]) for cid, p in parts.items()
    }


def summaries_compute(
    *, collaborative_ids: Iterable[int] | None = None, today: dt.date | None = None
) -> dict:
    """Compute and store the summaries of these collaboratives (all when None), their teams,
    and the AHSNs and programmes they belong to. Returns counts of rows stored.

    `today` earlier than now stores a back-dated snapshot for that month (used to give a
    fresh installation a "last month" to compare with); chart verdicts are then read as of
    that day from the stored points, an approximation of what was on screen then.
    """
    today = today or timezone.localdate()
    month = month_of(today)
    collaboratives = _as_of(Collaborative.objects.all(), "starts_on", today).order_by("pk")
    if collaborative_ids is not None:
        collaboratives = collaboratives.filter(pk__in=list(collaborative_ids))
    collaboratives = list(collaboratives.select_related("topic"))
    keys = inputs_keys([c.pk for c in collaboratives] if collaborative_ids is not None else None)
    counts = Counter()
    for collaborative in collaboratives:
        team_payloads, payload = collaborative_compute(collaborative, today=today)
        version, key = keys.get(collaborative.pk, (0, ""))
        with transaction.atomic():
            now = _stamp()
            _store(
                Level.TEAM,
                {tid: (p, version, key) for tid, p in team_payloads.items()},
                month=month,
                now=now,
            )
            _store(
                Level.COLLABORATIVE,
                {collaborative.pk: (payload, version, key)},
                month=month,
                now=now,
            )
        counts["team"] += len(team_payloads)
        counts["collaborative"] += 1
    if collaboratives or collaborative_ids is None:
        every_ahsn = collaborative_ids is None  # so an AHSN leading nothing yet says so
        counts.update(
            rollups_compute(
                ahsn_ids=set(AHSN.objects.values_list("pk", flat=True))
                if every_ahsn
                else {c.lead_ahsn_id for c in collaboratives},
                topic_ids={c.topic_id for c in collaboratives},
                month=month,
                today=today,
            )
        )
    return dict(counts)


def programme_topic_ids() -> set[int]:
    """Topics compared across AHSNs: every national programme, and any local topic whose
    collaboratives are led by more than one AHSN."""
    national = set(Topic.objects.filter(kind=Topic.Kind.NATIONAL).values_list("pk", flat=True))
    spread = set(
        Collaborative.objects.values_list("topic_id")
        .annotate(regions=Count("lead_ahsn", distinct=True))
        .filter(regions__gt=1)
        .values_list("topic_id", flat=True)
    )
    return national | spread


def rollups_compute(*, ahsn_ids, topic_ids, month, today) -> Counter:
    """Recompute the AHSN and programme rows from the stored collaborative rows of `month`."""
    topic_ids = set(topic_ids) & programme_topic_ids()
    collaboratives = list(
        _as_of(Collaborative.objects.all(), "starts_on", today)
        .filter(Q(lead_ahsn_id__in=list(ahsn_ids)) | Q(topic_id__in=list(topic_ids)))
        .values("id", "lead_ahsn_id", "topic_id", "phase")
    )
    phases = {c["id"]: c["phase"] for c in collaboratives}
    stored = summaries_for_month(Level.COLLABORATIVE, phases, month)
    ahsn_rows: dict[int, dict[int, CollaborativeSummary]] = {a: {} for a in ahsn_ids}
    topic_rows: dict[int, dict[int, dict[int, CollaborativeSummary]]] = {
        t: defaultdict(dict) for t in topic_ids
    }
    for c in collaboratives:
        payload = stored.get(c["id"])
        if payload is None:
            continue
        if c["lead_ahsn_id"] in ahsn_rows:
            ahsn_rows[c["lead_ahsn_id"]][c["id"]] = payload
        if c["topic_id"] in topic_rows:
            topic_rows[c["topic_id"]][c["lead_ahsn_id"]][c["id"]] = payload
    ahsn_out = {}
    for ahsn_id, payloads in ahsn_rows.items():
        p = ahsn_payload(payloads, phases)
        ahsn_out[ahsn_id] = (p, p.data_version, "")
    topic_out = {}
    for topic_id, by_ahsn in topic_rows.items():
        p = programme_payload(by_ahsn, phases)
        topic_out[topic_id] = (p, p.data_version, "")
    with transaction.atomic():
        now = _stamp()
        _store(Level.AHSN, ahsn_out, month=month, now=now)
        _store(Level.PROGRAMME, topic_out, month=month, now=now)
    return Counter(ahsn=len(ahsn_out), programme=len(topic_out))


def summaries_refresh_changed(*, today: dt.date | None = None) -> dict:
    """Recompute the collaboratives whose inputs moved since their summary was stored.

    Three aggregate queries find them (`inputs_keys`), one more reads the stored keys; a
    new month also counts as a change, so the first run of a month starts its snapshot, and
    so does a stored payload of another version (`dashboards.payloads.VERSION`), so that a
    release that changes the payloads has them recomputed within minutes.
    """
    today = today or timezone.localdate()
    month = month_of(today)
    current = inputs_keys()
    stored = {
        object_id: key
        for object_id, key, version in ReportingSummary.objects.filter(
            level=Level.COLLABORATIVE, month=month
        ).values_list("object_id", "inputs_key", "payload__version")
        if version == VERSION
    }
    active = set(
        _as_of(Collaborative.objects.all(), "starts_on", today).values_list("pk", flat=True)
    )
    changed = sorted(
        cid for cid in active if cid not in stored or stored[cid] != current.get(cid, (0, ""))[1]
    )
    if not changed:
        return {"changed": 0}
    counts = summaries_compute(collaborative_ids=changed, today=today)
    return {"changed": len(changed), **counts}
