"""The objects the permission matrix asks about: the cast (tests/cast.py) and a little more.

Each URL's table names the kind of object its `pk` is and, for each target, the answers.
Targets, always from the point of view of team alpha in the falls collaborative (east AHSN):

    own           alpha's object (or the falls collaborative, or the east AHSN)
    own_custom    alpha's own custom measure's series (team-private: national viewers too)
    peer          beta's object: a peer team in the same collaborative
    other_collab  gamma's object: the sepsis collaborative, same AHSN (east)
    other_ahsn    delta's object: the maternity collaborative of the west AHSN
    withdrawn     omega's object: a withdrawn team in falls, whose lead and member are
                  alpha's lead and member as well; its data is read-only
    missing       a guessed id that does not exist
    -             the URL takes no object

Extra objects added here: series and cycles for gamma, delta and omega; a measure-set
entry, a driver node and a learning event in each collaborative; a membership and an API
token in each team; a phase and a mark on each series; an import batch per collaborative
(uploaded by lead, manager and a west manager); a built (ready) contract review for east and
for west; a staff user and a superuser for the admin rule. Sub-object parameters follow their
target: a collaborative's `team_pk` is one of its teams, a team's `series_pk` its series.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User

from collaboratives.models import LearningEvent, Team, TeamMembership
from governance.models import Invitation, Person, Role, RoleAssignment
from measures.api import api_token_create
from measures.data import series_inputs
from measures.models import (
    CollaborativeMeasure,
    DataPointRevision,
    ImportBatch,
    Phase,
    PointMark,
    Series,
)
from measures.recompute import chart_results_store, charts_compute
from measures.writes import PointChange, datapoints_write
from reports.models import ContractReview
from tests.cast import START, build_cast, change_idea, cycle, organisation, team, user_with_role

MISSING = 987654


@dataclass
class World:
    cast: object
    users: dict  # role name -> User (anonymous is absent)
    # kind -> target -> {kwarg name: value}
    kwargs: dict
    api_keys: dict  # team target -> API key


def build_world() -> World:
    c = build_cast()
    omega = team(c.falls, organisation("RO1", "Omega Hospitals", c.east))
    omega.status = Team.Status.WITHDRAWN
    omega.withdrawn_on = START + dt.timedelta(days=90)
    omega.save()
    lead, member = c.users["lead"], c.users["member"]
    RoleAssignment.objects.create(person=lead.person, role=Role.TRUST_LEAD, team=omega)
    RoleAssignment.objects.create(person=member.person, role=Role.TEAM_MEMBER, team=omega)
    gamma_lead = user_with_role("gamma_lead", Role.TRUST_LEAD, team=c.gamma)
    delta_lead = user_with_role("delta_lead", Role.TRUST_LEAD, team=c.delta)
    west_manager = user_with_role("west_manager", Role.IMPROVEMENT_MANAGER, ahsn=c.west)
    alpha_nurse = user_with_role("alpha_nurse", Role.TEAM_MEMBER, team=c.alpha)
    staff = User.objects.create_user("staff", password="x", is_staff=True)
    superuser = User.objects.create_superuser("root", password="x")

    collaboratives = {"own": c.falls, "other_collab": c.sepsis, "other_ahsn": c.maternity}
    teams = {
        "own": c.alpha,
        "peer": c.beta,
        "other_collab": c.gamma,
        "other_ahsn": c.delta,
        "withdrawn": omega,
    }
    series = {
        "own": c.alpha_series,
        "own_custom": c.alpha_custom_series,
        "peer": c.beta_series,
        "other_collab": Series.objects.create(team=c.gamma, measure=c.falls_rate),
        "other_ahsn": c.delta_series,
        "withdrawn": Series.objects.create(team=omega, measure=c.falls_rate),
    }
    falls_idea = c.alpha_cycle.change_idea
    ideas = {
        "own": falls_idea,
        "other_collab": change_idea(c.sepsis),
        "other_ahsn": change_idea(c.maternity),
    }
    cycles = {
        "own": c.alpha_cycle,
        "peer": c.beta_cycle,
        "other_collab": cycle(c.gamma, ideas["other_collab"]),
        "other_ahsn": cycle(c.delta, ideas["other_ahsn"]),
        "withdrawn": cycle(omega, falls_idea),
    }
    uploaders = {"own": lead, "other_collab": c.users["manager"], "other_ahsn": west_manager}
    kwargs: dict = {
        "collaborative": {},
        "team": {},
        "series": {},
        "cycle": {},
        "import": {},
        "user": {},
        "ahsn": {
            "own": {"pk": c.east.pk},
            "other_ahsn": {"pk": c.west.pk},
            "missing": {"pk": MISSING},
        },
        "none": {"-": {}},
        "token": {"missing": {"token": "never-issued", "uidb64": "MTIz"}},
    }
    entries = {}
    for target, collab in collaboratives.items():
        entry = CollaborativeMeasure.objects.create(
            collaborative=collab, measure=c.falls_rate, mandatory=False
        )
        event = LearningEvent.objects.create(
            collaborative=collab,
            kind=LearningEvent.Kind.LEARNING_SESSION,
            title=f"Learning session at {collab}",
            starts_on=START,
            ends_on=START,
        )
        batch = ImportBatch.objects.create(
            collaborative=collab,
            uploaded_by=uploaders[target],
            filename="data.csv",
            content_sha256="0" * 64,
            status=ImportBatch.Status.PREVIEW,
        )
        entries[collab.pk] = entry.pk
        kwargs["collaborative"][target] = {
            "pk": collab.pk,
            "entry_pk": entry.pk,
            "node_pk": ideas[target].pk,
            "event_pk": event.pk,
            "team_pk": {"own": c.alpha, "other_collab": c.gamma, "other_ahsn": c.delta}[target].pk,
        }
        kwargs["import"][target] = {"pk": batch.pk}
    api_keys = {}
    for target, team_ in teams.items():
        person = Person.objects.create(name=f"Nurse at {team_}")
        membership = TeamMembership.objects.create(team=team_, person=person, joined_on=START)
        token, key = api_token_create(team=team_, name="Trust system", by=c.users["lead"])
        api_keys[target] = key
        kwargs["team"][target] = {
            "pk": team_.pk,
            "membership_pk": membership.pk,
            "token_pk": token.pk,
            "entry_pk": entries[team_.collaborative_id],
            "series_pk": series[target].pk,
        }
    months = [dt.date(2024, m, 1) for m in range(1, 13)]
    weeks = [START + dt.timedelta(weeks=i) for i in range(12)]  # 1 January 2024 is a Monday
    for s in series.values():
        if s.measure.frequency == "weekly":
            changes = [PointChange(w, 5 + i % 3, None) for i, w in enumerate(weeks)]
        else:
            changes = [PointChange(m, 5 + i % 3, 1000) for i, m in enumerate(months)]
        datapoints_write(
            series=s,
            changes=changes,
            by=None,
            source=DataPointRevision.Source.IMPORT,
            today=dt.date(2025, 6, 30),
        )
    chart_results_store(
        charts_compute(list(series_inputs([s.pk for s in series.values()]).values()))
    )
    for target, s in series.items():
        phase = Phase.objects.create(series=s, start_period=START, reason="New ward")
        mark = PointMark.objects.create(
            series=s, period_start=START, kind=PointMark.Kind.values[0], reason="Audit"
        )
        kwargs["series"][target] = {"pk": s.pk, "phase_pk": phase.pk, "mark_pk": mark.pk}
    for target, cy in cycles.items():
        kwargs["cycle"][target] = {"pk": cy.pk}
    for target, user in {
        "own": alpha_nurse,
        "peer": c.users["beta_lead"],
        "other_collab": gamma_lead,
        "other_ahsn": delta_lead,
    }.items():
        kwargs["user"][target] = {"pk": user.pk}
    reviews = {
        "own": ContractReview.objects.create(
            ahsn=c.east,
            period_start=START,
            period_end=START.replace(month=12, day=31),
            requested_by=c.users["director"],
            status=ContractReview.Status.READY,
            pdf=b"%PDF-1.4 east",
        ),
        "other_ahsn": ContractReview.objects.create(
            ahsn=c.west,
            period_start=START,
            period_end=START.replace(month=12, day=31),
            requested_by=west_manager,
            status=ContractReview.Status.READY,
            pdf=b"%PDF-1.4 west",
        ),
    }
    kwargs["review"] = {target: {"pk": r.pk} for target, r in reviews.items()}
    # A pending invitation of a team member to each team (revoked only by who could send it).
    kwargs["invitation"] = {
        target: {
            "pk": Invitation.objects.create(
                email=f"invited-{target}@nhs.net",
                name=f"Invited to {team_}",
                role=Role.TEAM_MEMBER,
                team=team_,
                token_hash=f"{team_.pk:064d}",
                expires_at=dt.datetime(2100, 1, 1, tzinfo=dt.UTC),
            ).pk
        }
        for target, team_ in teams.items()
        if target in ("own", "peer", "other_collab", "other_ahsn")
    }
    kinds = ("collaborative", "team", "series", "cycle", "import", "user", "review", "invitation")
    for kind in kinds:
        kwargs[kind]["missing"] = {name: MISSING for name in next(iter(kwargs[kind].values()))}
    users = {name: c.users[name] for name in c.users} | {"staff": staff, "superuser": superuser}
    return World(cast=c, users=users, kwargs=kwargs, api_keys=api_keys)


TARGETS = {
    "collaborative": {"own", "other_collab", "other_ahsn", "missing"},
    "team": {"own", "peer", "other_collab", "other_ahsn", "withdrawn", "missing"},
    "series": {"own", "own_custom", "peer", "other_collab", "other_ahsn", "withdrawn", "missing"},
    "cycle": {"own", "peer", "other_collab", "other_ahsn", "withdrawn", "missing"},
    "import": {"own", "other_collab", "other_ahsn", "missing"},
    "user": {"own", "peer", "other_collab", "other_ahsn", "missing"},
    "ahsn": {"own", "other_ahsn", "missing"},  # east (the cast's AHSN), west
    "review": {"own", "other_ahsn", "missing"},  # a contract review of east, of west
    # a pending team-member invitation to alpha, beta, gamma, delta
    "invitation": {"own", "peer", "other_collab", "other_ahsn", "missing"},
    "token": {"missing"},  # a link's token that was never issued
    "none": {"-"},
}
