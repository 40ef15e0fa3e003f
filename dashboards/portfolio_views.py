"""The AHSN portfolio, the national view and the collaborative's teams table.

Each page reads stored reporting summaries (dashboards.summaries), a fixed number of
queries whatever the number of teams, and adds up at most the handful of collaborative
rows a filter leaves; nothing is aggregated from data points in a request. Filters are
GET parameters, so a view can be bookmarked; htmx swaps the results in place and pushes
the URL, and the same URL without htmx renders the whole page.

Counts of people leave the collaborative here (portfolio, national): they go through
governance.disclosure. Inside the collaborative (the teams table) teams are named as its
data-sharing terms say.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from collaboratives.models import AHSN, Collaborative, OrganisationKind, Team, Topic
from dashboards import claims, fragments
from dashboards.alerts import alerts_for_ahsn
from dashboards.collaborative_views import team_labels
from dashboards.models import ReportingSummary
from dashboards.payloads import AhsnSummary, CollaborativeSummary, GroupSummary
from dashboards.summaries import (
    ahsn_payload,
    latest_rows,
    month_of,
    programme_topic_ids,
    snapshot_months,
    summaries_for_month,
)
from governance import access, disclosure
from governance.forms import NHSFormMixin

Level = ReportingSummary.Level
PHASES = Collaborative.Phase


# --- Shared ---------------------------------------------------------------------------------


def _percent(value) -> int | None:
    """A share as a whole percentage, rounded as everywhere (dashboards.claims.rounded)."""
    return None if value is None else int(claims.rounded(value * 100, 0))


def _change(now, before, *, scale: float = 1, places: int = 0):
    """now - before (scaled), or None when either is missing."""
    if now is None or before is None:
        return None
    delta = (now - before) * scale
    return round(delta, places) if places else round(delta)


def _row(payload: GroupSummary | None, before: GroupSummary | None) -> dict:
    """What one table row shows of a collaborative, AHSN or region summary."""
    if payload is None:
        return {"missing": True}
    tally = claims.payload_teams(payload)
    teams = tally.teams
    cycles = payload.cycles
    assessment = payload.assessment
    row = {
        "missing": False,
        "teams": teams,
        "tally": tally,
        "progress": payload.progress_share,
        "withdrawn": payload.withdrawn if isinstance(payload, CollaborativeSummary) else None,
        "improved": tally.improved,
        "judged": tally.judged,
        "improved_percent": _percent(tally.share),
        "completeness_percent": _percent(payload.completeness),
        "cycles_recent": cycles.recent,
        "cycles_active": cycles.active,
        "cycles_adopted": cycles.adopt,
        "cycles_per_team": payload.cycles_recent_per_team,
        "score_mean": assessment.mean,
        "rated": assessment.rated,
        "concern": payload.signals.concern,
        "teams_with_concern": payload.teams_with_concern,
        "outcome": claims.outcome_rate(payload),
    }
    if before is not None:
        row["change"] = {
            "improved": _words(
                _change(payload.improved_share, before.improved_share, scale=100),
                "percentage points",
            ),
            "completeness": _words(
                _change(payload.completeness, before.completeness, scale=100),
                "percentage points",
            ),
            "score": _words(_change(assessment.mean, before.assessment.mean, places=2), ""),
            "teams": _team_words(teams - before.teams),
        }
    return row


def _most_improvement(rows: list[dict], name) -> dict | None:
    """The row with most improvement (dashboards.claims.most_improvement) among `rows`."""
    best = claims.most_improvement(
        claims.Candidate(key=i, name=name(r), teams=r["tally"], progress=r.get("progress"))
        for i, r in enumerate(rows)
        if not r.get("missing")
    )
    return None if best is None else {"row": rows[best.key], "name": best.name}


def _team_words(delta: int) -> dict:
    if delta == 0:
        return {"text": "no change", "way": "same"}
    return {
        "text": f"{abs(delta)} {'more' if delta > 0 else 'fewer'}",
        "way": "up" if delta > 0 else "down",
    }


def _words(delta, unit: str) -> dict | None:
    """A change as the page says it: {"text": "up 5 percentage points", "way": "up"}."""
    if delta is None:
        return None
    if delta == 0:
        return {"text": "no change", "way": "same"}
    way = "up" if delta > 0 else "down"
    size = abs(delta)
    return {"text": f"{way} {size:g}{' ' + unit if unit else ''}", "way": way}


def _compare_month(requested: str | None, months: list[dt.date], current: dt.date):
    """The snapshot month to compare with: the one asked for if it exists, else the newest
    before the current one (normally last month)."""
    earlier = [m for m in months if m < current]
    for m in earlier:
        if requested == m.isoformat():
            return m, earlier
    return (earlier[0] if earlier else None), earlier


class _FilterForm(NHSFormMixin, forms.Form):
    pass


def _filters(form_class, data, defaults: dict, **kwargs):
    """(form, chosen): the valid filters asked for, a bad or missing value falling back to
    its default (never an error page), and a form showing exactly those."""
    asked = form_class(data, **kwargs)
    asked.is_valid()
    chosen = {}
    for name in asked.fields:
        value = asked.cleaned_data.get(name)
        chosen[name] = defaults.get(name, "") if value in (None, "") else value
    form = form_class({k: v for k, v in chosen.items() if v not in (None, "")}, **kwargs)
    form.is_valid()
    return form, chosen


# --- The AHSN portfolio -------------------------------------------------------------------


class PortfolioFilterForm(_FilterForm):
    phase = forms.ChoiceField(
        label="Phase", required=False, choices=[("", "Every phase"), *PHASES.choices]
    )
    kind = forms.ChoiceField(
        label="Topic",
        required=False,
        choices=[("", "National and local"), *Topic.Kind.choices],
    )
    role = forms.ChoiceField(
        label="Led or partnered",
        required=False,
        choices=[("", "Led or partnered"), ("lead", "Led by us"), ("partner", "Partner")],
    )
    compare = forms.ChoiceField(label="Compare with", required=False, choices=[])

    def __init__(self, data, *, months: list[dt.date]):
        super().__init__(data)
        self.fields["compare"].choices = [(m.isoformat(), f"{m:%B %Y}") for m in months] or [
            ("", "No earlier snapshot yet")
        ]


@login_required
@require_GET
def portfolio(request: HttpRequest, pk: int) -> HttpResponse:
    """An AHSN's collaboratives: phase, teams, outcome improved, completeness, PDSA
    activity, scores and what changed since the month compared with; sustain alerts."""
    ahsn = access.ahsn_for_portfolio(request.user, pk)
    collaboratives = list(
        Collaborative.objects.of_ahsn(ahsn).select_related("topic", "lead_ahsn").order_by("name")
    )
    months = snapshot_months(Level.AHSN, [ahsn.pk])
    current = months[0] if months else month_of(timezone.localdate())  # the newest snapshot
    compare, earlier = _compare_month(request.GET.get("compare"), months, current)
    form, chosen = _filters(
        PortfolioFilterForm,
        request.GET,
        {"compare": compare.isoformat() if compare else ""},
        months=earlier,
    )
    # The tables, cached (dashboards.fragments): they read the stored summaries and show
    # counts as they may leave a collaborative, the same for every viewer of the portfolio.
    digest = fragments.summary_digest(
        "portfolio",
        objects=[ahsn.pk],
        filters={**chosen, "compare": compare},
        loaded=[
            ahsn,
            *collaboratives,
            *(c.topic for c in collaboratives),
            *(c.lead_ahsn for c in collaboratives),
        ],
        view=fragments.View.of(disclosure.OUTSIDE),
    )
    tables = fragments.cached(
        "portfolio", digest, lambda: _portfolio_tables(ahsn, collaboratives, chosen, compare)
    )
    # The results table rendered, under the same key: it shows the tables, the number of
    # collaboratives loaded and the month compared with, all of which the key holds.
    results = fragments.rendered(
        "portfolio_results",
        digest,
        "dashboards/portfolio.html#results",
        lambda: {**tables, "total": len(collaboratives), "compare": compare},
    )
    if request.htmx:
        return fragments.conditional(request, digest, lambda: HttpResponse(results))
    alerts = alerts_for_ahsn(ahsn, request.user)
    context = {
        "ahsn": ahsn,
        "form": form,
        **tables,
        "total": len(collaboratives),
        "compare": compare,
        "alerts": [
            {
                "alert": a,
                "team": a.team.full_name
                if access.may_name(request.user, a.team)
                else a.team.pseudonym,
            }
            for a in alerts[:10]
        ],
        "alert_count": len(alerts),
        "query": request.GET.urlencode(),
        "results": results,
    }
    return render(request, "dashboards/portfolio.html", context)


def _portfolio_tables(ahsn, collaboratives, chosen: dict, compare) -> dict:
    """The portfolio's rows, their AHSN total and phases, from the stored summaries."""
    ids = [c.pk for c in collaboratives]
    rows_now = latest_rows(Level.COLLABORATIVE, ids)
    before = summaries_for_month(Level.COLLABORATIVE, ids, compare) if compare else {}
    ahsn_now = latest_rows(Level.AHSN, [ahsn.pk]).get(ahsn.pk)
    ahsn_before = (
        summaries_for_month(Level.AHSN, [ahsn.pk], compare).get(ahsn.pk) if compare else None
    )
    shown = []
    for c in collaboratives:
        led = c.lead_ahsn_id == ahsn.pk
        if chosen["phase"] and c.phase != chosen["phase"]:
            continue
        if chosen["kind"] and c.topic.kind != chosen["kind"]:
            continue
        if chosen["role"] == "lead" and not led or chosen["role"] == "partner" and led:
            continue
        now = rows_now.get(c.pk)
        shown.append(
            {
                "collaborative": c,
                "led": led,
                **_row(now.summary if now else None, before.get(c.pk)),
            }
        )
    return {
        "rows": shown,
        "most_improvement": _most_improvement(shown, lambda r: r["collaborative"].name),
        "summary": _row(ahsn_now.summary if ahsn_now else None, ahsn_before),
        "phases": _phase_counts(ahsn_now.summary if ahsn_now else None),
        "computed_at": ahsn_now.computed_at if ahsn_now else None,
    }


def _phase_counts(payload: AhsnSummary | None) -> list[tuple[str, int]]:
    phases = payload.phases if payload else {}
    return [(label, phases[value]) for value, label in PHASES.choices if phases.get(value)]


# --- National -------------------------------------------------------------------------------


class NationalFilterForm(_FilterForm):
    topic = forms.TypedChoiceField(label="Programme", required=False, coerce=int, choices=[])
    phase = forms.ChoiceField(
        label="Phase", required=False, choices=[("", "Every phase"), *PHASES.choices]
    )

    def __init__(self, data, *, topics):
        super().__init__(data)
        self.fields["topic"].choices = [(t.pk, t.name) for t in topics]


@login_required
@require_GET
def national(request: HttpRequest) -> HttpResponse:
    """The national programmes (and any topic run in several regions) side by side, one
    programme region by region across every AHSN, and every AHSN's totals."""
    if not access.may_view_national(request.user):
        raise Http404("No page here")
    ahsns = list(AHSN.objects.order_by("name"))
    topics = list(Topic.objects.filter(pk__in=programme_topic_ids()).order_by("-kind", "name"))
    form, chosen = _filters(
        NationalFilterForm, request.GET, {"topic": topics[0].pk if topics else ""}, topics=topics
    )
    topic = next((t for t in topics if t.pk == chosen["topic"]), None)
    on_topic = (
        list(
            Collaborative.objects.filter(topic=topic)
            .order_by("name")
            .values("id", "name", "lead_ahsn_id", "phase")
        )
        if topic
        else []
    )
    # The tables, cached (dashboards.fragments): stored summaries, counts as they may leave
    # a collaborative, the same for every national viewer.
    digest = fragments.summary_digest(
        "national",
        objects=[topic.pk if topic else None],
        filters=chosen,
        loaded=[*ahsns, *topics, *on_topic],
        view=fragments.View.of(disclosure.OUTSIDE),
    )
    tables = fragments.cached(
        "national",
        digest,
        lambda: _national_tables(topic, topics, ahsns, on_topic, chosen["phase"]),
    )
    context = {
        "topic": topic,
        "ahsn_count": len(ahsns),
        "phase_label": dict(PHASES.choices).get(chosen["phase"], ""),
        **tables,
    }
    # The three tables rendered, under the same key: they show the tables, the programme
    # and phase chosen and the AHSNs loaded, all of which the key holds.
    html = fragments.cached(
        "national_html",
        digest,
        lambda: {
            name: str(render_to_string(f"dashboards/national.html#{name}", context))
            for name in ("programmes", "results", "ahsns")
        },
    )
    if request.htmx:
        return fragments.conditional(
            request,
            digest,
            lambda: HttpResponse(mark_safe(html["results"])),  # noqa: S308
        )
    page = {name: mark_safe(part) for name, part in html.items()}  # noqa: S308 - rendered above
    return render(request, "dashboards/national.html", {**context, "form": form, **page})


def _national_tables(topic, topics, ahsns, on_topic: list[dict], phase: str) -> dict:
    """The programmes side by side, the chosen one region by region, every AHSN's totals:
    from the stored summaries."""
    programmes = latest_rows(Level.PROGRAMME, [t.pk for t in topics])
    programme_rows = []
    for t in topics:
        programme = programmes[t.pk].summary if t.pk in programmes else None
        programme_rows.append(
            {
                "topic": t,
                "regions": len(programme.regions) if programme else 0,
                "collaboratives": programme.collaboratives if programme else 0,
                **_row(programme, None),
            }
        )
    ahsn_rows = latest_rows(Level.AHSN, [a.pk for a in ahsns])
    regions = _regions(on_topic, ahsns, phase) if topic else []
    every_ahsn = []
    for a in ahsns:
        summary = ahsn_rows[a.pk].summary if a.pk in ahsn_rows else None
        every_ahsn.append(
            {
                "ahsn": a,
                "collaboratives": summary.collaboratives if summary else 0,
                "phases": _phase_counts(summary),
                **_row(summary, None),
            }
        )
    return {
        "programme_rows": programme_rows,
        "regions": [r for r in regions if not r["missing"]],
        "not_running": [r["ahsn"] for r in regions if r["missing"]],
        "ahsn_rows": every_ahsn,
        "most_improved_ahsn": _most_improvement(every_ahsn, _ahsn_name),
        "most_improved_region": _most_improvement(
            [r for r in regions if not r["missing"]], _ahsn_name
        ),
        "computed_at": max((r.computed_at for r in ahsn_rows.values()), default=None),
    }


def _ahsn_name(row) -> str:
    return row["ahsn"].current_name


def _regions(collaboratives: list[dict], ahsns, phase: str) -> list[dict]:
    """One row per AHSN for the topic: its `collaboratives` on the topic (in `phase`, if
    given) added up from their stored summaries; AHSNs not running it say so."""
    if phase:
        collaboratives = [c for c in collaboratives if c["phase"] == phase]
    stored = latest_rows(Level.COLLABORATIVE, [c["id"] for c in collaboratives])
    phases = {c["id"]: c["phase"] for c in collaboratives}
    rows = []
    for ahsn in ahsns:
        mine = [c for c in collaboratives if c["lead_ahsn_id"] == ahsn.pk]
        payloads = {c["id"]: stored[c["id"]].summary for c in mine if c["id"] in stored}
        rows.append(
            {
                "ahsn": ahsn,
                "collaboratives": mine,
                **(_row(ahsn_payload(payloads, phases), None) if payloads else {"missing": True}),
            }
        )
    return rows


# --- The collaborative's teams table ------------------------------------------------------


SORTS = {
    "attention": "Needs attention first",
    "name": "Name",
    "completeness": "Data completeness (lowest first)",
    "score": "Assessment score (highest first)",
    "activity": "PDSA activity (most first)",
}


class TeamsFilterForm(_FilterForm):
    kind = forms.ChoiceField(
        label="Team type",
        required=False,
        choices=[("", "Every type"), *OrganisationKind.choices],
    )
    status = forms.ChoiceField(
        label="Teams",
        required=False,
        choices=[("active", "Active"), ("withdrawn", "Withdrawn"), ("all", "All")],
        initial="active",
    )
    sort = forms.ChoiceField(
        label="Sort by", required=False, choices=list(SORTS.items()), initial="attention"
    )


def _sort_key(sort: str):
    def key(row):
        p = row["p"]
        completeness = p.completeness if p else None
        score = p.assessment.score if p and p.assessment else None
        recent = p.cycles.recent if p else 0
        if sort == "name":
            return (row["label"].lower(),)
        if sort == "completeness":
            return (completeness is None, completeness or 0, row["label"].lower())
        if sort == "score":
            return (score is None, -(score or 0), row["label"].lower())
        if sort == "activity":
            return (-recent, row["label"].lower())
        concern = p.signals.concern if p else 0
        return (-concern, -(p.missing if p else 0), row["label"].lower())

    return key


@login_required
@require_GET
def collaborative_teams(request: HttpRequest, pk: int) -> HttpResponse:
    """The collaborative's teams with their signals, data completeness, PDSA activity and
    assessment score. Named to those who run, teach or direct the collaborative; to the
    teams, by name where the organisation agreed and otherwise by pseudonym, their own
    team always by name."""
    collaborative = access.collaborative_for(request.user, pk)
    form, chosen = _filters(TeamsFilterForm, request.GET, {"status": "active", "sort": "attention"})
    teams = Team.objects.filter(collaborative=collaborative).select_related("organisation")
    if chosen["kind"]:
        teams = teams.filter(organisation__kind=chosen["kind"])
    if chosen["status"] != "all":
        teams = teams.filter(status=chosen["status"])
    teams = list(teams)
    # Named_to_peers reads the collaborative; give each team the one already loaded.
    for team in teams:
        team.collaborative = collaborative
    names_all = access.can(request.user, access.MONITOR, collaborative)
    labels, own = team_labels(request.user, collaborative, teams)
    openable = set(
        Team.objects.visible_to(request.user)
        .filter(collaborative=collaborative)
        .values_list("pk", flat=True)
    )
    # The rows rendered, cached (dashboards.fragments): they read the stored summaries, the
    # teams as loaded, and of the viewer only what the key holds: the names they may see,
    # their own teams, which rows they may open and whether every team is named to them.
    digest = fragments.summary_digest(
        "teams_table",
        objects=[collaborative.pk],
        filters={
            **chosen,
            "names_all": names_all,
            "openable": tuple(sorted(openable & set(labels))),
        },
        loaded=[collaborative, *teams, *(t.organisation for t in teams)],
        view=fragments.View.of(
            disclosure.scope_for(request.user, collaborative), labels=labels, own=own
        ),
    )

    def results():
        return fragments.rendered(
            "teams_table",
            digest,
            "dashboards/_teams_table.html#results",
            lambda: _teams_rows(teams, chosen["sort"], labels, own, openable, names_all),
        )

    if request.htmx and request.htmx.target == "teams-results":  # a filter
        return fragments.conditional(request, digest, lambda: HttpResponse(results()))
    context = {
        "collaborative": collaborative,
        "form": form,
        "results": results(),
        "teams_url": reverse("dashboard_collaborative_teams", args=[collaborative.pk]),
    }
    if request.htmx:
        return render(request, "dashboards/_teams_table.html", context)  # the dashboard
    return render(request, "dashboards/_teams_table_page.html", context)


def _teams_rows(teams, sort: str, labels: dict, own: set, openable: set, names_all: bool) -> dict:
    """The teams table's context: a row per team from its latest reporting summary, named
    by `labels` (as the viewer may see them), the viewer's `own` teams marked, a link where
    the viewer may open the team's dashboard (`openable`)."""
    summaries = latest_rows(Level.TEAM, [t.pk for t in teams])
    rows = []
    for team in teams:
        row = summaries.get(team.pk)
        p = row.summary if row else None
        rows.append(
            {
                "team": team,
                "label": labels[team.pk],
                "own": team.pk in own,
                "url": reverse("dashboard_team", args=[team.pk]) if team.pk in openable else "",
                "p": p,
                "tally": claims.payload_measures(p) if p else None,
                "outcome": claims.status_of(p.outcome) if p else None,
                "completeness_percent": _percent(p.completeness) if p else None,
                "assessment_month": p.assessment.month if p and p.assessment else None,
                "computed_at": row.computed_at if row else None,
            }
        )
    rows.sort(key=_sort_key(sort))
    computed = [r["computed_at"] for r in rows if r["computed_at"]]
    return {
        "rows": rows,
        "names_all": names_all,
        "computed_at": max(computed) if computed else None,
    }
