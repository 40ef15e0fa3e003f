"""The collaborative's dashboard: one measure across every team.

For the measure chosen (`?measure=`, kept in the URL): every team's chart as small
multiples on a common scale, the funnel plot over a window (`?window=` months), the
aggregate chart of the whole collaborative, the teams table (portfolio_views)
and progress against the stretch target. Teams are named as the data-sharing terms say:
by name to those who may open the team's page, otherwise by name only where the
organisation agreed, else by pseudonym ("Team C"); the viewer's own team is highlighted.
Teams outside the funnel limits can say why, and faculty can judge the variation.
"""

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from collaboratives.models import Team
from dashboards import claims, fragments
from dashboards.aggregate import (
    DEFAULT_WINDOW,
    WINDOWS,
    aggregate_chart,
    funnel_for,
    window_dates,
)
from dashboards.models import VariationNote
from dashboards.peers import peer_position
from governance import access, disclosure
from governance.forms import NHSFormMixin
from measures import figures
from measures.data import scaled_by_multiplier
from measures.models import ChartResult, Series

# --- What the viewer picked ------------------------------------------------------------------


class PickForm(NHSFormMixin, forms.Form):
    measure = forms.TypedChoiceField(label="Measure", coerce=int)
    window = forms.ChoiceField(
        label="Funnel plot window", choices=list(WINDOWS.items()), initial=DEFAULT_WINDOW
    )

    def __init__(self, data, *, entries):
        super().__init__(data)
        self.fields["measure"].choices = [(e.pk, e.measure.name) for e in entries]


def _pick(request: HttpRequest, collaborative):
    """The collaborative measure and window asked for (defaults: the first outcome measure
    of the set, 12 months), and the bound picker form."""
    entries = list(collaborative.measure_set.select_related("measure"))
    default = next(
        (e for e in entries if e.measure.kind == "outcome"), entries[0] if entries else None
    )
    data = QueryDict(mutable=True)
    data["measure"] = request.GET.get("measure") or (str(default.pk) if default else "")
    data["window"] = request.GET.get("window") or DEFAULT_WINDOW
    form = PickForm(data, entries=entries)
    cm, window = default, DEFAULT_WINDOW
    if form.is_valid():
        cm = next(e for e in entries if e.pk == form.cleaned_data["measure"])
        window = form.cleaned_data["window"]
    elif default is not None:
        form = PickForm(QueryDict(f"measure={default.pk}&window={DEFAULT_WINDOW}"), entries=entries)
        form.is_valid()
    return cm, window, form, entries


def _query(cm, window: str) -> str:
    q = QueryDict(mutable=True)
    if cm is not None:
        q["measure"] = str(cm.pk)
    q["window"] = window
    return q.urlencode()


def team_labels(user, collaborative, teams=None) -> tuple[dict[int, str], set[int]]:
    """Each team's name as the viewer may see it, and the viewer's own teams here: named to
    those who run or teach the collaborative, otherwise by name where the organisation
    agreed and by pseudonym where not; one's own team by name. National viewers see every
    team but are outside the collaborative's sharing terms. `teams`: those already loaded
    (with their organisation), else every team of the collaborative is read."""
    if teams is None:
        teams = list(collaborative.teams.select_related("organisation", "collaborative"))
    own = set(access.principal(user).teams) & {t.pk for t in teams}
    labels = {t.pk: t.full_name if access.may_name(user, t) else t.pseudonym for t in teams}
    return labels, own


# --- The page ----------------------------------------------------------------------------------


def stretch_progress(
    collaborative,
    entries,
    scope=disclosure.INSIDE,
    *,
    today: dt.date | None = None,
    cutoffs: dict | None = None,
) -> dict | None:
    """How far the whole collaborative has come from the stretch target's baseline to its
    target, read from the aggregate chart at the headline period
    (`measures.completeness.headline_period`, through dashboards.claims); a gain is
    claimed only where the chart's verdict is improved. `cutoffs`: the complete periods on
    `today`, when the caller has them."""
    target = collaborative.current_stretch_target()
    if target is None:
        return None
    progress = {"target": target, "latest": None, "latest_period": None, "percent": None}
    cm = next((e for e in entries if e.measure_id == target.measure_id), None)
    if cm is None:
        return progress
    p = claims.collaborative_progress(
        collaborative, today=today or timezone.localdate(), scope=scope, cutoffs=cutoffs
    )
    progress["reported"] = p.reported
    progress["min_reporting"] = round(100 * settings.COLLAB_HEADLINE_MIN_REPORTING)
    if p.latest is None:
        return progress
    progress.update(
        latest=p.latest,
        latest_period=p.period,
        monthly=cm.measure.frequency in ("weekly", "monthly"),
        percent=p.percent,
        raw_percent=p.raw_percent,
        claimed=p.claimed,
        words=p.words,
        status=p.status,
    )
    return progress


@login_required
@require_GET
def collaborative_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """The collaborative's dashboard; with htmx, the measure's section (the picker)."""
    collaborative = access.collaborative_for(request.user, pk)
    cm, window, form, entries = _pick(request, collaborative)
    context = {
        "collaborative": collaborative,
        "cm": cm,
        "window": window,
        "window_label": WINDOWS[window],
        "form": form,
        "query": _query(cm, window),
    }
    if request.htmx and request.htmx.target == "measure-section":
        return render(request, "dashboards/collaborative.html#measure_section", context)
    scope = disclosure.scope_for(request.user, collaborative)
    progress = None
    if collaborative.current_stretch_target() is not None:
        # The stretch target's progress, cached: it reads the whole collaborative's
        # aggregate chart at the headline period, as of the key's complete periods.
        today = timezone.localdate()
        key = fragments.collaborative_key(
            "progress",
            collaborative,
            view=fragments.View.of(scope),
            measure_set=entries,
            today=today,
        )
        progress = fragments.cached(
            "progress",
            key.digest,
            lambda: stretch_progress(
                collaborative, entries, scope, today=today, cutoffs=key.cutoffs
            ),
        )
    context.update(
        {
            "progress": progress,
            "can_monitor": access.can(request.user, access.MONITOR, collaborative),
        }
    )
    return render(request, "dashboards/collaborative.html", context)


def _partial(request, template: str, context: dict, *, digest: str | None = None) -> HttpResponse:
    """The partial for htmx; without it, the same partial on a page of its own.

    A partial that is one cached fragment (`context["fragment"]`: a callable giving its
    HTML, kept under `digest`) is the fragment itself, with the fragment's key as its
    ETag: asked again with that ETag in If-None-Match, it answers 304 Not Modified
    (dashboards.fragments.conditional)."""
    fragment = context.get("fragment")
    if request.htmx:
        if fragment is not None:
            return fragments.conditional(request, digest, lambda: HttpResponse(fragment()))
        return render(request, template, context)
    if fragment is not None:
        context = {**context, "fragment": fragment()}
    return render(
        request, "dashboards/collaborative_partial_page.html", {**context, "partial": template}
    )


def _measure_for(request, collaborative):
    """The measure and window asked for, and the measure set as loaded (for the fragment
    keys: dashboards.fragments)."""
    cm, window, _, entries = _pick(request, collaborative)
    if cm is None:
        raise Http404("The collaborative has no measures yet")
    return cm, window, entries


# --- Small multiples -------------------------------------------------------------------------


def common_range(charts) -> list[float] | None:
    """A y range that holds every team's values and limits (the shown scale)."""
    values = []
    for result, k in charts:
        for column in (result.y, result.ucl, result.lcl):
            values.extend(v * k for v in column if v is not None)
    if not values:
        return None
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.06 or abs(hi) * 0.1 or 1
    # rates and counts never go below 0: start the scale there rather than below it
    bottom = max(lo - pad, 0.0) if lo >= 0 else lo - pad
    return [round(bottom, 6), round(hi + pad, 6)]


@login_required
@require_GET
def collaborative_multiples(request: HttpRequest, pk: int) -> HttpResponse:
    """Every active team's chart of the measure, small and on one y scale."""
    collaborative = access.collaborative_for(request.user, pk)
    cm, window, entries = _measure_for(request, collaborative)
    labels, own = team_labels(request.user, collaborative)
    scope = disclosure.scope_for(request.user, collaborative)
    digest = fragments.collaborative_digest(
        "multiples",
        collaborative,
        objects=[cm.pk],
        filters={"window": window},
        view=fragments.View.of(scope, labels, own),
        measure_set=entries,
    )
    context = {
        "collaborative": collaborative,
        "cm": cm,
        "fragment": lambda: fragments.rendered(
            "multiples",
            digest,
            "dashboards/_collaborative_multiples.html",
            lambda: _multiples(collaborative, cm, window, scope, labels, own),
        ),
        "query": _query(cm, window),
    }
    return _partial(request, "dashboards/_collaborative_multiples.html", context, digest=digest)


def _multiples(collaborative, cm, window: str, scope, labels: dict, own: set) -> dict:
    """The small multiples' context: each active team's chart, laid out small, on one
    scale; teams named by `labels` (as the viewer may see them), the viewer's `own` first."""
    series = list(
        Series.objects.filter(
            team__collaborative=collaborative, measure_id=cm.measure_id, team__status="active"
        ).select_related("team")
    )
    if disclosure.publisher(scope, cm.measure) is not None:
        results = disclosure.published_charts(series)
    else:
        results = {
            r.series_id: r
            for r in ChartResult.objects.filter(series__in=series).latest_per_series()
        }
    k = cm.measure.multiplier if scaled_by_multiplier(cm.measure) else 1
    charts = [(results[s.pk], k) for s in series if s.pk in results]
    y_range = common_range(charts)
    start, end = window_dates(cm, window)
    panels = []
    for s in sorted(series, key=lambda s: (s.team_id not in own, labels[s.team_id])):
        result = results.get(s.pk)
        panel = {"series": s, "label": labels[s.team_id], "own": s.team_id in own, "result": result}
        if result is not None:
            figure = figures.served(
                result,
                disclosure.chart_view_for(scope, cm.measure),
                title=labels[s.team_id],
                unit=cm.measure.unit,
                multiplier=k,
            )
            layout = figure["layout"]
            layout["showlegend"] = False
            layout["margin"] = {"l": 44, "r": 8, "t": 8, "b": 28}
            layout["height"] = 220
            layout["xaxis"]["nticks"] = 4  # legible at 320 px
            if y_range:
                layout["yaxis"]["range"] = y_range
                layout["yaxis"]["autorange"] = False
            if start and end:
                layout["xaxis"]["range"] = [start.isoformat(), end.isoformat()]
            panel.update(
                figure=figure,
                figure_id=f"multiple-{s.pk}",
                words=claims.chart_words(result),
                rows=figures.point_rows(result, multiplier=k)[-12:],
            )
        panels.append(panel)
    return {"cm": cm, "panels": panels, "y_range": y_range}


# --- The funnel plot and the notes on teams outside its limits ---------------------------------


class ReasonForm(NHSFormMixin, forms.Form):
    reason = forms.ChoiceField(
        label="Why is the team outside the limits?",
        choices=VariationNote.Reason.choices,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label="Say more", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class JudgementForm(NHSFormMixin, forms.Form):
    judgement = forms.ChoiceField(
        label="Is the variation warranted?",
        choices=VariationNote.Judgement.choices,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(label="Why", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def _funnel_context(request, collaborative, cm, window, entries, *, bound=None) -> dict:
    labels, own = team_labels(request.user, collaborative)
    scope = disclosure.scope_for(request.user, collaborative)
    highlight = next(iter(sorted(own)), None)

    def build():
        start, end = window_dates(cm, window)
        funnel = funnel_for(
            cm,
            start=start,
            end=end,
            labels=labels,
            highlight=highlight,
            publish=disclosure.publisher(scope, cm.measure),
            end_complete=True,
        )
        return start, end, funnel

    may_judge = access.can(request.user, access.RATE, collaborative)
    # The funnel's figures and limits, and the plot with its words and table rendered,
    # cached; the notes and forms below are the viewer's. The dispersion ratio and its kin
    # are shown to those who may judge (faculty, and those who run the collaborative);
    # everyone else reads plain words.
    digest = fragments.collaborative_digest(
        "funnel",
        collaborative,
        objects=[cm.pk],
        filters={"window": window, "statistics": may_judge},
        view=fragments.View.of(scope, labels, [highlight] if highlight else []),
        measure_set=entries,
    )
    start, end, funnel = fragments.cached("funnel", digest, build)
    plot = fragments.rendered(
        "funnel_plot",
        digest,
        "dashboards/_funnel.html#plot",
        lambda: {
            "funnel": funnel,
            "cm": cm,
            "start": start,
            "end": end,
            "monthly": cm.measure.frequency != "weekly",
            "show_statistics": may_judge,
        },
    )
    outside = [u for u in funnel.units if u.outside]
    # Which of the teams outside the limits the viewer may open (their notes and forms are
    # shown only for those): asked only when some team is outside.
    open_to_viewer = (
        set(
            Team.objects.visible_to(request.user)
            .filter(pk__in=[u.team.pk for u in outside])
            .values_list("pk", flat=True)
        )
        if outside
        else set()
    )
    notes: dict[int, list] = {}
    for note in VariationNote.objects.filter(
        collaborative_measure=cm,
        team_id__in=[u.team.pk for u in outside if u.team.pk in open_to_viewer],
    ).select_related("created_by__person"):
        notes.setdefault(note.team_id, []).append(note)
    rows = []
    for u in outside:
        team_notes = notes.get(u.team.pk, [])
        may_explain = u.team.pk in open_to_viewer and access.can(
            request.user, access.EDIT_DATA, u.team
        )
        kind, form = bound[1] if bound and bound[0] == u.team.pk else (None, None)
        rows.append(
            {
                "unit": u,
                "notes_shown": u.team.pk in open_to_viewer,
                "reason": next((n for n in team_notes if n.kind == "reason"), None),
                "judgement": next((n for n in team_notes if n.kind == "judgement"), None),
                "history": team_notes,
                "reason_form": (
                    (form if kind == "reason" else ReasonForm(None, prefix=f"reason-{u.team.pk}"))
                    if may_explain
                    else None
                ),
                "judgement_form": (
                    (
                        form
                        if kind == "judgement"
                        else JudgementForm(None, prefix=f"judgement-{u.team.pk}")
                    )
                    if may_judge
                    else None
                ),
            }
        )
    return {
        "collaborative": collaborative,
        "cm": cm,
        "window": window,
        "window_label": WINDOWS[window],
        "funnel": funnel,
        # the viewer's own team's place, in the words its dashboard uses
        "own_position": peer_position(funnel, funnel.own.team.pk) if funnel.own else None,
        "plot": plot,
        "outside": rows,
        "query": _query(cm, window),
    }


@login_required
@require_GET
def collaborative_funnel(request: HttpRequest, pk: int) -> HttpResponse:
    """The funnel plot of the teams' rates over the window, the viewer's team highlighted."""
    collaborative = access.collaborative_for(request.user, pk)
    cm, window, entries = _measure_for(request, collaborative)
    context = _funnel_context(request, collaborative, cm, window, entries)
    return _partial(request, "dashboards/_funnel.html", context)


@login_required
@require_POST
def variation_note(request: HttpRequest, pk: int, team_pk: int) -> HttpResponse:
    """Record why a team is outside the limits (its own people, or those who run the
    collaborative) or judge the variation (faculty, managers). Notes are added, never edited."""
    kind = request.POST.get("kind")
    if kind == "reason":
        team = access.team_for(request.user, team_pk, access.EDIT_DATA)
        if team.collaborative_id != pk:
            raise Http404("No such team here")
        collaborative = team.collaborative
        form = ReasonForm(request.POST, prefix=f"reason-{team.pk}")
    elif kind == "judgement":
        collaborative = access.collaborative_for(request.user, pk, access.RATE)
        try:
            team = collaborative.teams.get(pk=team_pk)
        except Team.DoesNotExist:
            raise Http404("No such team here") from None
        form = JudgementForm(request.POST, prefix=f"judgement-{team.pk}")
    else:
        raise Http404("No such note")
    if collaborative.is_read_only:
        raise PermissionDenied
    cm, window, entries = _measure_for(request, collaborative)
    if form.is_valid():
        start, end = window_dates(cm, window)
        VariationNote.objects.create(
            collaborative_measure=cm,
            team=team,
            kind=kind,
            reason=form.cleaned_data.get("reason", ""),
            judgement=form.cleaned_data.get("judgement", ""),
            text=form.cleaned_data["text"],
            window_start=start,
            window_end=end,
            created_by=request.user,
            created_at=timezone.now(),
        )
        if not request.htmx:
            # without JavaScript: the funnel on its own page, at the team's notes
            url = reverse("dashboard_collaborative_funnel", args=[collaborative.pk])
            return redirect(f"{url}?{_query(cm, window)}#outside-{team.pk}")
        bound = None
    else:
        bound = (team.pk, (kind, form))
    context = _funnel_context(request, collaborative, cm, window, entries, bound=bound)
    context["saved"] = bound is None
    status = 200 if bound is None else 400
    if request.htmx:
        return render(request, "dashboards/_funnel.html", context, status=status)
    return render(
        request,
        "dashboards/collaborative_partial_page.html",
        {**context, "partial": "dashboards/_funnel.html"},
        status=status,
    )


# --- The aggregate chart -----------------------------------------------------------------------


@login_required
@require_GET
def collaborative_aggregate(request: HttpRequest, pk: int) -> HttpResponse:
    """The chart of the whole collaborative (weekly series rolled up to months)."""
    collaborative = access.collaborative_for(request.user, pk)
    cm, window, entries = _measure_for(request, collaborative)
    scope = disclosure.scope_for(request.user, collaborative)
    figure_id = f"aggregate-{cm.pk}"
    digest = fragments.collaborative_digest(
        "aggregate",
        collaborative,
        objects=[cm.pk],
        view=fragments.View.of(scope),
        measure_set=entries,
    )
    context = {
        "collaborative": collaborative,
        "cm": cm,
        "fragment": lambda: fragments.rendered(
            "aggregate",
            digest,
            "dashboards/_collaborative_aggregate.html",
            lambda: {"cm": cm, "agg": _aggregate(cm, scope), "figure_id": figure_id},
        ),
        "query": _query(cm, window),
    }
    return _partial(request, "dashboards/_collaborative_aggregate.html", context, digest=digest)


def _aggregate(cm, scope):
    """The aggregate chart of the whole collaborative, laid out for the dashboard."""
    agg = aggregate_chart(cm, publish=disclosure.publisher(scope, cm.measure))
    if agg.figure:
        layout = agg.figure["layout"]
        # the legend above the plot, where it cannot run into the dates on a phone
        layout["legend"] = {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}
        layout["margin"] = {**layout["margin"], "t": 40}
        layout["xaxis"]["nticks"] = 6
    return agg
