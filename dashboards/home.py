"""What each role comes to the home page for, one section per role the user holds.

- **Trust lead** (and team member): each of the team's measures with its verdict (read by
  `dashboards.claims.team_claims` from the stored chart results, whose `summary` sentence
  is the statistics core's, `measures.spc.charts.summary`) and where the team stands among
  its peers (`dashboards.peers.peer_position`, through `peers.team_peer_position`, the
  same funnel the team's chart page speaks from).
- **Improvement manager**: for each collaborative they run, who owes data
  (`governance.reporting.overdue`, the one rule for periods owed), the overdue PDSA cycles
  (`PDSACycle.objects.overdue`) and the next learning event.
- **Faculty** (clinical lead): the teams to review (those whose "Start here" card needs
  attention, `dashboards.start.team_attention`) and the faculty scores due (an active
  team with no faculty score for last month).
- **AHSN director**: the state of this quarter's contract review and the collaboratives
  needing attention (open sustain alerts, `dashboards.alerts.alerts_for_ahsn`, and
  outcomes deteriorated or signals of concern from the stored summaries).
- **National viewer**: the programmes, each linked down to its collaboratives, with team
  counts (`dashboards.claims`) and outcome rates as governance.disclosure publishes them.

Every sentence comes from one function here (`*_words`), so a test can check it once.
Another organisation's teams never appear: every team is read from what the user's roles
scope (governance.access), and printed through `access.named_for`. Each section reads in a
fixed number of queries per collaborative or measure, whatever the number of teams.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.urls import reverse

from collaboratives.models import (
    AHSN,
    Collaborative,
    LearningEvent,
    PDSACycle,
    Team,
    TeamAssessment,
    Topic,
)
from dashboards import claims, fragments
from dashboards.aggregate import funnel_data_type, funnel_teams, newest_periods
from dashboards.alerts import alerts_for_ahsn
from dashboards.peers import PeerPosition, team_peer_position
from dashboards.start import team_attention
from dashboards.summaries import latest_summaries, month_of, previous_month, programme_topic_ids
from governance import access, disclosure
from governance.reporting import Owed, overdue
from measures.completeness import complete_cutoffs
from measures.models import ChartResult, CollaborativeMeasure
from reports.forms import last_twelve_months
from reports.models import ContractReview

if TYPE_CHECKING:
    from dashboards.payloads import CollaborativeSummary

# Each verdict's tag colour, as the chart pages draw it (templates/measures/_chart.html).
TAG = {
    claims.IMPROVED: "nhsuk-tag--blue",
    claims.DETERIORATED: "nhsuk-tag--orange",
    claims.NOT_SUSTAINED: "nhsuk-tag--yellow",
}


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


# --- Trust lead ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureLine:
    """One of the team's measures: its verdict and its place among peers."""

    name: str
    url: str
    status: str
    summary: str
    peers: PeerPosition | None

    @property
    def status_words(self) -> str:
        return claims.STATUS_WORDS[self.status]

    @property
    def tag(self) -> str:
        return TAG.get(self.status, "nhsuk-tag--grey")


@dataclass
class LeadSection:
    team: Team
    url: str
    data_url: str
    tally: claims.MeasureTally
    measures: list[MeasureLine] = field(default_factory=list)


def lead_sections(user, today: dt.date) -> list[LeadSection]:
    """Each active team of the user's, with each measure of its collaborative's set."""

    p = access.principal(user)
    if not p.teams:
        return []
    teams = (
        Team.objects.filter(pk__in=p.teams, status=Team.Status.ACTIVE)
        .exclude(collaborative__phase=Collaborative.Phase.CLOSED)
        .select_related("organisation", "collaborative")
        .order_by("collaborative__name", "organisation__name")
    )
    out = []
    for team in teams:
        access.named_for(user, team)
        set_rows = claims.measure_set_rows(team.collaborative)
        series = list(
            access.visible(
                team.series.filter(
                    measure_id__in=[r["measure_id"] for r in set_rows],
                    measure__archived_at__isnull=True,
                ),
                user,
            ).select_related("measure", "team__collaborative")
        )
        scope = disclosure.scope_for(user, team.collaborative)

        # Each measure's verdict and place among peers (a funnel plot each), cached: the
        # same for every viewer of the team's own people who sees the same series in the
        # same scope (dashboards.fragments).
        key = fragments.collaborative_key(
            "lead_measures",
            team.collaborative,
            objects=[team.pk, tuple((s.pk, fragments.row(s.measure)) for s in series)],
            view=fragments.View.of(scope, own=[team.pk]),
            today=today,
        )

        def build(team=team, series=series, set_rows=set_rows, scope=scope, key=key):
            return _lead_measures(team, user, today, series, set_rows, scope, cutoffs=key.cutoffs)

        tally, measures = fragments.cached("lead_measures", key.digest, build)
        section = LeadSection(
            team=team,
            url=reverse("dashboard_team", args=[team.pk]),
            data_url=reverse("measures:team_grid", args=[team.pk]),
            tally=tally,
            measures=measures,
        )
        out.append(section)
    return out


def _lead_measures(team, user, today, series, set_rows, scope, *, cutoffs=None):
    """The team's measures tally and each measure's line (verdict, summary, place among
    peers), as a lead's home section shows them. `cutoffs`: the complete periods on
    `today`, when the caller has them (the fragment's key)."""
    results = {
        r.series_id: r
        for r in ChartResult.objects.filter(series__in=series)
        .latest_per_series()
        .defer("figure")  # the claims read the verdicts, never draw
    }
    # The collaborative's complete periods, read once for the verdicts and every measure's
    # funnel window.
    if cutoffs is None:
        cutoffs = complete_cutoffs([team.collaborative], today=today)
    said = claims.team_claims(
        team,
        viewer=user,
        day=today,
        set_rows=set_rows,
        series=series,
        results=results,
        cutoffs=cutoffs,
    )
    by_measure = {s.measure_id: s for s in series}
    # Each measure's row in the set and its newest period, read once for every funnel.
    in_set = {
        cm.measure_id: cm
        for cm in CollaborativeMeasure.objects.filter(
            collaborative_id=team.collaborative_id, measure_id__in=list(by_measure)
        ).select_related("measure", "collaborative")
    }
    newest = newest_periods(team.collaborative_id, in_set)
    # Its teams, read once for every funnel (their names and pseudonyms).
    teams = (
        funnel_teams(collaborative_id=team.collaborative_id)
        if any(funnel_data_type(cm.measure) for cm in in_set.values())
        else None
    )
    measures = []
    for verdict in said.verdicts:
        s = by_measure[verdict.measure_id]
        result = results.get(s.pk)
        peers, _ = team_peer_position(
            s,
            user,
            scope,
            cutoffs=cutoffs,
            cm=in_set.get(s.measure_id),
            newest=newest,
            teams=teams,
        )
        measures.append(
            MeasureLine(
                name=verdict.name,
                url=reverse("dashboard_team_panel", args=[team.pk, s.pk]),
                status=verdict.status,
                summary=result.summary if result is not None else "No data yet.",
                peers=peers,
            )
        )
    return said.measures, measures


# --- Improvement manager -------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One line of a section: a sentence, and where to act on it."""

    text: str
    url: str = ""
    link: str = ""


@dataclass
class ManagerSection:
    collaborative: Collaborative
    url: str
    owed: list[Item]
    cycles: list[Item]
    next_event: str
    calendar_url: str


def owed_words(owed: list[Owed]) -> str:
    """One team's debt: "3 values owed across 2 measures, the oldest for Aug 2026" (a
    value: one measure's one period, a cell of the grid; "3 periods of 3 measures" read as
    three months each when it was one month of each)."""
    values = sum(len(o.periods) for o in owed)
    oldest = min(p for o in owed for p in o.periods)
    return (
        f"{_plural(values, 'value')} owed across {_plural(len(owed), 'measure')}, "
        f"the oldest for {oldest:%b %Y}."
    )


def cycle_words(cycle: PDSACycle, today: dt.date) -> str:
    """ "Test at Ward 3 (Team): due to finish 3 Nov 2026, 34 days ago; not yet studied and
    decided." """
    days = (today - cycle.planned_end).days
    return (
        f"{cycle.title} ({cycle.team}): due to finish {_day(cycle.planned_end)}, "
        f"{_plural(days, 'day')} ago; not yet studied and decided."
    )


def event_words(event: LearningEvent | None, today: dt.date) -> str:
    """The next learning event, when, and how far off; or that none is planned."""
    if event is None:
        return "No learning event is planned."
    if event.starts_on <= today:
        when = f"on now, until {_day(event.ends_on)}"
    else:
        days = (event.starts_on - today).days
        when = f"{_day(event.starts_on)}, in {_plural(days, 'day')}"
    kind = event.get_kind_display()
    # "Learning session 2: the ramp", not "Learning session: Learning session 2: the ramp".
    named = (
        event.title if event.title.lower().startswith(kind.lower()) else f"{kind}: {event.title}"
    )
    return f"{named}, {when}."


def _run_by(user):
    p = access.principal(user)
    if not (p.manager_collaboratives or p.manager_ahsns):
        return Collaborative.objects.none()
    return (
        Collaborative.objects.filter(access.runs_q(p))
        .exclude(phase=Collaborative.Phase.CLOSED)
        .select_related("lead_ahsn")
        .order_by("name")
    )


def manager_sections(user, today: dt.date) -> list[ManagerSection]:
    """Each collaborative the user runs: who owes data, overdue cycles, the next event."""
    collaboratives = list(_run_by(user))
    if not collaboratives:
        return []
    ids = [c.pk for c in collaboratives]
    cycles = defaultdict(list)
    for cycle in (
        PDSACycle.objects.overdue(today)
        .filter(team__collaborative_id__in=ids, team__status=Team.Status.ACTIVE)
        .select_related("team__organisation", "team__collaborative")
        .order_by("planned_end", "id")
    ):
        access.named_for(user, cycle.team)
        cycles[cycle.team.collaborative_id].append(
            Item(cycle_words(cycle, today), reverse("cycle", args=[cycle.pk]), "Open the cycle")
        )
    events = {}
    # The next event people attend: a learning session or a webinar. An action period is
    # the stretch between sessions (one is nearly always "on now"), not an event.
    for event in (
        LearningEvent.objects.filter(collaborative_id__in=ids, ends_on__gte=today)
        .exclude(kind=LearningEvent.Kind.ACTION_PERIOD)
        .order_by("starts_on", "title")
    ):
        events.setdefault(event.collaborative_id, event)
    out = []
    for c in collaboratives:
        owed = overdue(c, today)  # governance.reporting: the one rule for periods owed
        by_team: dict[int, list[Owed]] = defaultdict(list)
        for o in owed:
            by_team[o.team.pk].append(o)
        items = []
        for team_owed in by_team.values():
            team = access.named_for(user, team_owed[0].team)
            items.append(
                Item(
                    f"{team}: {owed_words(team_owed)}",
                    reverse("dashboard_team", args=[team.pk]),
                    "Open the team's dashboard",
                )
            )
        out.append(
            ManagerSection(
                collaborative=c,
                url=reverse("dashboard_collaborative", args=[c.pk]),
                owed=items,
                cycles=cycles[c.pk],
                next_event=event_words(events.get(c.pk), today),
                calendar_url=reverse("calendar", args=[c.pk]),
            )
        )
    return out


# --- Faculty ---------------------------------------------------------------------------------


@dataclass
class FacultySection:
    collaborative: Collaborative
    url: str
    review: list[Item]
    scores_due: list[Item]
    month: dt.date


def score_due_words(team: Team, self_rating, month: dt.date) -> str:
    """A faculty score due for `month`, with the team's own if it gave one."""
    own = (
        f"the team rated itself {claims.number_text(self_rating, 1)}"
        if self_rating is not None
        else "the team has not rated itself"
    )
    return f"{team}: no faculty score for {month:%b %Y} yet; {own}."


def faculty_sections(user, today: dt.date) -> list[FacultySection]:
    """Each collaborative the user teaches: teams to review, faculty scores due."""

    p = access.principal(user)
    if not p.faculty_collaboratives:
        return []
    collaboratives = list(
        Collaborative.objects.filter(pk__in=p.faculty_collaboratives)
        .exclude(phase=Collaborative.Phase.CLOSED)
        .order_by("name")
    )
    teams = list(
        Team.objects.filter(
            collaborative__in=collaboratives, status=Team.Status.ACTIVE
        ).select_related("organisation", "collaborative")
    )
    for team in teams:
        access.named_for(user, team)
    teams.sort(key=lambda t: str(t))
    attention = team_attention(teams, latest_summaries("team", [t.pk for t in teams]))
    month = previous_month(month_of(today))
    rated = dict(
        TeamAssessment.objects.filter(team__in=teams, month=month).values_list(
            "team_id", "faculty_rating"
        )
    )
    own = dict(
        TeamAssessment.objects.filter(team__in=teams, month=month).values_list(
            "team_id", "self_rating"
        )
    )
    out = []
    for c in collaboratives:
        mine = [t for t in teams if t.collaborative_id == c.pk]
        out.append(
            FacultySection(
                collaborative=c,
                url=reverse("dashboard_collaborative", args=[c.pk]),
                review=[
                    Item(
                        f"{t}: {attention[t.pk]}",
                        reverse("dashboard_team", args=[t.pk]),
                        "Open the team's dashboard",
                    )
                    for t in mine
                    if t.pk in attention
                ],
                scores_due=[
                    Item(
                        score_due_words(t, own.get(t.pk), month),
                        reverse("team_assessments", args=[t.pk]),
                        "Score the team",
                    )
                    for t in mine
                    if rated.get(t.pk) is None
                ],
                month=month,
            )
        )
    return out


# --- AHSN director ---------------------------------------------------------------------------


@dataclass
class DirectorSection:
    ahsn: AHSN
    portfolio_url: str
    report: Item
    report_state: str  # the tag: "Signed off", "Draft ready", "Building", "Failed", "Not started"
    attention: list[Item]
    # When no review of the quarter is built or building: the usual period (the twelve whole
    # months to last month, reports.forms.last_twelve_months), which the home page's button
    # posts to `build_url`, the same form the contract reviews page shows; else None.
    build_period: tuple[dt.date, dt.date] | None = None
    build_url: str = ""


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter holding `day`: its first and last days."""
    first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    nxt = dt.date(first.year + (first.month == 10), (first.month + 2) % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def report_words(review, quarter: tuple[dt.date, dt.date]) -> tuple[str, str]:
    """(tag, sentence) for the quarter's contract review: the one asked for this quarter
    that went furthest (signed off, then built, then building), or that none was."""
    first, last = quarter
    span = f"{first:%B} to {last:%B %Y}"
    if review is None:
        return "Not started", f"No contract review has been asked for in {span}."
    period = f"{_day(review.period_start)} to {_day(review.period_end)}"
    status = review.Status
    if review.status == status.SIGNED_OFF:
        return "Signed off", (
            f"The review of {period} was signed off on {_day(review.signed_off_at.date())} "
            f"by {review.signed_off_by_name}."
        )
    if review.status == status.READY:
        return "Draft ready", (
            f"The review of {period} is built and waiting for your commentary and sign-off."
        )
    if review.status == status.FAILED:
        return "Failed", f"The review of {period} could not be built; ask for it again."
    return "Building", f"The review of {period} is being built ({review.progress}% done)."


_FURTHEST = ("signed_off", "ready", "building", "draft", "failed")


def attention_words(alerts: int, payload: CollaborativeSummary | None) -> str:
    """Why a collaborative needs attention ("" when it does not): gains fading, outcomes
    deteriorated, teams with a signal of concern."""
    parts = []
    if alerts:
        parts.append(f"{_plural(alerts, 'gain')} may be fading")
    tally = claims.payload_teams(payload)
    if tally.deteriorated:
        parts.append(
            f"the outcome measure has deteriorated in {_plural(tally.deteriorated, 'team')}"
        )
    concern = payload.teams_with_concern if payload else 0
    if concern:
        parts.append(f"{_plural(concern, 'team has', 'teams have')} a signal of concern")
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def director_sections(user, today: dt.date) -> list[DirectorSection]:
    """Each AHSN the user directs: this quarter's contract review (among those asked for
    during the calendar quarter holding `today`, the one that went furthest: signed off,
    then built, then building; "Not started" when none was), and the collaboratives the
    AHSN leads or partners in that need attention (`attention_words`)."""

    p = access.principal(user)
    if not p.director_ahsns:
        return []
    quarter = quarter_of(today)
    ahsns = list(AHSN.objects.filter(pk__in=p.director_ahsns).order_by("name"))
    reviews: dict[int, list] = defaultdict(list)
    for review in (
        ContractReview.objects.filter(
            ahsn__in=ahsns, requested_at__date__gte=quarter[0], requested_at__date__lte=quarter[1]
        )
        .defer("document", "data_versions", "pdf", "xlsx", "html", "commentary")
        .order_by("-requested_at", "-id")
    ):
        reviews[review.ahsn_id].append(review)
    out = []
    for ahsn in ahsns:
        chosen = min(
            reviews[ahsn.pk], key=lambda r: _FURTHEST.index(r.status), default=None
        )  # the newest of the furthest on (min keeps the first, the newest)
        tag, words = report_words(chosen, quarter)
        url = (
            reverse("review_detail", args=[chosen.pk])
            if chosen is not None
            else reverse("review_list", args=[ahsn.pk])
        )
        collaboratives = list(
            Collaborative.objects.of_ahsn(ahsn)
            .exclude(phase=Collaborative.Phase.CLOSED)
            .order_by("name")
        )
        payloads = latest_summaries("collaborative", [c.pk for c in collaboratives])
        alerts: dict[int, int] = defaultdict(int)
        for alert in alerts_for_ahsn(ahsn, user):
            alerts[alert.team.collaborative_id] += 1
        attention = []
        for c in collaboratives:
            why = attention_words(alerts[c.pk], payloads.get(c.pk))
            if why:
                attention.append(
                    Item(
                        f"{c.name}: {why}",
                        reverse("dashboard_collaborative", args=[c.pk]),
                        "Open the collaborative",
                    )
                )
        may_build = chosen is None or chosen.status == ContractReview.Status.FAILED
        out.append(
            DirectorSection(
                ahsn=ahsn,
                portfolio_url=reverse("dashboard_portfolio", args=[ahsn.pk]),
                report=Item(
                    words,
                    url,
                    "Open the contract review" if chosen else "Choose another period",
                ),
                report_state=tag,
                attention=attention,
                build_period=last_twelve_months(today) if may_build else None,
                build_url=reverse("review_list", args=[ahsn.pk]),
            )
        )
    return out


# --- National viewer -------------------------------------------------------------------------


@dataclass(frozen=True)
class CollaborativeLine:
    collaborative: Collaborative
    url: str
    teams: str  # "2 of 5 teams improved"
    outcome: str  # the outcome rate as published, or ""


@dataclass
class Programme:
    name: str
    kind: str  # "National programme" or "Local priority"
    teams: str
    collaboratives: list[CollaborativeLine]


def teams_words(tally: claims.TeamTally) -> str:
    """ "2 of 5 teams improved" (dashboards.claims), or that none can be judged yet."""
    if not tally.judged:
        return "no team has enough data for a verdict yet"
    return tally.words


def outcome_words(rate: dict | None) -> str:
    """The pooled outcome rate of the last three months, as governance.disclosure published
    it (`claims.outcome_rate`); "" without one."""
    if rate is None or not rate.get("has_denominator"):
        return ""
    # "7% since Sep 2026" read as a change of 7% since then: it is the level, every team's
    # counts pooled, over the months from then.
    pooled = f"every team pooled, from {rate['since']:%b %Y}"
    if rate["suppressed"]:
        return f"{rate['measure']}: too few to publish ({pooled})."
    unit = rate["unit"]
    if unit.strip() and unit.strip() in rate["measure"]:
        unit = ""  # "Falls per 1,000 bed days: 5", not "...: 5 per 1,000 bed days"
    return f"{rate['measure']}: {rate['percent']}{unit} ({pooled})."


def national_programmes(user) -> list[Programme]:
    """The programmes (the national ones and any topic led in several regions, as the
    national page compares them), then every other topic that has a collaborative, each
    with its collaboratives linked: what a national viewer comes for. Figures are those
    published outside a collaborative (governance.disclosure); no team is named."""

    if not access.principal(user).national:
        return []
    compared = programme_topic_ids()
    collaboratives = list(
        Collaborative.objects.select_related("lead_ahsn", "topic").order_by("name")
    )
    topics = {c.topic_id: c.topic for c in collaboratives}
    topics.update({t.pk: t for t in Topic.objects.filter(pk__in=compared)})
    national = Topic.Kind.NATIONAL
    order = sorted(
        topics.values(), key=lambda t: (t.pk not in compared, t.kind != national, t.name)
    )
    programmes = latest_summaries("programme", list(compared))
    payloads = latest_summaries("collaborative", [c.pk for c in collaboratives])
    out = []
    for topic in order:
        lines, total = [], claims.TeamTally()
        for c in collaboratives:
            if c.topic_id != topic.pk:
                continue
            payload = payloads.get(c.pk)
            tally = claims.payload_teams(payload)
            total = total + tally
            # Outside the collaborative's sharing terms, figures are published ones only.
            rate = claims.outcome_rate(payload) if payload else None
            lines.append(
                CollaborativeLine(
                    collaborative=c,
                    url=reverse("dashboard_collaborative", args=[c.pk]),
                    teams=teams_words(tally),
                    outcome=outcome_words(rate),
                )
            )
        if topic.pk in programmes:  # the programme's own summary, as the national page reads
            total = claims.payload_teams(programmes[topic.pk])
        out.append(
            Programme(
                name=topic.name,
                kind=topic.get_kind_display(),
                teams=teams_words(total),
                collaboratives=lines,
            )
        )
    return out


# --- All together ------------------------------------------------------------------------------


@dataclass
class Home:
    lead: list[LeadSection]
    manager: list[ManagerSection]
    faculty: list[FacultySection]
    director: list[DirectorSection]
    national: list[Programme]

    @property
    def any(self) -> bool:
        return bool(self.lead or self.manager or self.faculty or self.director or self.national)


def home_for(user, today: dt.date) -> Home:
    """Every section the user's roles give them."""
    return Home(
        lead=lead_sections(user, today),
        manager=manager_sections(user, today),
        faculty=faculty_sections(user, today),
        director=director_sections(user, today),
        national=national_programmes(user),
    )
