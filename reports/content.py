"""What goes into a contract review: the work of an AHSN's collaboratives over a period.

`review_document(ahsn, start, end)` reads the rows and returns plain JSON-ready data (the
"document") that every rendering reads: the PDF, the XLSX and the HTML page. Nothing in
the document is raw where the small-number rules apply (governance/disclosure.py): a
count of people is "*" or rounded to 5, a rate of a measure that counts people is worked
out from the rounded figures, and a suppressed period or team is left off the charts.
Centre lines, control limits and funnel limits are statistics of many values (NHS
Digital's method needs no control for such "complex calculations") and are kept as
computed; the verdicts come from the charts of the real data.

Steps: the portfolio (collaboratives led or partnered by the AHSN that ran in the period);
for each collaborative its target and history, teams, engagement, measures (aggregate
chart and funnel plot), PDSA cycles, change ideas adopted, assessments and design record;
then the lessons across collaboratives and each team's detail (for the XLSX only).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable

from django.db.models import Q
from django.utils import timezone

from collaboratives.models import (
    ASSESSMENT_LEVELS,
    ASSESSMENT_SCORES,
    Attendance,
    Collaborative,
    DesignRecordEntry,
    DriverNode,
    LearningEvent,
    PDSACycle,
    StretchTarget,
    Team,
    TeamAssessment,
    TeamMembership,
)
from collaboratives.workflows import sponsor_attendance
from dashboards import claims
from governance import audit, disclosure
from governance.reporting import periods_due
from measures.completeness import complete_cutoffs, headline_period
from measures.models import DataPoint, Measure, Series
from measures.numbers import number_text

Progress = Callable[[int, str], None]

DOCUMENT_VERSION = 1
# Balancing measures are reported too, with their verdicts (a worsening one is never
# hidden), but left out of "N of M measures improved" (dashboards.claims).
REPORTED_KINDS = (Measure.Kind.OUTCOME, Measure.Kind.PROCESS, Measure.Kind.BALANCING)
DECISIONS = [("adopt", "Adopt"), ("adapt", "Adapt"), ("abandon", "Abandon")]


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def _num(v) -> float | None:
    return None if v is None else float(v)


def _commas(text: str) -> str:
    """A published count with thousands separators ("*" and "" stay as they are)."""
    return f"{int(text):,}" if text.isdigit() else text


def collaboratives_in(ahsn, start: dt.date, end: dt.date):
    """The collaboratives the AHSN leads or partners in that ran at some time in the period."""
    return (
        Collaborative.objects.of_ahsn(ahsn)
        .filter(starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .select_related("topic", "lead_ahsn")
        .distinct()
        .order_by("name")
    )


def review_document(
    ahsn, start: dt.date, end: dt.date, *, progress: Progress | None = None, today=None
) -> tuple[dict, dict]:
    """(document, data versions) for the AHSN's contract review of [start, end]."""
    progress = progress or (lambda pct, note: None)
    today = today or timezone.localdate()
    collaboratives = list(collaboratives_in(ahsn, start, end))
    rules = disclosure.rules()
    doc = {
        "version": DOCUMENT_VERSION,
        "ahsn": {"id": ahsn.pk, "code": ahsn.code, "name": ahsn.current_name},
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "built_at": timezone.now().isoformat(),
        "disclosure": {
            "suppress_up_to": rules.suppress_up_to,
            "round_to": rules.round_to,
            "symbol": rules.symbol,
            "enabled": rules.enabled,
        },
        "collaboratives": [],
        "teams": [],
        "lessons": [],
    }
    series_versions = dict(
        Series.objects.filter(team__collaborative__in=collaboratives).values_list(
            "pk", "data_version"
        )
    )
    # The complete periods of every collaborative, read once (three queries) and shared by
    # each measure's chart and funnel, the headline period and the teams' claims, which
    # would otherwise read them again per measure. The claims read the charts as they stood
    # at the end of the period, so on that day.
    cutoffs = complete_cutoffs(collaboratives, today=today)
    claims_day = min(end, today)
    claims_cutoffs = (
        cutoffs if claims_day == today else complete_cutoffs(collaboratives, today=claims_day)
    )
    total = max(len(collaboratives), 1)
    for i, collaborative in enumerate(collaboratives):
        progress(5 + int(85 * i / total), f"Reading {collaborative.name}")
        section, teams = collaborative_section(
            collaborative,
            ahsn,
            start,
            end,
            today=today,
            cutoffs=cutoffs,
            claims_cutoffs=claims_cutoffs,
        )
        doc["collaboratives"].append(section)
        doc["teams"].extend(teams)
        doc["lessons"].extend(
            {"collaborative": collaborative.name, **lesson}
            for lesson in section["design"]["lessons"]
        )
    progress(90, "Summarising the portfolio")
    doc["summary"] = portfolio_summary(doc["collaboratives"])
    data_versions = {
        "series": {str(k): v for k, v in sorted(series_versions.items())},
        "total": sum(series_versions.values()),
        "points": DataPoint.objects.filter(series__team__collaborative__in=collaboratives).count(),
    }
    doc["data_versions"] = {"total": data_versions["total"], "points": data_versions["points"]}
    return doc, data_versions


# --- The portfolio --------------------------------------------------------------------------


def portfolio_summary(sections: list[dict]) -> dict:
    """The cover's and the summary's figures, each the sum of the sections' own (a test
    holds every one of them to it); counts of measures and teams from dashboards.claims."""
    rows = []
    for s in sections:
        outcome = [m for m in s["measures"] if m["kind"] == "outcome"]
        rows.append(
            {
                "name": s["name"],
                "topic": s["topic"],
                "topic_kind": s["topic_kind"],
                "role": s["role"],
                "phase": s["phase"],
                "teams_in_period": s["teams"]["in_period"],
                "teams_active": s["teams"]["active"],
                "teams_joined": len(s["teams"]["joined"]),
                "teams_withdrawn": len(s["teams"]["withdrawn"]),
                "teams_improved": s["teams"]["improved"],
                "teams_judged": s["teams"]["judged"],
                "outcomes_improved": sum(m["status"] == claims.IMPROVED for m in outcome),
                "outcomes": len(outcome),
                "measures_improved": s["measures_tally"]["improved"],
                "measures": s["measures_tally"]["counted"],
                "cycles": s["cycles"]["completed"],
                "assessment_median": s["assessment"]["median"],
            }
        )
    best = claims.most_improvement(
        claims.Candidate(
            key=i,
            name=s["name"],
            teams=claims.TeamTally(
                teams=s["teams"]["active"],
                judged=s["teams"]["judged"],
                improved=s["teams"]["improved"],
            ),
            progress=(s["target"] or {}).get("progress"),
        )
        for i, s in enumerate(sections)
    )
    return {
        "collaboratives": len(sections),
        "national_topics": sum(s["topic_kind"] == "national" for s in sections),
        "local_topics": sum(s["topic_kind"] != "national" for s in sections),
        "teams_in_period": sum(s["teams"]["in_period"] for s in sections),
        "teams_active": sum(s["teams"]["active"] for s in sections),
        "teams_joined": sum(len(s["teams"]["joined"]) for s in sections),
        "teams_withdrawn": sum(len(s["teams"]["withdrawn"]) for s in sections),
        "teams_improved": sum(s["teams"]["improved"] for s in sections),
        "teams_judged": sum(s["teams"]["judged"] for s in sections),
        "cycles_completed": sum(s["cycles"]["completed"] for s in sections),
        "cycles_by_decision": {
            key: sum(s["cycles"]["by_decision"][key] for s in sections) for key, _ in DECISIONS
        },
        "measures": sum(s["measures_tally"]["counted"] for s in sections),
        "measures_improved": sum(s["measures_tally"]["improved"] for s in sections),
        "measures_deteriorated": sum(s["measures_tally"]["deteriorated"] for s in sections),
        "measures_not_sustained": sum(s["measures_tally"]["not_sustained"] for s in sections),
        "balancing": [
            {"collaborative": s["name"], **b}
            for s in sections
            for b in s["measures_tally"]["balancing"]
        ],
        "most_improvement": None
        if best is None
        else {
            "name": best.name,
            "improved": best.teams.improved,
            "judged": best.teams.judged,
        },
        "change_ideas_adopted": sum(len(s["change_ideas"]) for s in sections),
        "rows": rows,
    }


# --- One collaborative ----------------------------------------------------------------------


def _team_active_in(team: Team, start: dt.date, end: dt.date) -> bool:
    """Whether the team took part at some time in the period (a team that withdrew before
    it is absent from the report)."""
    return team.joined_on <= end and (team.withdrawn_on is None or team.withdrawn_on >= start)


def collaborative_section(
    collaborative, ahsn, start, end, *, today, cutoffs=None, claims_cutoffs=None
) -> tuple[dict, list[dict]]:
    """The collaborative's section and its teams' rows. `cutoffs` (on `today`) and
    `claims_cutoffs` (on the claims' day, the end of the period or today) are
    `measures.completeness.complete_cutoffs` for collaboratives including this one, when the
    caller has read them; by default each step reads its own."""
    teams = [
        t
        for t in collaborative.teams.select_related("organisation", "collaborative")
        if _team_active_in(t, start, end)
    ]
    labels = {t.pk: t.name_for_peers() for t in teams}
    by_id = {t.pk: t for t in teams}  # for every measure's funnel
    team_rows = {
        t.pk: {
            "team_id": t.pk,
            "collaborative": collaborative.name,
            "team": labels[t.pk],
            "status": t.get_status_display(),
            "joined_on": _iso(t.joined_on),
            "withdrawn_on": _iso(t.withdrawn_on),
            "measures": [],
        }
        for t in teams
    }
    section = {
        "id": collaborative.pk,
        "key": f"collaborative-{collaborative.pk}",
        "name": collaborative.name,
        "topic": collaborative.topic.name,
        "topic_kind": collaborative.topic.kind,
        "topic_kind_label": collaborative.topic.get_kind_display(),
        "role": "Lead" if collaborative.lead_ahsn_id == ahsn.pk else "Partner",
        "lead_ahsn": collaborative.lead_ahsn.current_name,
        "phase": collaborative.get_phase_display(),
        "starts_on": _iso(collaborative.starts_on),
        "ends_on": _iso(collaborative.ends_on),
        "aim": collaborative.aim_statement,
        "teams": {
            # active at the end of the period: a team withdrawn during it is not
            "active": sum(claims.active_on(t, end) for t in teams),
            "in_period": len(teams),
            "joined": [labels[t.pk] for t in teams if start <= t.joined_on <= end],
            "withdrawn": [
                labels[t.pk] for t in teams if t.withdrawn_on and start <= t.withdrawn_on <= end
            ],
        },
    }
    section["engagement"] = engagement(collaborative, teams, team_rows, start, end, today=today)
    # The aggregate charts run from the collaborative's baseline (the stretch target's, or
    # its start) to the end of the period, so that the verdict weighs the whole work;
    # the funnel plots compare the teams over the period alone.
    baselines = list(
        StretchTarget.objects.filter(collaborative=collaborative).values_list(
            "baseline_period_start", flat=True
        )
    )
    chart_from = min([start, collaborative.starts_on, *baselines])
    measures = []
    for cm in collaborative.measure_set.select_related("measure", "collaborative").order_by(
        "position", "measure__name"
    ):
        if cm.measure.kind not in REPORTED_KINDS:
            continue
        measures.append(
            measure_section(
                cm,
                start,
                end,
                labels,
                team_rows,
                chart_from=chart_from,
                today=today,
                cutoffs=cutoffs,
                teams=by_id,
            )
        )
    kinds = [Measure.Kind.OUTCOME, Measure.Kind.PROCESS, Measure.Kind.BALANCING]
    measures.sort(key=lambda m: kinds.index(m["kind"]))
    section["measures"] = measures
    section["measures_tally"] = claims.measures_tally(
        claims.MeasureVerdict(m["id"], m["name"], m["kind"], claims.status_of(m["status"]))
        for m in measures
    ).as_dict()
    # "Teams improved": the outcome verdicts of the teams active at the end of the period,
    # read from their charts as they stood then (dashboards.claims, as every page reads them)
    said = claims.collaborative_team_claims(
        collaborative, day=min(end, today), team_ids=[t.pk for t in teams], cutoffs=claims_cutoffs
    )
    tally = claims.teams_tally(said[t.pk].outcome for t in teams if claims.active_on(t, end))
    section["teams"].update(improved=tally.improved, judged=tally.judged)
    for t in teams:
        measures_of_team = said[t.pk].measures
        team_rows[t.pk].update(
            outcome=said[t.pk].outcome,
            measures_improved=measures_of_team.improved,
            measures_counted=measures_of_team.counted,
        )
    section["target"] = target_section(
        collaborative, measures, start, end, today=today, cutoffs=cutoffs
    )
    section["cycles"], section["change_ideas"] = cycles_section(
        collaborative, teams, team_rows, start, end
    )
    section["assessment"] = assessment_section(teams, team_rows, start, end)
    section["design"] = design_section(collaborative, start, end)
    return section, list(team_rows.values())


# --- Engagement -----------------------------------------------------------------------------


def engagement(collaborative, teams, team_rows, start, end, *, today) -> dict:
    team_ids = [t.pk for t in teams]
    sessions = []
    events = LearningEvent.objects.filter(
        collaborative=collaborative,
        kind=LearningEvent.Kind.LEARNING_SESSION,
        starts_on__gte=start,
        starts_on__lte=end,
    ).order_by("starts_on")
    attendance = defaultdict(list)
    for event_id, team_id in Attendance.objects.filter(
        event__collaborative=collaborative, event__starts_on__gte=start, event__starts_on__lte=end
    ).values_list("event_id", "team_id"):
        attendance[event_id].append(team_id)
    attended_by_team = Counter()
    for event in events:
        expected = [t for t in teams if claims.active_on(t, event.starts_on)]
        present = {t for t in attendance[event.pk] if t in team_ids}
        for t in present:
            attended_by_team[t] += 1
        sessions.append(
            {
                "title": event.title,
                "date": _iso(event.starts_on),
                "teams_present": len(present & {t.pk for t in expected}),
                "teams_expected": len(expected),
                "people": disclosure.disclose_count(len(attendance[event.pk])),
            }
        )
    for t in teams:
        team_rows[t.pk]["sessions_attended"] = attended_by_team[t.pk]
        team_rows[t.pk]["sessions_held"] = len(sessions)

    # Data completeness: due periods with a value, of those owed in the period.
    filled = defaultdict(int)
    expected = defaultdict(int)
    series = list(
        Series.objects.filter(
            team__in=team_ids, measure__in=collaborative.measure_set.values("measure_id")
        )
        .exclude(measure__frequency=Measure.Frequency.EVENT)
        .values_list("id", "team_id", "measure__frequency")
    )
    have = set(
        DataPoint.objects.filter(
            series__in=[sid for sid, _, _ in series], period_start__gte=start, period_start__lte=end
        ).values_list("series_id", "period_start")
    )
    team_by_id = {t.pk: t for t in teams}
    dues = {}  # a team's due periods of one frequency: the same for each of its measures
    for series_id, team_id, frequency in series:
        key = (team_id, frequency)
        if key not in dues:
            dues[key] = periods_due(
                collaborative, team_by_id[team_id], frequency, today=today, start=start, end=end
            )
        for p in dues[key]:
            expected[team_id] += 1
            filled[team_id] += (series_id, p) in have
    for t in teams:
        e = expected[t.pk]
        team_rows[t.pk]["completeness"] = None if not e else round(filled[t.pk] / e, 3)
    total_expected = sum(expected.values())
    completeness = None if not total_expected else sum(filled.values()) / total_expected

    # Team stability: people who left their team in the period (counts of people).
    left = Counter(
        TeamMembership.objects.filter(
            team__in=team_ids, left_on__gte=start, left_on__lte=end
        ).values_list("team_id", flat=True)
    )
    for t in teams:
        team_rows[t.pk]["members_left"] = disclosure.disclose_count(left[t.pk])

    # Senior sponsors: did each team's sponsor attend any event in the period?
    sponsors = sponsor_attendance(teams=teams, start=start, end=end)
    for t in teams:
        team_rows[t.pk]["has_sponsor"], team_rows[t.pk]["sponsor_attended"] = sponsors[t.pk]
    return {
        "sessions": sessions,
        "completeness": None if completeness is None else round(completeness, 3),
        "teams_with_leavers": sum(1 for t in teams if left[t.pk]),
        "people_left": disclosure.disclose_count(sum(left[t.pk] for t in teams)),
        "teams_with_sponsor": sum(1 for t in teams if sponsors[t.pk][0]),
        "sponsors_attended": sum(1 for t in teams if sponsors[t.pk][1]),
        "teams": len(teams),
    }


# --- Measures -------------------------------------------------------------------------------


def reading(status: str, words: dict, *, n_points: int, needed: int | None) -> str:
    """The chart's plain-words reading. Improvement is claimed only on an improved verdict."""
    rule = words.get("rule")
    status = claims.status_of(status)
    if status == claims.IMPROVED:
        text = "Improved" + (f": {rule} in the direction of improvement." if rule else ".")
    elif status == claims.DETERIORATED:
        text = "Deteriorated" + (f": {rule} in the direction of concern." if rule else ".")
    elif status == claims.NOT_SUSTAINED:
        text = (
            "Not sustained: an earlier improvement no longer holds; the latest periods are "
            "no longer clearly better than the baseline."
        )
    elif status == claims.INSUFFICIENT:
        text = "Not enough data yet to judge"
        text += f" ({n_points} points; {needed} more needed)." if needed else "."
    else:
        # no_change may follow past signals that never held: "common cause" would be wrong
        text = "No change: no gain or worsening that holds now."
    if words.get("assurance"):
        text += f" Against the target: {words['assurance'].lower()}."
    return text


def _disclosed_value(measure, numerator, denominator, multiplier):
    """(value on the shown scale or None, numerator text, denominator text, suppressed)."""
    if numerator is None:
        return None, "", "", False
    if disclosure.follows_rules(measure):
        if denominator is None:
            shown = disclosure.rounded_count(numerator)
            text = _commas(disclosure.disclose_count(numerator))
            return (None if shown is None else float(shown)), text, "", shown is None
        out = disclosure.disclose_rate(numerator, denominator, multiplier=multiplier)
        return (
            out["value"],
            _commas(out["numerator"]),
            _commas(out["denominator"]),
            out["suppressed"],
        )
    value = None
    if denominator is None:
        value = float(numerator)
    elif float(denominator):
        value = float(numerator) / float(denominator) * multiplier
    den = "" if denominator is None else number_text(float(denominator), empty="")
    return value, number_text(float(numerator), empty=""), den, False


def measure_section(
    cm, start, end, labels, team_rows, *, chart_from=None, today=None, cutoffs=None, teams=None
) -> dict:
    """One measure's chart and funnel (`cutoffs`: the complete periods on `today`, if read;
    `teams`: the collaborative's teams by id, if read)."""
    from dashboards.aggregate import aggregate_chart, funnel_for, limit_curves

    measure = cm.measure
    # complete periods only: both end at the latest complete period on `today`
    agg = aggregate_chart(cm, start=chart_from or start, end=end, today=today, cutoffs=cutoffs)
    out = {
        "id": measure.pk,
        "name": measure.name,
        "kind": measure.kind,
        "kind_label": measure.get_kind_display(),
        "unit": measure.unit,
        "counts_people": disclosure.follows_rules(measure),  # people or patient events
        "direction": cm.improvement_direction,
        "target": _num(cm.target),
        "status": "insufficient_data",
        "chart": None,
        "funnel": None,
        "funnel_reason": "",
        "reading": "No team reported this measure in the period.",
        "words": {},
    }
    if agg.chart is not None:
        c = agg.chart
        k = agg.multiplier
        chart_mult = k if measure.has_denominator else 1
        points = []
        for i, x in enumerate(c.x):
            value, num_text, den_text, suppressed = _disclosed_value(
                measure, c.numerator[i], c.denominator[i] if measure.has_denominator else None,
                chart_mult,
            )  # fmt: skip
            if agg.per_team and value is not None and c.denominator[i]:
                value /= c.denominator[i]  # a count per team reporting, as the chart's scale
            if not out["counts_people"] and c.y[i] is not None:
                value = c.y[i] * k
            if c.y[i] is None:
                value = None
            points.append(
                {
                    "x": x,
                    "y": value,
                    "numerator": num_text,
                    "denominator": den_text,
                    "suppressed": suppressed,
                    "cl": None if c.cl[i] is None else c.cl[i] * k,
                    # A P or U chart's limits follow the denominator exactly: where the
                    # counts are suppressed, so are the limits that would give them away.
                    "lcl": None if c.lcl[i] is None or suppressed else c.lcl[i] * k,
                    "ucl": None if c.ucl[i] is None or suppressed else c.ucl[i] * k,
                    "point_type": c.point_type[i],
                }
            )
        status = claims.status_of(c.status)
        out.update(
            status=status,
            words=agg.words,
            reading=reading(status, agg.words, n_points=c.n_points, needed=c.points_needed),
            chart={
                "points": points,
                "monthly": agg.monthly,
                "chart": agg.words.get("chart", ""),
                "convention": agg.words.get("convention", ""),
                "target": _num(cm.target),
            },
        )
    # Computed from the published figures (a team withheld is listed, not plotted): a
    # point's place on a funnel plot, with the limits, would give its numerator away.
    publish = disclosure.publisher(disclosure.OUTSIDE, measure)
    # The report draws its own funnel (reports.charts) from the units and `limit_curves`:
    # no Plotly figure, whose labels alone take a tenth of a second per measure.
    fun = funnel_for(
        cm,
        start=start,
        end=end,
        labels=labels,
        publish=publish,
        today=today,
        figure=False,
        cutoffs=cutoffs,
        teams=teams,
    )
    symbol = disclosure.rules().symbol
    if fun.result is None:
        out["funnel_reason"] = fun.reason
        return out
    units = []
    for u in fun.units:
        if u.suppressed:
            num_text = den_text = symbol
        else:
            num_text, den_text = (
                number_text(u.numerator, empty=""),
                number_text(u.denominator, empty=""),
            )
        position = "Small numbers withheld: not plotted" if u.suppressed else (
            _position_words(u.outside)
        )  # fmt: skip
        units.append(
            {
                "label": u.label,
                "numerator": num_text,
                "denominator": den_text,
                "x": None if u.suppressed else u.denominator,
                "rate": u.rate,
                "suppressed": u.suppressed,
                "outside": u.outside,
                "position": position,
            }
        )
        row = team_rows.get(u.team.pk)
        if row is not None:
            row["measures"].append(
                {
                    "measure": measure.name,
                    "numerator": num_text,
                    "denominator": den_text,
                    "rate": u.rate,
                    "position": position,
                }
            )
    dens = [u.denominator for u in fun.plotted]
    first, last = max(min(dens) * 0.8, 1e-9), max(dens) * 1.1
    steps = 60
    xs = (
        [first * (last / first) ** (i / (steps - 1)) for i in range(steps)]
        if last > first
        else [first]
    )
    curves = limit_curves(fun, xs)
    out["funnel"] = {
        "target": fun.result.target,
        "adjusted": fun.result.adjusted,
        "units": units,
        "xs": xs,
        "curves": curves,
        "x_title": fun.x_title,
        "outside": [u["label"] for u in units if u["outside"] in ("above", "below")],
        "withheld": [u["label"] for u in units if u["suppressed"]],
    }
    return out


def _position_words(outside: str) -> str:
    return {
        "above": "Above the 99.8% limit",
        "below": "Below the 99.8% limit",
        "above95": "Above the 95% limit",
        "below95": "Below the 95% limit",
    }.get(outside, "Within the limits")


# --- The stretch target ---------------------------------------------------------------------


def target_history(collaborative) -> list[dict]:
    """Every setting of the stretch target, oldest first, with who set it, whether it was
    set early and whether it moved: the audit trail's one reading of them
    (governance.audit.target_history)."""
    history = audit.target_history(collaborative)
    rows = []
    for i, setting in enumerate(history.settings):
        row = _target_row(setting.target)
        row.update(
            set_by=setting.set_by,
            moved=bool(setting.moved),
            early=i == 0 and history.set_early,
            timing=setting.timing,
        )
        rows.append(row)
    return rows


def _target_row(t: StretchTarget) -> dict:
    return {
        "measure": t.measure.name,
        "measure_id": t.measure_id,
        "baseline": float(t.baseline_value),
        "baseline_from": _iso(t.baseline_period_start),
        "baseline_to": _iso(t.baseline_period_end),
        "target": float(t.target_value),
        "target_date": _iso(t.target_date),
        "reason": t.reason,
        "set_on": _iso(timezone.localdate(t.set_at)),
    }


def target_section(collaborative, measures, start, end, *, today=None, cutoffs=None) -> dict | None:
    """The stretch target, its history, and progress to it read at the headline period (the
    latest complete one that enough teams reported); a gain is claimed only where the
    whole collaborative's chart says improved (dashboards.claims)."""
    history = [h for h in target_history(collaborative) if h["set_on"] <= end.isoformat()]
    if not history:
        return None
    current = history[-1]
    latest = None
    progress = None
    measure = next((m for m in measures if m["id"] == current["measure_id"]), None)
    # the headline period: the latest complete one that enough teams reported
    period = headline_period(
        collaborative,
        today=today or timezone.localdate(),
        measure=Measure.objects.filter(pk=current["measure_id"]).first(),
        cutoffs=cutoffs,
    )
    if measure and measure["chart"] and period is not None:
        reached = claims.progress_to_target(
            baseline=current["baseline"],
            target=current["target"],
            points=[(p["x"], p["y"]) for p in measure["chart"]["points"]],
            cutoff=period.isoformat(),
            status=measure["status"],
        )
        if reached.latest is not None:
            latest = {"period": reached.period, "value": reached.latest}
            progress = reached.share
    return {
        **current,
        "history": history,
        "first_set_on": history[0]["set_on"],
        "set_early": history[0]["early"],
        "timing": history[0]["timing"],
        "moves": sum(h["moved"] for h in history[1:]),
        "latest": latest,
        "progress": progress,
        "status": measure["status"] if measure else "",
        "reading": measure["reading"] if measure else "",
    }


# --- PDSA cycles and change ideas -----------------------------------------------------------


def cycles_section(collaborative, teams, team_rows, start, end):
    team_ids = [t.pk for t in teams]
    cycles = PDSACycle.objects.filter(team__in=team_ids, archived_at__isnull=True).filter(
        planned_start__lte=end
    )
    by_decision = Counter()
    running = 0
    completed = 0
    per_team = defaultdict(Counter)
    adopted = defaultdict(set)
    for team_id, decision, completed_on, status, idea_id in cycles.values_list(
        "team_id", "act_decision", "completed_on", "status", "change_idea_id"
    ):
        if completed_on and start <= completed_on <= end:
            completed += 1
            by_decision[decision or "none"] += 1
            per_team[team_id][decision or "none"] += 1
            if decision == "adopt":
                adopted[idea_id].add(team_id)
        elif completed_on is None and status != PDSACycle.Status.DONE:
            running += 1
            per_team[team_id]["running"] += 1
    for t in teams:
        c = per_team[t.pk]
        team_rows[t.pk]["cycles"] = {key: c[key] for key, _ in DECISIONS} | {
            "running": c["running"]
        }
    ideas = {
        n.pk: n for n in DriverNode.objects.filter(pk__in=list(adopted)).select_related("parent")
    }
    change_ideas = sorted(
        (
            {
                "title": ideas[pk].title,
                "driver": ideas[pk].parent.title if ideas[pk].parent else "",
                "local": ideas[pk].team_id is not None,
                "teams": len(team_set),
            }
            for pk, team_set in adopted.items()
            if pk in ideas
        ),
        key=lambda r: (-r["teams"], r["title"]),
    )
    return (
        {
            "completed": completed,
            "running": running,
            "by_decision": {key: by_decision[key] for key, _ in DECISIONS},
            "no_decision": by_decision["none"],
        },
        change_ideas,
    )


# --- Assessments ----------------------------------------------------------------------------


def assessment_section(teams, team_rows, start, end) -> dict:
    latest = {}
    for a in TeamAssessment.objects.filter(
        team__in=[t.pk for t in teams], month__gte=start.replace(day=1), month__lte=end
    ).order_by("team_id", "month"):
        score = a.faculty_rating if a.faculty_rating is not None else a.self_rating
        if score is not None:
            latest[a.team_id] = (score, a.month, a.faculty_rating is not None)
    counts = Counter(score for score, _, _ in latest.values())
    for t in teams:
        if t.pk in latest:
            score, month, by_faculty = latest[t.pk]
            team_rows[t.pk]["assessment"] = float(score)
            team_rows[t.pk]["assessment_month"] = _iso(month)
            team_rows[t.pk]["assessment_by"] = "Faculty" if by_faculty else "Team"
        else:
            team_rows[t.pk]["assessment"] = None
    scores = [float(s) for s, _, _ in latest.values()]
    return {
        "distribution": [
            {"score": float(s), "level": ASSESSMENT_LEVELS[s][0], "teams": counts.get(s, 0)}
            for s in ASSESSMENT_SCORES
        ],
        "rated": len(scores),
        "median": statistics.median(scores) if scores else None,
    }


# --- The design record ----------------------------------------------------------------------


def design_section(collaborative, start, end) -> dict:
    record = getattr(collaborative, "design_record", None)  # None: no record yet
    if record is None:
        return {"summary": "", "in_place": [], "missing": [], "factors": [], "changes": [],
                "lessons": []}  # fmt: skip
    entries = list(record.entries.order_by("entered_on", "id"))
    initial = {e.feature: e for e in entries if e.kind == DesignRecordEntry.Kind.INITIAL_DESIGN}
    return {
        "summary": record.summary,
        "in_place": [
            DesignRecordEntry.Feature(f).label for f, e in initial.items() if f and e.in_place
        ],
        "missing": [
            DesignRecordEntry.Feature(f).label
            for f, e in initial.items()
            if f and e.in_place is False
        ],
        "factors": [
            {
                "feature": DesignRecordEntry.Feature(e.feature).label if e.feature else "",
                "contribution": e.get_contribution_display() if e.contribution is not None else "",
                "text": e.text,
            }  # fmt: skip
            for e in entries
            if e.kind == DesignRecordEntry.Kind.SUCCESS_FACTOR and (e.contribution or 0) >= 2
        ],
        "changes": [
            {"date": _iso(e.entered_on), "text": e.text}
            for e in entries
            if e.kind == DesignRecordEntry.Kind.CHANGE and start <= e.entered_on <= end
        ],
        "lessons": [
            {"date": _iso(e.entered_on), "text": e.text}
            for e in entries
            if e.kind == DesignRecordEntry.Kind.LESSON and e.text
        ],
    }
