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
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from collaboratives import workflows
from collaboratives.models import DriverNode, LearningEvent, PDSACycle, TeamAssessment
from dashboards import claims, fragments
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


def visible_series(team, user) -> list[Series]:
    """Every measure's series the team reports that `user` may see (a team's own measures
    are private to those who may open the team's page, not national viewers)."""
    return list(
        access.visible(
            team.series.filter(measure__archived_at__isnull=True).filter(
                Q(measure__team__isnull=True) | Q(measure__team=team)
            ),
            user,
        )
        .select_related("measure")
        # Series' default order joins the team's collaborative and organisation to sort
        # by their names, the same for every row here: by measure only.
        .order_by("measure__name", "pk")
    )


def team_panels(team, today: dt.date, user, *, set_rows=None, series=None) -> list[Panel]:
    """Every measure the team reports that `user` may see (`visible_series`, unless the
    caller read them: `series`), ordered: concern, missing data, no data, the rest."""
    if series is None:
        series = visible_series(team, user)
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


def history_cycles(team_id: int):
    """The team's current cycles as its page's ramps draw them, with their change ideas and
    what fidelity needs, oldest planned first."""
    return (
        PDSACycle.objects.filter(team_id=team_id)
        .current()
        .with_fidelity()
        .select_related("change_idea")
        .order_by("planned_start", "id")
    )


def history_assessments(team_id: int):
    return TeamAssessment.objects.filter(team_id=team_id)


def _history_cycle_rows(team_id: int):
    """`history_cycles` as rows for the key: every column of each cycle and of its change
    idea, and the fidelity counts."""
    own = [f.name for f in PDSACycle._meta.concrete_fields]
    idea = [f"change_idea__{f.name}" for f in DriverNode._meta.concrete_fields]
    return history_cycles(team_id).values_list(*own, *idea, "measure_count", "follow_count")


def _history_assessment_rows(team_id: int):
    columns = [f.name for f in TeamAssessment._meta.concrete_fields]
    return history_assessments(team_id).values_list(*columns).order_by("id")


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
    series = visible_series(team, request.user)
    scope = disclosure.scope_for(request.user, collaborative)
    can_edit_data = access.can(request.user, access.EDIT_DATA, team)

    # The panels, rendered, and the team's claims, cached: the same for every viewer who
    # sees the same series in the same disclosure scope with the same "show" and the same
    # right to enter data (dashboards.fragments). The series as read above (who may see
    # which) and their measures are part of the key: a team's own measures are outside the
    # collaborative's measure set.
    key = fragments.collaborative_key(
        "team_panels",
        collaborative,
        objects=[team.pk, tuple((s.pk, fragments.row(s.measure)) for s in series)],
        filters={"show": show, "can_edit_data": can_edit_data},
        view=fragments.View.of(scope),
        today=today,
    )

    def build() -> dict:
        set_rows = claims.measure_set_rows(collaborative)
        panels = team_panels(team, today, request.user, set_rows=set_rows, series=series)
        said = claims.team_claims(
            team,
            viewer=request.user,
            day=today,
            set_rows=set_rows,
            series=[p.series for p in panels],
            results={p.series.pk: p.raw_result for p in panels if p.raw_result is not None},
            cutoffs=key.cutoffs,  # the periods the key holds
        )
        shown = [p for p in panels if p.attention] if show == "attention" else panels
        html = render_to_string(
            "dashboards/_team_panels.html",
            {"panels": shown, "show": show, "team": team, "can_edit_data": can_edit_data},
        )
        # Not the claims nor the panels themselves: what the page shows of them.
        return {
            "html": str(html),
            "attention_count": sum(p.attention for p in panels),
            "panel_count": len(panels),
            "measures_tally": said.measures,
            "outcome": said.outcome,
            "owed": [(p.series.measure, p.owed) for p in panels if p.owed],
        }

    digest = key.digest
    said = fragments.cached("team_panels", digest, build)
    panels_html = mark_safe(said["html"])  # noqa: S308 - rendered by Django's escaping templates
    if request.htmx and request.htmx.target == "panels":
        return fragments.conditional(request, digest, lambda: HttpResponse(panels_html))
    context = {
        "team": team,
        "collaborative": collaborative,
        "panels_html": panels_html,
        "attention_count": said["attention_count"],
        "panel_count": said["panel_count"],
        "measures_tally": said["measures_tally"],
        "outcome": said["outcome"],
        "show": show,
        "show_choices": SHOW.items(),
    }
    # The ramps and the assessment chart with its table, and the overdue cycles, kept once
    # per key: the team's current cycles with their change ideas and fidelity counts and its
    # assessments, as plain rows read through the querysets below (fragments.rows), the
    # team, the right to log a cycle and the day (dashboards.fragments). A page whose key
    # is kept loads no cycle and no assessment.
    history_digest = (
        fragments.key(
            "team_history",
            objects=[team.pk],
            filters={"can_edit_data": can_edit_data},
            view=fragments.View.of(scope),
            versions=(
                fragments.rows(_history_cycle_rows, team.pk),
                fragments.rows(_history_assessment_rows, team.pk),
            ),
            today=today,
        )
        if fragments.enabled()
        else None
    )

    def build_history() -> dict:
        cycles = list(history_cycles(team.pk))
        assessments = list(history_assessments(team.pk))
        html = render_to_string(
            "dashboards/team.html#history",
            {
                "team": team,
                "can_edit_data": can_edit_data,
                "ramps": workflows.cycle_ramps(cycles),
                "assessments": assessments,
                "assessment_chart": (
                    workflows.assessment_chart(assessments) if assessments else None
                ),
            },
        )
        overdue = [
            {"pk": c.pk, "title": c.title, "planned_end": c.planned_end}
            for c in cycles
            if c.is_overdue(today)
        ]
        return {"html": str(html), "overdue": overdue}

    history = fragments.cached("team_history", history_digest, build_history)
    context.update(
        {
            "alerts": alerts_for_team(team, among=series),
            "history": mark_safe(history["html"]),  # noqa: S308 - rendered by Django's templates
            "overdue_cycles": history["overdue"],
            "owed": said["owed"],
            "next_session": LearningEvent.objects.filter(
                collaborative=collaborative,
                kind=LearningEvent.Kind.LEARNING_SESSION,
                ends_on__gte=today,
            )
            .order_by("starts_on")
            .first(),
            "can_edit_data": can_edit_data,
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


def _panel(series, collaborative, scope, user) -> dict:
    """One measure's panel as `_panel_chart.html` draws it: its HTML, the chart's summary
    (the page without htmx shows it above), and whether the chart is fresh."""
    panel = chart_panel(series, heal=False, scope=scope)
    rolled = _sustain_months(series, collaborative, scope)
    if rolled is not None:
        panel.update(rolled)
    if panel.get("figure"):
        panel["figure"] = small_figure(panel["figure"])
        panel["figure_id"] = f"panel-figure-{series.pk}"
    peers, peers_query = team_peer_position(series, user, scope)
    context = {
        **panel,
        "team": series.team,
        "collaborative": collaborative,
        "peers": peers,
        "peers_query": peers_query,
    }
    result = panel.get("result")
    return {
        "html": str(render_to_string("dashboards/_panel_chart.html", context)),
        "summary": result.summary if result is not None else "",
        "fresh": panel["fresh"],
    }


def _panel_digest(series, collaborative, scope, user) -> str | None:
    """The panel fragment's key: the collaborative's inputs (dashboards.fragments), the
    series and its measure (a team's own measure is outside the measure set), the PDSA
    cycles drawn on the chart (their titles and status are shown), and the view: the
    disclosure scope and whether the team is the viewer's own ("Your team" among peers)."""
    if not fragments.enabled():
        return None
    cycles = tuple(
        PDSACycle.objects.filter(team=series.team, measures=series.measure)
        .filter(archived_at__isnull=True)
        .order_by("planned_start", "pk")
        .values_list("pk", "title", "status", "planned_start")
    )
    own = [series.team_id] if series.team_id in access.principal(user).teams else []
    return fragments.collaborative_digest(
        "panel",
        collaborative,
        objects=[series.pk, fragments.row(series), fragments.row(series.measure), cycles],
        view=fragments.View.of(scope, own=own),
    )


@login_required
@require_GET
def team_panel(request: HttpRequest, pk: int, series_pk: int) -> HttpResponse:
    """One measure's chart and its table, loaded into the team's dashboard when revealed
    (without htmx, a page of its own). The chart, its table and the peers' words are one
    cached fragment, kept only while the chart is fresh (a chart being recomputed shows
    so, and its job may finish or fail without a new input); with htmx, a kept fragment
    has its key as ETag (dashboards.fragments.conditional)."""
    series = access.series_for(request.user, series_pk)
    if series.team_id != pk:
        raise Http404("No such measure on this team")
    collaborative = series.team.collaborative
    scope = disclosure.scope_for(request.user, collaborative)
    digest = _panel_digest(series, collaborative, scope, request.user)
    panel = fragments.cached(
        "panel",
        digest,
        lambda: _panel(series, collaborative, scope, request.user),
        keep=lambda value: value["fresh"],
    )
    fragment = mark_safe(panel["html"])  # noqa: S308 - rendered by Django's escaping templates
    if request.htmx:
        return fragments.conditional(
            request, digest if panel["fresh"] else None, lambda: HttpResponse(fragment)
        )
    context = {
        "fragment": fragment,
        "summary": panel["summary"],
        "series": series,
        "measure": series.measure,
        "team": series.team,
        "collaborative": collaborative,
    }
    return render(request, "dashboards/team_panel_page.html", context)
