"""Reporting summaries per team, collaborative, AHSN and programme, computed in Celery.

What each level holds (plain JSON in `ReportingSummary.payload`):

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
recomputes only the collaboratives whose inputs key moved since their summary was stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from collaboratives.models import AHSN, Collaborative, PDSACycle, Team, TeamAssessment, Topic
from dashboards import claims
from dashboards.models import ReportingSummary
from measures.completeness import (
    complete_cutoffs,
    completeness_matrix,
    cutoff_for,
    last_day_of,
)
from measures.models import ChartResult, Measure, Series
from measures.periods import MONTHLY

Level = ReportingSummary.Level

COMPLETENESS_MONTHS = 6
RECENT_DAYS = 90  # "PDSA activity": cycles started in the last three months
OUTCOME_MONTHS = 3  # the outcome rate pools the last three months


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


# --- Reading ---------------------------------------------------------------------------


def latest_summaries(level: str, ids: Iterable[int]) -> dict[int, dict]:
    """The newest payload of each object, in one query: {object id: payload}."""
    return ReportingSummary.objects.latest_payloads(level, ids)


def latest_rows(level: str, ids: Iterable[int]) -> dict[int, ReportingSummary]:
    """The newest row of each object (payload, month, data version, computed at)."""
    rows = ReportingSummary.objects.filter(level=level, object_id__in=list(ids))
    return {r.object_id: r for r in rows.latest_per_object()}


def summaries_for_month(level: str, ids: Iterable[int], month: dt.date) -> dict[int, dict]:
    """Each object's snapshot of `month`, in one query (missing when none was taken)."""
    rows = ReportingSummary.objects.filter(level=level, object_id__in=list(ids), month=month)
    return {r.object_id: r.payload for r in rows}


def snapshot_months(level: str, ids: Iterable[int]) -> list[dt.date]:
    """The months with snapshots of any of these objects, newest first."""
    return list(
        ReportingSummary.objects.filter(level=level, object_id__in=list(ids))
        .order_by("-month")
        .values_list("month", flat=True)
        .distinct()
    )


# --- Team and collaborative --------------------------------------------------------------


def _ratio(part, whole) -> float | None:
    return round(part / whole, 4) if whole else None


def _as_of(queryset, field: str, today: dt.date):
    """Rows that had started by `today` in a back-dated snapshot; every row otherwise (a
    collaborative in preparation, or a team signed up ahead, is summarised from now)."""
    if today < timezone.localdate():
        return queryset.filter(**{f"{field}__lte": today})
    return queryset


def _empty_team() -> dict:
    return {
        "series": 0,
        "signals": {"concern": 0, "improvement": 0},
        "verdicts": dict.fromkeys(claims.STATUSES, 0),
        "measures": claims.MeasureTally().as_dict(),
        "outcome": None,
        "filled": 0,
        "expected": 0,
        "missing": 0,
        "completeness": None,
        "cycles": {
            "total": 0,
            "active": 0,
            "overdue": 0,
            "recent": 0,
            "adopt": 0,
            "adapt": 0,
            "abandon": 0,
        },
        "assessment": None,
    }


def collaborative_compute(collaborative: Collaborative, *, today: dt.date) -> tuple[dict, dict]:
    """({team id: team payload}, collaborative payload) as things stood on `today`.

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
    outcome_measure = (
        Measure.objects.filter(pk=outcome_id)
        .values(
            "id",
            "name",
            "counts_people",
            "counts_patient_events",
            "multiplier",
            "unit",
            "chart_type",
            "direction",
            "frequency",
        )
        .first()
        if outcome_id
        else None
    )
    payloads: dict[int, dict] = {t["id"]: _empty_team() for t in teams}
    for t in teams:
        payloads[t["id"]]["status"] = t["status"]
        payloads[t["id"]]["kind"] = t["organisation__kind"]

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
    frequency = outcome_measure["frequency"] if outcome_measure else MONTHLY
    window_end = cutoff_for(cutoffs, collaborative.pk, frequency, monthly=True)
    window_start = window_end
    for _ in range(OUTCOME_MONTHS - 1):
        window_start = previous_month(window_start)
    outcome_num = outcome_den = 0.0
    outcome_points = 0
    verdicts: dict[int, list] = defaultdict(list)
    for s in sorted(series.values(), key=lambda s: in_set[s["measure_id"]]["measure__name"]):
        team = payloads.get(s["team_id"])
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

    for team_id, team_verdicts in verdicts.items():
        payloads[team_id]["measures"] = claims.measures_tally(team_verdicts).as_dict()

    _, rows = completeness_matrix(collaborative, today=today, months=COMPLETENESS_MONTHS)
    for team_obj, cells in rows:
        team = payloads.get(team_obj.pk)
        if team is None:
            continue
        team["filled"] = sum(c.filled for c in cells)
        team["expected"] = sum(c.expected for c in cells)
        team["missing"] = team["expected"] - team["filled"]
        team["completeness"] = _ratio(team["filled"], team["expected"])

    recent_since = today - dt.timedelta(days=RECENT_DAYS)
    cycles = (
        PDSACycle.objects.filter(
            team__collaborative=collaborative, archived_at__isnull=True, planned_start__lte=today
        )
        .with_overdue(today)
        .values("team_id", "status", "act_decision", "planned_start", "overdue")
    )
    for c in cycles:
        team = payloads.get(c["team_id"])
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
        team = payloads.get(team_id)
        score = faculty_rating if faculty_rating is not None else self_rating
        if team is None or score is None:
            continue
        before = team["assessment"]
        team["assessment"] = {
            "score": float(score),
            "month": month.isoformat(),
            "by": "faculty" if faculty_rating is not None else "team",
            "previous": before["score"] if before else None,
        }

    return payloads, _collaborative_payload(
        collaborative,
        payloads,
        data_version=data_version,
        outcome_measure=outcome_measure,
        outcome=(outcome_num, outcome_den, outcome_points),
        window_start=window_start,
        progress=claims.collaborative_progress(collaborative, today=today),
    )


def _add_up(team_payloads: Iterable[dict]) -> dict:
    """What a collaborative, AHSN or programme payload adds up from its teams' (or parts')."""
    total = {
        "teams": 0,
        "concern": 0,
        "improvement": 0,
        "teams_with_concern": 0,
        "outcome_improved": 0,
        "outcome_deteriorated": 0,
        "outcome_judged": 0,
        "filled": 0,
        "expected": 0,
        "cycles": Counter(),
        "scores": Counter(),
    }
    for p in team_payloads:
        total["teams"] += 1
        total["concern"] += p["signals"]["concern"]
        total["improvement"] += p["signals"]["improvement"]
        total["teams_with_concern"] += p["signals"]["concern"] > 0
        outcome = claims.status_of(p["outcome"])
        if outcome in claims.JUDGED:  # "teams improved": dashboards.claims.teams_tally
            total["outcome_judged"] += 1
            total["outcome_improved"] += outcome == claims.IMPROVED
            total["outcome_deteriorated"] += outcome == claims.DETERIORATED
        total["filled"] += p["filled"]
        total["expected"] += p["expected"]
        total["cycles"].update(p["cycles"])
        if p["assessment"]:
            total["scores"][str(p["assessment"]["score"])] += 1
    return total


def _shape(total: dict) -> dict:
    """The stored form of an added-up total: shares worked out, counters as dicts."""
    scores = [float(s) for s, n in total["scores"].items() for _ in range(n)]
    teams = total["teams"]
    cycles = dict(total["cycles"])
    return {
        "teams": teams,
        "signals": {"concern": total["concern"], "improvement": total["improvement"]},
        "teams_with_concern": total["teams_with_concern"],
        "outcome_improved": total["outcome_improved"],
        "outcome_deteriorated": total["outcome_deteriorated"],
        "outcome_judged": total["outcome_judged"],
        "improved_share": _ratio(total["outcome_improved"], total["outcome_judged"]),
        "filled": total["filled"],
        "expected": total["expected"],
        "completeness": _ratio(total["filled"], total["expected"]),
        "cycles": cycles,
        "cycles_recent_per_team": round(cycles.get("recent", 0) / teams, 2) if teams else None,
        "assessment": {
            "rated": len(scores),
            "mean": round(statistics.fmean(scores), 2) if scores else None,
            "median": statistics.median(scores) if scores else None,
            "distribution": dict(sorted(total["scores"].items(), key=lambda kv: float(kv[0]))),
        },
    }


def _merge(totals: Iterable[dict]) -> dict:
    """Add up several `_add_up` totals (an AHSN's collaboratives, a programme's AHSNs)."""
    out = _add_up([])
    for t in totals:
        for key, value in t.items():
            if isinstance(value, Counter):
                out[key].update(value)
            else:
                out[key] += value
    return out


def _collaborative_payload(
    collaborative, team_payloads, *, data_version, outcome_measure, outcome, window_start, progress
) -> dict:
    active = [p for p in team_payloads.values() if p["status"] == Team.Status.ACTIVE]
    total = _add_up(active)
    num, den, points = outcome
    payload = _shape(total)
    payload.update(
        {
            "phase": collaborative.phase,
            "withdrawn": len(team_payloads) - len(active),
            "data_version": data_version,
            "outcome_measure": outcome_measure,
            "outcome_rate": {
                "numerator": num,
                "denominator": den,
                "points": points,
                "since": window_start.isoformat(),
            }
            if points
            else None,
            # progress to the stretch target (dashboards.claims), the "most improvement"
            # tie-breaker
            "progress": None
            if progress is None
            else {
                "share": progress.share,
                "status": progress.status,
                "period": progress.period.isoformat() if progress.period else None,
            },
            "_total": _serialisable(total),
        }
    )
    return payload


def _serialisable(total: dict) -> dict:
    return {k: dict(v) if isinstance(v, Counter) else v for k, v in total.items()}


def _total_of(payload: dict) -> dict:
    raw = dict(payload["_total"])
    raw["cycles"] = Counter(raw["cycles"])
    raw["scores"] = Counter(raw["scores"])
    return raw


# --- AHSN and programme ----------------------------------------------------------------


def ahsn_payload(collaborative_payloads: dict[int, dict], phases: dict[int, str]) -> dict:
    """An AHSN's payload from the payloads of the collaboratives it leads."""
    payload = _shape(_merge(_total_of(p) for p in collaborative_payloads.values()))
    payload["collaboratives"] = len(collaborative_payloads)
    payload["phases"] = dict(Counter(phases[c] for c in collaborative_payloads))
    payload["data_version"] = sum(p["data_version"] for p in collaborative_payloads.values())
    payload.update(_pooled_outcome(collaborative_payloads.values()))
    payload["progress_mean"] = claims.mean_progress(
        (p.get("progress") or {}).get("share") for p in collaborative_payloads.values()
    )
    return payload


def _pooled_outcome(payloads) -> dict:
    """The outcome rate pooled across collaboratives, when they all share one outcome
    measure (the usual case within a topic); nothing otherwise."""
    payloads = [p for p in payloads if p.get("outcome_measure")]
    measures = {p["outcome_measure"]["id"] for p in payloads}
    if len(measures) != 1:
        return {"outcome_measure": None, "outcome_rate": None}
    rates = [p["outcome_rate"] for p in payloads if p.get("outcome_rate")]
    if not rates:
        return {"outcome_measure": payloads[0]["outcome_measure"], "outcome_rate": None}
    return {
        "outcome_measure": payloads[0]["outcome_measure"],
        "outcome_rate": {
            "numerator": sum(r["numerator"] for r in rates),
            "denominator": sum(r["denominator"] for r in rates),
            "points": sum(r["points"] for r in rates),
            "since": min(r["since"] for r in rates),
        },
    }


def programme_payload(by_ahsn: dict[int, dict[int, dict]], phases: dict[int, str]) -> dict:
    """A topic's payload: one entry per lead AHSN (its collaboratives on the topic added up)
    and the whole programme's total."""
    regions = {}
    for ahsn_id, payloads in by_ahsn.items():
        entry = ahsn_payload(payloads, phases)
        entry["collaborative_ids"] = sorted(payloads)
        regions[str(ahsn_id)] = entry
    every = {cid: p for payloads in by_ahsn.values() for cid, p in payloads.items()}
    payload = ahsn_payload(every, phases)
    payload["regions"] = regions
    return payload


# --- Storing -------------------------------------------------------------------------------


def _store(level: str, rows: dict[int, tuple[dict, int, str]], *, month, now) -> None:
    """Upsert {object id: (payload, data version, inputs key)} on (level, object, month)."""
    ReportingSummary.objects.bulk_create(
        [
            ReportingSummary(
                level=level,
                object_id=object_id,
                month=month,
                data_version=version,
                inputs_key=key,
                computed_at=now,
                payload=payload,
            )
            for object_id, (payload, version, key) in rows.items()
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
    now = timezone.now()
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
                now=now,
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


def rollups_compute(*, ahsn_ids, topic_ids, month, today, now) -> Counter:
    """Recompute the AHSN and programme rows from the stored collaborative rows of `month`."""
    topic_ids = set(topic_ids) & programme_topic_ids()
    collaboratives = list(
        _as_of(Collaborative.objects.all(), "starts_on", today)
        .filter(Q(lead_ahsn_id__in=list(ahsn_ids)) | Q(topic_id__in=list(topic_ids)))
        .values("id", "lead_ahsn_id", "topic_id", "phase")
    )
    phases = {c["id"]: c["phase"] for c in collaboratives}
    stored = summaries_for_month(Level.COLLABORATIVE, phases, month)
    ahsn_rows: dict[int, dict[int, dict]] = {a: {} for a in ahsn_ids}
    topic_rows: dict[int, dict[int, dict[int, dict]]] = {t: defaultdict(dict) for t in topic_ids}
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
        ahsn_out[ahsn_id] = (p, p["data_version"], "")
    topic_out = {}
    for topic_id, by_ahsn in topic_rows.items():
        p = programme_payload(by_ahsn, phases)
        topic_out[topic_id] = (p, p["data_version"], "")
    with transaction.atomic():
        _store(Level.AHSN, ahsn_out, month=month, now=now)
        _store(Level.PROGRAMME, topic_out, month=month, now=now)
    return Counter(ahsn=len(ahsn_out), programme=len(topic_out))


def summaries_refresh_changed(*, today: dt.date | None = None) -> dict:
    """Recompute the collaboratives whose inputs moved since their summary was stored.

    Three aggregate queries find them (`inputs_keys`), one more reads the stored keys; a
    new month also counts as a change, so the first run of a month starts its snapshot.
    """
    today = today or timezone.localdate()
    month = month_of(today)
    current = inputs_keys()
    stored = dict(
        ReportingSummary.objects.filter(level=Level.COLLABORATIVE, month=month).values_list(
            "object_id", "inputs_key"
        )
    )
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
