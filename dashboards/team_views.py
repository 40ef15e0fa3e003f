"""The "My team" dashboard: what a team lead opens first.

Every measure as a small panel (variation and assurance icons, the plain-words reading),
signals of concern and missing data first; the team's PDSA ramps; its assessment scores
over time; what is due. The page reads the charts' stored summaries only; each panel's
chart and table load lazily from `team_panel` when scrolled into view.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from collaboratives import workflows
from collaboratives.models import LearningEvent
from dashboards import claims
from dashboards.aggregate import aggregate_chart
from dashboards.alerts import alerts_for_team
from dashboards.peers import team_peer_position
from governance import access, disclosure
from governance.reporting import periods_owed
from measures.models import ChartResult, DataPoint, Measure, Series
from measures.views import chart_panel

SUMMARY_FIELDS = (
    "series_id",
    "computed_at",
    "chart",
    "convention",
    "status",
    "variation",
    "assurance",
    "enough_data",
    "last_period",
    "n_points",
    "summary",
    "verdict_rule",
    # what dashboards.claims reads of the verdict
    "x",
    "point_type",
    "verdict_first_index",
)
SHOW = {"all": "Every measure", "attention": "Only those that need attention"}


@dataclass
class Panel:
    """One measure on the team's dashboard, with why it is where it is in the order."""

    series: Series
    result: ChartResult | None
    owed: list[dt.date] = field(default_factory=list)
    words: dict = field(default_factory=dict)
    raw_result: ChartResult | None = None  # the stored chart of the raw data (its verdict)

    @property
    def concern(self) -> bool:
        r = self.result
        return r is not None and (r.variation.startswith("concern") or r.status == "deteriorated")

    @property
    def no_data(self) -> bool:
        return self.result is None

    @property
    def attention(self) -> bool:
        return self.concern or bool(self.owed) or self.no_data

    @property
    def order(self) -> tuple:
        rank = 0 if self.concern else 1 if self.owed else 2 if self.no_data else 3
        return (rank, -len(self.owed), self.series.measure.name)

    @property
    def flag(self) -> str:
        if self.concern:
            return "Signal of concern"
        if self.owed:
            return f"{len(self.owed)} period{'s' if len(self.owed) != 1 else ''} of data missing"
        if self.no_data:
            return "No data yet"
        return ""


def team_owed(
    team, series: list[Series], today: dt.date, *, in_set: set[int] | None = None
) -> dict[int, list[dt.date]]:
    """The periods each series owes, by series id, as governance.reporting counts them (due
    `data_due_days` after the period ends; from the later of the collaborative's start
    and the team's joining, to today or the collaborative's end)."""
    collaborative = team.collaborative
    if team.status != "active":
        return {}
    if in_set is None:
        in_set = set(collaborative.measure_set.values_list("measure_id", flat=True))
    periodic = [
        s
        for s in series
        if s.measure_id in in_set and s.measure.frequency != Measure.Frequency.EVENT
    ]
    sent = defaultdict(set)
    for series_id, start in DataPoint.objects.filter(series__in=periodic).values_list(
        "series_id", "period_start"
    ):
        sent[series_id].add(start)
    owed = {}
    for s in periodic:
        missing = periods_owed(
            collaborative, team, s.measure.frequency, today=today, sent=sent[s.pk]
        )
        if missing:
            owed[s.pk] = missing
    return owed


def _words(result) -> dict:
    """The chart's words, its verdict named as dashboards.claims names it."""
    if result is None:
        return {}
    return claims.chart_words(result)


def team_panels(team, today: dt.date, user, *, set_rows=None) -> list[Panel]:
    """Every measure the team reports that `user` may see (a team's own measures are
    private to those who may open the team's page, not national viewers), ordered:
    concern, missing data, no data, the rest."""
    series = list(
        access.visible(
            team.series.filter(measure__archived_at__isnull=True).filter(
                Q(measure__team__isnull=True) | Q(measure__team=team)
            ),
            user,
        ).select_related("measure")
    )
    results = {
        r.series_id: r
        for r in ChartResult.objects.filter(series__in=series)
        .latest_per_series()
        .only(*SUMMARY_FIELDS)
    }
    # The verdicts are the raw charts' (dashboards.claims counts them, for every viewer).
    raw = dict(results)
    # Seen from outside the collaborative, a measure under the small-number rules is read
    # from the chart of its published figures, as its chart page draws it.
    scope = disclosure.scope_for(user, team.collaborative)
    ruled = [s for s in series if disclosure.publisher(scope, s.measure) is not None]
    if ruled:
        published = disclosure.published_charts(ruled)
        for s in ruled:
            results.pop(s.pk, None)
            if s.pk in published:
                results[s.pk] = published[s.pk]
    in_set = None if set_rows is None else {r["measure_id"] for r in set_rows}
    owed = team_owed(team, series, today, in_set=in_set)
    panels = []
    for s in series:
        result = results.get(s.pk)
        words = _words(result)
        if result is not None and s.pk in raw:
            # the verdict is worked out once, on the raw data; only figures are published
            words["status"] = claims.STATUS_WORDS[claims.status_of(raw[s.pk].status)]
        panels.append(
            Panel(
                series=s,
                result=result,
                owed=owed.get(s.pk, []),
                words=words,
                raw_result=raw.get(s.pk),
            )
        )
    panels.sort(key=lambda p: p.order)
    return panels


@login_required
@require_GET
def team_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """The team's dashboard; with htmx, just the panels (the "show" filter)."""
    team = access.team_for(request.user, pk)
    collaborative = team.collaborative
    today = timezone.localdate()
    show = request.GET.get("show", "all")
    if show not in SHOW:
        show = "all"
    set_rows = claims.measure_set_rows(collaborative)
    panels = team_panels(team, today, request.user, set_rows=set_rows)
    said = claims.team_claims(
        team,
        viewer=request.user,
        day=today,
        set_rows=set_rows,
        series=[p.series for p in panels],
        results={p.series.pk: p.raw_result for p in panels if p.raw_result is not None},
    )
    shown = [p for p in panels if p.attention] if show == "attention" else panels
    context = {
        "team": team,
        "collaborative": collaborative,
        "panels": shown,
        "attention_count": sum(p.attention for p in panels),
        "panel_count": len(panels),
        "measures_tally": said.measures,
        "outcome": said.outcome,
        "show": show,
        "show_choices": SHOW.items(),
    }
    if request.htmx and request.htmx.target == "panels":
        return render(request, "dashboards/team.html#panels", context)
    cycles = list(
        team.cycles.current()
        .with_fidelity()
        .select_related("change_idea")
        .order_by("planned_start", "id")
    )
    assessments = list(team.assessments.all())
    context.update(
        {
            "alerts": alerts_for_team(team, request.user),
            "ramps": workflows.cycle_ramps(cycles),
            "overdue_cycles": [c for c in cycles if c.is_overdue(today)],
            "assessments": assessments,
            "assessment_chart": workflows.assessment_chart(assessments) if assessments else None,
            "owed": [(p.series.measure, p.owed) for p in panels if p.owed],
            "next_session": LearningEvent.objects.filter(
                collaborative=collaborative,
                kind=LearningEvent.Kind.LEARNING_SESSION,
                ends_on__gte=today,
            )
            .order_by("starts_on")
            .first(),
            "can_edit_data": access.can(request.user, access.EDIT_DATA, team),
            "today": today,
        }
    )
    return render(request, "dashboards/team.html", context)


def small_figure(figure: dict) -> dict:
    """A panel-sized copy of a chart's figure: no legend, tight margins."""
    layout = dict(figure["layout"])
    layout["showlegend"] = False
    layout["margin"] = {"l": 48, "r": 8, "t": 8, "b": 32}
    layout["yaxis"] = dict(layout["yaxis"])
    layout["xaxis"] = {**layout["xaxis"], "nticks": 4}  # legible at 320 px
    return {"data": figure["data"], "layout": layout}


def _sustain_months(series, collaborative, scope) -> dict | None:
    """In the sustain phase a weekly series is shown rolled up to months (issue 8): the
    team's own aggregate chart, in place of the weekly one."""
    if collaborative.phase != collaborative.Phase.SUSTAIN:
        return None
    if series.measure.frequency != Measure.Frequency.WEEKLY:
        return None
    cm = collaborative.measure_set.filter(measure=series.measure).select_related("measure").first()
    if cm is None:
        return None
    agg = aggregate_chart(
        cm, team_ids=[series.team_id], publish=disclosure.publisher(scope, cm.measure)
    )
    if agg.chart is None:
        return None
    return {
        "result": agg.chart,
        "figure": agg.figure,
        "rows": agg.rows,
        "in_progress_rows": [],  # the weekly chart's: not shown against months
        "words": agg.words,
        "rolled_up": True,
        "monthly": True,
        "fresh": True,
    }


@login_required
@require_GET
def team_panel(request: HttpRequest, pk: int, series_pk: int) -> HttpResponse:
    """One measure's chart and its table, loaded into the team's dashboard when revealed
    (without htmx, a page of its own)."""
    series = access.series_for(request.user, series_pk)
    if series.team_id != pk:
        raise Http404("No such measure on this team")
    collaborative = series.team.collaborative
    scope = disclosure.scope_for(request.user, collaborative)
    panel = chart_panel(series, heal=False, scope=scope)
    rolled = _sustain_months(series, collaborative, scope)
    if rolled is not None:
        panel.update(rolled)
    if panel.get("figure"):
        panel["figure"] = small_figure(panel["figure"])
        panel["figure_id"] = f"panel-figure-{series.pk}"
    peers, peers_query = team_peer_position(series, request.user, scope)
    context = {
        **panel,
        "team": series.team,
        "collaborative": collaborative,
        "peers": peers,
        "peers_query": peers_query,
    }
    if request.htmx:
        return render(request, "dashboards/_panel_chart.html", context)
    return render(request, "dashboards/team_panel_page.html", context)
