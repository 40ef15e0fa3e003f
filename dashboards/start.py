"""Where each role starts: the dashboards that hold what needs the user's attention.

The home page lists them first, so that nobody has to click around to find their work:
a team's people get their team's dashboard, those who run or teach a collaborative its
dashboard, a director the AHSN's portfolio, a national viewer the national view. Read
from the role assignments and the stored summaries, in a few queries whatever the size.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q
from django.urls import reverse

from collaboratives.models import AHSN, Collaborative, Team
from dashboards.models import SustainAlert
from governance import access

if TYPE_CHECKING:
    from dashboards.payloads import TeamSummary


@dataclass(frozen=True)
class Start:
    title: str
    url: str
    detail: str
    attention: bool = False


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _team_detail(payload: "TeamSummary | None", alerts: int) -> tuple[str, bool]:
    parts = []
    if alerts:
        parts.append(f"{_plural(alerts, 'gain')} may be fading")
    if payload:
        concern = payload.signals.concern
        missing = payload.missing
        overdue = payload.cycles.overdue
        if concern:
            parts.append(f"{_plural(concern, 'signal')} of concern")
        if missing:
            parts.append(f"{_plural(missing, 'period')} of data missing")
        if overdue:
            parts.append(f"{_plural(overdue, 'PDSA cycle')} overdue")
    if not parts:
        return "Your measures, PDSA ramps, scores and what is due.", False
    text = "; ".join(parts)  # not capitalize(): it would lower "PDSA"
    return text[:1].upper() + text[1:] + ".", True


def open_alerts(team_ids) -> dict[int, int]:
    """{team id: its open sustain alerts}, for the teams that have any, in one query."""
    alerts: dict[int, int] = {}
    for team_id in SustainAlert.objects.filter(
        team_id__in=list(team_ids), cleared_at__isnull=True
    ).values_list("team_id", flat=True):
        alerts[team_id] = alerts.get(team_id, 0) + 1
    return alerts


def team_attention(teams, payloads: dict) -> dict[int, str]:
    """{team id: why it needs attention} for those of `teams` whose "Start here" card is
    marked (fading gains, signals of concern, data missing, cycles overdue), from their
    stored summaries (`payloads`, by team id) and open sustain alerts."""
    alerts = open_alerts(t.pk for t in teams)
    out = {}
    for team in teams:
        detail, attention = _team_detail(payloads.get(team.pk), alerts.get(team.pk, 0))
        if attention:
            out[team.pk] = detail
    return out


def start_here(user) -> list[Start]:
    """The user's dashboards, most specific first (their teams before their collaboratives)."""
    from dashboards.summaries import latest_summaries

    p = access.principal(user)
    out: list[Start] = []
    if p.teams:
        teams = list(
            Team.objects.filter(pk__in=p.teams, status=Team.Status.ACTIVE)
            .exclude(collaborative__phase=Collaborative.Phase.CLOSED)
            .select_related("organisation", "collaborative")
            .order_by("collaborative__name", "organisation__name")
        )
        ids = [t.pk for t in teams]
        payloads = latest_summaries("team", ids) if ids else {}
        alerts = open_alerts(ids)
        for team in teams:
            detail, attention = _team_detail(payloads.get(team.pk), alerts.get(team.pk, 0))
            out.append(
                Start(
                    title=f"Your team: {team}",
                    url=reverse("dashboard_team", args=[team.pk]),
                    detail=f"{team.collaborative.name}. {detail}",
                    attention=attention,
                )
            )
    if p.manager_collaboratives or p.faculty_collaboratives or p.manager_ahsns:
        collaboratives = (  # those the user runs or teaches in
            Collaborative.objects.filter(access.runs_q(p) | Q(pk__in=p.faculty_collaboratives))
            .exclude(phase=Collaborative.Phase.CLOSED)
            .order_by("name")
        )
        for collaborative in collaboratives:
            out.append(
                Start(
                    title=collaborative.name,
                    url=reverse("dashboard_collaborative", args=[collaborative.pk]),
                    detail=(
                        f"{collaborative.get_phase_display()}: every team's charts, the funnel "
                        "plot, the teams table and progress against the stretch target."
                    ),
                )
            )
    if p.director_ahsns:
        for ahsn in AHSN.objects.filter(pk__in=p.director_ahsns).order_by("name"):
            out.append(
                Start(
                    title=f"{ahsn.current_name}: portfolio",
                    url=reverse("dashboard_portfolio", args=[ahsn.pk]),
                    detail="Every collaborative the AHSN leads, what changed since last month.",
                )
            )
    if p.national:
        out.append(
            Start(
                title="National view",
                url=reverse("dashboard_national"),
                detail="The national programmes across every AHSN, side by side.",
            )
        )
    return out
