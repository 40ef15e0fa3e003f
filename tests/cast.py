"""A small cast for access and data tests: two AHSNs, three collaboratives, a user per role.

    east (AHSN)  leads  falls (collaborative)  with teams alpha and beta
                 leads  sepsis (collaborative) with team gamma
    west (AHSN)  leads  maternity              with team delta

Users: national, director (east), manager (east, AHSN scope), falls_manager (falls only),
faculty (falls), lead (alpha), member (alpha), beta_lead (beta), outsider (no role).
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.test import Client

from collaboratives.models import (
    AHSN,
    Collaborative,
    DriverNode,
    Organisation,
    PDSACycle,
    Team,
    Topic,
)
from governance.models import Person, Role, RoleAssignment
from measures.models import Measure, Series

PASSWORD = "cast-password"
START = dt.date(2024, 1, 1)


@dataclass
class Cast:
    east: AHSN
    west: AHSN
    falls: Collaborative
    sepsis: Collaborative
    maternity: Collaborative
    alpha: Team
    beta: Team
    gamma: Team
    delta: Team
    falls_rate: Measure
    alpha_series: Series
    beta_series: Series
    delta_series: Series
    alpha_custom_series: Series
    alpha_cycle: PDSACycle
    beta_cycle: PDSACycle
    users: dict[str, User]


def user_with_role(username: str, role: str | None = None, **scope) -> User:
    user = User.objects.create_user(username, password=PASSWORD)
    person = Person.objects.create(name=username.title(), user=user)
    if role:
        RoleAssignment.objects.create(person=person, role=role, **scope)
    return user


def event_measure(topic: Topic, *, chart=Measure.ChartType.T, **fields) -> Measure:
    """An event-dated measure: each fall with severe harm entered on its date (G or T chart,
    `chart`); `fields` adds to or overrides the rest (a name, counts_patient_events)."""
    return Measure.objects.create(
        **{
            "topic": topic,
            "name": "Days between falls with severe harm",
            "kind": Measure.Kind.OUTCOME,
            "operational_definition": "Each fall with severe harm, on its date.",
            "numerator_definition": "Falls with severe harm on that date",
            "frequency": Measure.Frequency.EVENT,
            "direction": Measure.Direction.UP,
            "chart_type": chart,
        }
        | fields
    )


def client_for(user: User) -> Client:
    """A test client already logged in as `user`."""
    client = Client()
    client.force_login(user)
    return client


def organisation(ods: str, name: str, ahsn: AHSN) -> Organisation:
    return Organisation.objects.create(
        ods_code=ods, name=name, kind=Organisation.Kind.ACUTE, ahsn=ahsn
    )


def collaborative(slug: str, lead: AHSN, topic: Topic) -> Collaborative:
    return Collaborative.objects.create(
        name=slug.title(),
        slug=slug,
        lead_ahsn=lead,
        topic=topic,
        aim_statement=f"Improve {slug} by a half by 2026.",
        phase=Collaborative.Phase.ACTIVE,
        starts_on=START,
    )


def team(collab: Collaborative, org: Organisation) -> Team:
    return Team.objects.create(collaborative=collab, organisation=org, joined_on=START)


def cycle(team_: Team, change_idea: DriverNode) -> PDSACycle:
    return PDSACycle.objects.create(
        team=team_,
        change_idea=change_idea,
        title=f"Test at {team_}",
        planned_start=START,
        planned_end=START + dt.timedelta(days=14),
    )


def change_idea(collab: Collaborative) -> DriverNode:
    aim = DriverNode.objects.create(collaborative=collab, kind="aim", title="Aim")
    primary = DriverNode.objects.create(
        collaborative=collab, parent=aim, kind="primary", title="Primary"
    )
    secondary = DriverNode.objects.create(
        collaborative=collab, parent=primary, kind="secondary", title="Secondary"
    )
    return DriverNode.objects.create(
        collaborative=collab, parent=secondary, kind="change_idea", title="Idea"
    )


def build_cast() -> Cast:
    east = AHSN.objects.create(code="EAST", name="Eastern AHSN", nhs_region="East of England")
    west = AHSN.objects.create(code="WEST", name="Western AHSN", nhs_region="South West")
    topic = Topic.objects.create(name="Falls", slug="falls")
    falls = collaborative("falls", east, topic)
    sepsis = collaborative("sepsis", east, topic)
    maternity = collaborative("maternity", west, topic)
    alpha = team(falls, organisation("RA1", "Alpha Hospitals", east))
    beta = team(falls, organisation("RB1", "Beta Hospitals", east))
    gamma = team(sepsis, organisation("RC1", "Gamma Hospitals", east))
    delta = team(maternity, organisation("RD1", "Delta Hospitals", west))
    falls_rate = Measure.objects.create(
        topic=topic,
        name="Inpatient falls per 1,000 bed days",
        kind=Measure.Kind.OUTCOME,
        operational_definition="Falls reported on the ward, per 1,000 occupied bed days.",
        numerator_definition="Falls",
        denominator_definition="Occupied bed days",
        unit="per 1,000 bed days",
        multiplier=1000,
        frequency=Measure.Frequency.MONTHLY,
        direction=Measure.Direction.DOWN,
        chart_type=Measure.ChartType.U,
    )
    custom = Measure.objects.create(
        team=alpha,
        name="Alpha's own audit",
        kind=Measure.Kind.PROCESS,
        operational_definition="Alpha's bedside audit.",
        numerator_definition="Audits done",
        frequency=Measure.Frequency.WEEKLY,
        direction=Measure.Direction.UP,
        chart_type=Measure.ChartType.RUN,
    )
    falls_idea = change_idea(falls)
    users = {
        "national": user_with_role("national", Role.NATIONAL_VIEWER),
        "director": user_with_role("director", Role.AHSN_DIRECTOR, ahsn=east),
        "manager": user_with_role("manager", Role.IMPROVEMENT_MANAGER, ahsn=east),
        "falls_manager": user_with_role(
            "falls_manager", Role.IMPROVEMENT_MANAGER, collaborative=falls
        ),
        "faculty": user_with_role("faculty", Role.CLINICAL_LEAD, collaborative=falls),
        "lead": user_with_role("lead", Role.TRUST_LEAD, team=alpha),
        "member": user_with_role("member", Role.TEAM_MEMBER, team=alpha),
        "beta_lead": user_with_role("beta_lead", Role.TRUST_LEAD, team=beta),
        "outsider": user_with_role("outsider"),
    }
    return Cast(
        east=east,
        west=west,
        falls=falls,
        sepsis=sepsis,
        maternity=maternity,
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        delta=delta,
        falls_rate=falls_rate,
        alpha_series=Series.objects.create(team=alpha, measure=falls_rate),
        beta_series=Series.objects.create(team=beta, measure=falls_rate),
        delta_series=Series.objects.create(team=delta, measure=falls_rate),
        alpha_custom_series=Series.objects.create(team=alpha, measure=custom),
        alpha_cycle=cycle(alpha, falls_idea),
        beta_cycle=cycle(beta, falls_idea),
        users=users,
    )
