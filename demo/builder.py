"""Turn a scenario (`scenarios.py`) into rows.

Everything is derived from stable strings (AHSN codes, collaborative slugs, ODS codes,
unit and measure names) and `today`, never from primary keys or the clock, so two
databases seeded with the same `--today` hold the same rows. Structure is written with
`bulk_create` (one query per model and batch, whatever the scale); data points only
through `measures.bulk.seed_load_points` (validated like any write; COPY on PostgreSQL),
one call per chunk of series, each revision dated when its team entered it.

Steps (`seed()`): AHSNs, organisations, topics and measure libraries, people who log
in, collaboratives with their staff, teams and their people, measure sets and stretch
targets, the calendar with attendance, driver diagrams, PDSA ramps, assessments, design
records, series with annotations, then the data.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import os
import random
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import connection, connections, transaction

import collaboratives
from collaboratives import workflows
from collaboratives.models import (
    AHSN,
    Attendance,
    Collaborative,
    DesignRecord,
    DesignRecordEntry,
    DriverNode,
    LearningEvent,
    Organisation,
    PDSACycle,
    PhaseChange,
    StretchTarget,
    Team,
    TeamAssessment,
    TeamMembership,
    Topic,
    pseudonym_labels,
)
from demo import content, names, simulate
from demo.content import Idea, MeasureSpec, TopicSpec
from demo.scenarios import CollabSpec, Scale
from governance.models import Person, Role, RoleAssignment
from measures.bulk import seed_load_points
from measures.models import (
    Annotation,
    CollaborativeMeasure,
    Measure,
    Phase,
    PointMark,
    Series,
)
from measures.periods import period_start_for
from measures.writes import PointChange

AHSNS_CSV = Path(collaboratives.__file__).resolve().parent / "data" / "ahsns.csv"
DEMO_PASSWORD = "collab-demo"
BATCH = 2000
DAY = dt.timedelta(days=1)
CYCLE_DAYS = dt.timedelta(days=14)  # two-week PDSA cycles, back to back in a ramp
OUTCOME_LAG = dt.timedelta(days=simulate.OUTCOME_RAMP_DAYS)
NOTE_FOR_PATTERN = {
    "I": "improver",
    "F": "fader",
    "L": "late",
    "S": "stable",
    "W": "stable",
    "D": "recovered",
    "J": "stable",
}
# A fading team's gain starts to slip this long after its change (simulate.FADE_DAYS later
# it is gone), and only where at least FADED_DAYS of data are left after it: the latest six
# months must be back at the baseline for the verdict to read "not sustained".
FADE_AFTER = dt.timedelta(days=105)
FADED_DAYS = dt.timedelta(days=195)
# A recovered deterioration (pattern D): a sharp three months worse (beyond the limits, too
# short for a run to carry on into the months after), then back to usual for the latest six
# and more, so the verdict reads "no change", with a signal of concern in the past.
WORSE_FROM = dt.timedelta(days=300)
WORSE_UNTIL = dt.timedelta(days=210)
# A team that joined recently (pattern J) has only a few months of data: too few to judge.
JOINED_DAYS = (100, 130)
UTC = dt.UTC


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    job_title: str
    role: str | None


DEMO_USERS = (
    DemoUser(
        "national",
        "Helen Okafor",
        "Head of patient safety improvement, NHS England",
        Role.NATIONAL_VIEWER,
    ),
    DemoUser(
        "director",
        "Dr Rachel Whitmore",
        "Director of patient safety and quality improvement",
        Role.AHSN_DIRECTOR,
    ),
    DemoUser("manager", "Tom Adeyemi", "Improvement manager", Role.IMPROVEMENT_MANAGER),
    DemoUser(
        "faculty", "Dr Sunita Rao", "Consultant geriatrician, clinical co-lead", Role.CLINICAL_LEAD
    ),
    DemoUser("lead", "Claire Donnelly", "Ward manager", Role.TRUST_LEAD),
    DemoUser("member", "Ben Hughes", "Physiotherapist", Role.TEAM_MEMBER),
    DemoUser("admin", "Alex Morgan", "Collab administrator", None),
)


# --- Dates -----------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def on_weekday(day: dt.date, weekday: int) -> dt.date:
    """The first `weekday` (0 = Monday) on or after `day`."""
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def at_ten(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=UTC)


@dataclass(frozen=True)
class Timeline:
    starts: dt.date
    ends: dt.date
    last_day: dt.date  # the last day whose data exist

    @classmethod
    def for_phase(cls, phase: str, today: dt.date) -> Timeline:
        month = today.replace(day=1)
        if phase == "active":
            starts = add_months(month, -11)
            ends = add_months(starts, 20) - DAY
        elif phase == "sustain":
            starts = add_months(month, -12)
            ends = add_months(starts, 18) - DAY
        elif phase == "closed":
            ends = add_months(month, -2) - DAY
            starts = add_months(ends + DAY, -12)
        else:
            starts = add_months(month, 2)
            ends = add_months(starts, 18) - DAY
        return cls(starts, ends, min(today - DAY, ends))


# --- What the builder keeps about what it made --------------------------------------------


@dataclass
class TeamRec:
    index: int
    key: str
    pattern: str
    obj: Team
    kind: str
    lead: Person
    sponsor: Person
    members: list[tuple[Person, str, dt.date, dt.date | None]] = field(default_factory=list)
    traj: simulate.Trajectory | None = None
    idea: Idea | None = None  # the idea the team adopts (or tests, for stable teams)
    cycles: int = 0


@dataclass
class CollabRec:
    spec: CollabSpec
    topic: TopicSpec
    timeline: Timeline
    obj: Collaborative
    measure_set: list[tuple[str, bool]]
    manager: Person | None = None
    faculty: list[Person] = field(default_factory=list)
    teams: list[TeamRec] = field(default_factory=list)
    ideas: dict[str, DriverNode] = field(default_factory=dict)
    secondaries: list[DriverNode] = field(default_factory=list)
    target: Decimal | None = None

    @property
    def stretch_key(self) -> str:
        return self.spec.stretch_measure or self.topic.primary_outcome


@dataclass(frozen=True)
class SeriesTask:
    """One series to write: enough to rebuild its points in any process."""

    series_id: int
    team_id: int
    measure_id: int
    spec: MeasureSpec
    key: str
    traj: simulate.Trajectory


@dataclass
class Summary:
    collaboratives: int = 0
    teams: int = 0
    series: int = 0
    points: int = 0
    seconds: float = 0.0


def bulk(model, objs: list, batch_size: int = BATCH) -> list:
    if objs:
        model.objects.bulk_create(objs, batch_size=batch_size)
    return objs


# --- The builder -----------------------------------------------------------------------------


class PartlyWritten(Exception):
    """Parallel workers failed after committing some chunks of data."""


class Builder:
    def __init__(
        self,
        scale: Scale,
        today: dt.date,
        *,
        say: Callable[[str], None] = print,
        usable_passwords: bool = True,
        workers: int = 1,
    ):
        self.scale = scale
        self.today = today
        self.say = say
        self.usable_passwords = usable_passwords
        self.workers = workers
        self.started = time.perf_counter()
        self.ahsns: dict[str, AHSN] = {}
        # (AHSN code, kind) -> [(organisation, its place name)]
        self.orgs: dict[tuple[str, str], list[tuple[Organisation, str]]] = {}
        self.topics: dict[str, Topic] = {}
        self.measures: dict[tuple[str, str], Measure] = {}  # (topic slug, key) -> measure
        self.users: dict[str, User] = {}
        self.people: dict[str, Person] = {}  # demo username -> person
        self.collabs: list[CollabRec] = []
        self.role_rows: list[tuple[Person, str, dict]] = []
        self.summary = Summary()

    # Steps ------------------------------------------------------------------------------------

    def seed(self) -> Summary:
        """Build everything. Structure in one transaction; data in the same one unless
        parallel workers write it (then in one transaction per chunk of series)."""
        parallel = self.workers > 1
        with transaction.atomic():
            self.build_structure()
            tasks = self.build_series()
            if not parallel:
                self.write_data(tasks)
        if parallel:
            try:
                self.write_data(tasks)
            except Exception as e:
                raise PartlyWritten(str(e)) from e
        self.summary.seconds = time.perf_counter() - self.started
        return self.summary

    def build_structure(self) -> None:
        self.make_ahsns()
        self.make_organisations()
        self.make_topics()
        self.make_users()
        self.make_collaboratives()
        self.make_staff()
        self.make_teams()
        self.make_measure_sets()
        self.make_events()
        self.make_driver_diagrams()
        self.make_cycles()
        self.make_assessments()
        self.make_design_records()

    def stage(self, text: str) -> None:
        self.say(f"[{time.perf_counter() - self.started:6.1f}s] {text}")

    # AHSNs and organisations ------------------------------------------------------------------

    def make_ahsns(self) -> None:
        with AHSNS_CSV.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        objs = bulk(
            AHSN,
            [
                AHSN(
                    code=row["code"],
                    name=row["name"],
                    later_name=row["later_name"],
                    nhs_region=row["nhs_region"],
                )
                for row in rows
            ],
        )
        self.ahsns = {a.code: a for a in objs}
        missing = {
            code for spec in self.scale.collaboratives for code in (spec.lead, *spec.partners)
        } - set(self.ahsns)
        if missing:
            raise ValueError(f"The scenario names AHSNs missing from ahsns.csv: {missing}")
        self.stage(f"AHSNs: {len(objs)} from {AHSNS_CSV.name}")

    def make_organisations(self) -> None:
        places = names.Places("places")
        codes = names.Codes()
        drafts = []
        for a, (code, ahsn) in enumerate(self.ahsns.items()):
            letter = names.PRACTICE_LETTERS[a % len(names.PRACTICE_LETTERS)]
            for kind, count in self.scale.organisations.items():
                for i in range(count):
                    rng = random.Random(f"org:{code}:{kind}:{i}")
                    place, other = places.next(), places.next()
                    ods = codes.for_kind(kind, letter)
                    name = names.organisation_name(kind, place, other, rng)
                    drafts.append(
                        (Organisation(ods_code=ods, name=name, kind=kind, ahsn=ahsn), place)
                    )
        bulk(Organisation, [org for org, _ in drafts])
        for org, place in drafts:
            self.orgs.setdefault((org.ahsn.code, org.kind), []).append((org, place))
        self.stage(f"Organisations: {len(drafts)} of {len(self.scale.organisations)} kinds")

    def make_topics(self) -> None:
        topics = bulk(
            Topic,
            [
                Topic(name=t.name, slug=t.slug, kind=t.kind, evidence_summary=t.evidence)
                for t in content.TOPICS
            ],
        )
        self.topics = {t.slug: t for t in topics}
        measures = []
        for topic in content.TOPICS:
            for spec in topic.measures:
                measures.append(
                    (topic.slug, spec, self.measure_obj(spec, topic=self.topics[topic.slug]))
                )
        bulk(Measure, [m for _, _, m in measures])
        self.measures = {(slug, spec.key): m for slug, spec, m in measures}
        self.stage(f"Topics: {len(topics)}, with {len(measures)} library measures")

    @staticmethod
    def measure_obj(spec: MeasureSpec, **owner) -> Measure:
        return Measure(
            **owner,
            name=spec.name,
            kind=spec.kind,
            operational_definition=spec.operational_definition,
            numerator_definition=spec.numerator,
            denominator_definition=spec.denominator,
            unit=spec.unit,
            multiplier=spec.multiplier,
            frequency=spec.frequency,
            direction=spec.direction,
            chart_type=spec.chart,
            counts_people=spec.counts_people,
            counts_patient_events=spec.counts_patient_events,
        )

    # People who log in ------------------------------------------------------------------------

    def make_users(self) -> None:
        users = []
        # One hash for all: the password is printed on screen anyway, and hashing it seven
        # times costs seconds with the production hasher.
        password = make_password(DEMO_PASSWORD if self.usable_passwords else None)
        for demo in DEMO_USERS:
            first, _, last = demo.name.removeprefix("Dr ").partition(" ")
            user = User(
                username=demo.username,
                first_name=first,
                last_name=last,
                email=names.email_for(demo.name),
                is_staff=demo.username == "admin",
                is_superuser=demo.username == "admin",
            )
            user.password = password
            users.append(user)
        bulk(User, users)
        self.users = {u.username: u for u in users}
        self.stage(f"Demo users: {', '.join(self.users)}")

    def demo_person(self, username: str, organisation: Organisation | None = None) -> Person:
        demo = next(d for d in DEMO_USERS if d.username == username)
        person = Person(
            name=demo.name,
            email=names.email_for(demo.name),
            job_title=demo.job_title,
            organisation=organisation,
            user=self.users[username],
        )
        self.people[username] = person
        return person

    # Collaboratives and the AHSN staff who run them -------------------------------------------

    def make_collaboratives(self) -> None:
        objs = []
        for spec in self.scale.collaboratives:
            topic = content.TOPICS_BY_SLUG[spec.topic]
            timeline = Timeline.for_phase(spec.phase, self.today)
            measure_set = list(spec.measures or topic.default_set)
            if spec.phase == "preparation" and spec.measures is None:
                # Before the start only routinely collected data exist: no process audits yet.
                measure_set = [(k, m) for k, m in measure_set if topic.measure(k).kind != "process"]
            obj = Collaborative(
                name=spec.name,
                slug=spec.slug,
                lead_ahsn=self.ahsns[spec.lead],
                topic=self.topics[spec.topic],
                aim_statement="",  # filled in once the stretch target is known
                phase=Collaborative.Phase.PREPARATION,  # moved on to its phase below
                starts_on=timeline.starts,
                ends_on=timeline.ends,
                rule_convention=spec.convention,
                shift_length=spec.rule_lengths[0],
                trend_length=spec.rule_lengths[1],
                members_named_by_default=spec.named_by_default,
                data_due_days=spec.data_due_days,
            )
            objs.append(obj)
            self.collabs.append(CollabRec(spec, topic, timeline, obj, measure_set))
        moves = [move for rec in self.collabs for move in self.move_phases(rec)]
        bulk(Collaborative, objs)
        through = Collaborative.partner_ahsns.through
        bulk(
            through,
            [
                through(collaborative_id=rec.obj.id, ahsn_id=self.ahsns[code].id)
                for rec in self.collabs
                for code in rec.spec.partners
            ],
        )
        bulk(PhaseChange, moves)
        phases = {}
        for rec in self.collabs:
            phases[rec.spec.phase] = phases.get(rec.spec.phase, 0) + 1
        self.summary.collaboratives = len(objs)
        self.stage(
            f"Collaboratives: {len(objs)} ("
            + ", ".join(f"{n} {phase}" for phase, n in sorted(phases.items()))
            + ")"
        )

    def move_phases(self, rec: CollabRec) -> list[PhaseChange]:
        """Move the collaborative from preparation to its phase, each move on its date and
        by the workflows' rule (`phase_move`); return the kept moves, not yet saved."""
        t, phase = rec.timeline, rec.spec.phase
        path = ["preparation", "active", "sustain", "closed"]
        dates = {"active": t.starts, "sustain": add_months(t.starts, 11), "closed": t.ends}
        if phase == "closed":
            dates["sustain"] = add_months(t.starts, 9)
        by = self.users["manager"] if rec.spec.lead == self.showcase.spec.lead else None
        moves = []
        for after in path[1 : path.index(phase) + 1]:
            move, _ = workflows.phase_move(
                collaborative=rec.obj, to_phase=after, on=min(dates[after], self.today), by=by
            )
            moves.append(move)
        return moves

    @property
    def showcase(self) -> CollabRec:
        return next(rec for rec in self.collabs if rec.spec.slug == self.scale.showcase)

    def make_staff(self) -> None:
        """Directors, improvement managers and clinical co-leads, with their roles."""
        people, roles = [], []
        showcase_ahsn = self.showcase.spec.lead
        managers: dict[str, list[Person]] = {}
        for code, ahsn in self.ahsns.items():
            rng = random.Random(f"staff:{code}")
            if code == showcase_ahsn:
                director = self.demo_person("director")
                pool = [self.demo_person("manager")]
            else:
                director = Person(
                    name=names.person_name(rng, "Director"),
                    job_title="Director of patient safety and quality improvement",
                )
                pool = []
            while len(pool) < 3:
                pool.append(Person(name=names.person_name(rng), job_title="Improvement manager"))
            for person in (director, *pool):
                person.email = person.email or names.email_for(person.name)
            people += [director, *pool]
            managers[code] = pool
            roles.append((director, Role.AHSN_DIRECTOR, {"ahsn": ahsn}))
        roles.append(
            (self.people["manager"], Role.IMPROVEMENT_MANAGER, {"ahsn": self.ahsns[showcase_ahsn]})
        )
        national = self.demo_person("national")
        admin = self.demo_person("admin")
        people += [national, admin]
        roles.append((national, Role.NATIONAL_VIEWER, {}))

        seen: dict[str, int] = {}
        for rec in self.collabs:
            code = rec.spec.lead
            n = seen.get(code, 0)
            seen[code] = n + 1
            rec.manager = managers[code][n % 3]
            if rec.manager is not self.people["manager"]:  # who holds the AHSN scope
                roles.append((rec.manager, Role.IMPROVEMENT_MANAGER, {"collaborative": rec.obj}))
            rng = random.Random(f"faculty:{rec.spec.slug}")
            titles = [r for r in rec.topic.member_roles if "onsultant" in r or "specialist" in r]
            titles = titles or list(rec.topic.member_roles)
            acute = self.orgs.get((code, "acute"), [(None, "")])
            for i in range(2):
                if rec is self.showcase and i == 0:
                    person = self.demo_person("faculty", organisation=acute[0][0])
                else:
                    job = f"{rng.choice(titles)}, clinical co-lead"
                    person = Person(
                        name=names.person_name(rng, job),
                        job_title=job,
                        organisation=acute[i % len(acute)][0],
                    )
                    person.email = names.email_for(person.name)
                    people.append(person)
                rec.faculty.append(person)
                roles.append((person, Role.CLINICAL_LEAD, {"collaborative": rec.obj}))
        people.append(self.people["faculty"])
        bulk(Person, people)
        self.role_rows = roles
        self.stage(f"AHSN staff and faculty: {len(people)} people")

    # Teams ------------------------------------------------------------------------------------

    def team_slots(self, rec: CollabRec):
        """(organisation, place, unit) for each team, round-robin over the region's
        organisations of each kind so that teams spread across trusts and homes."""
        spec, topic = rec.spec, rec.topic
        iterators: dict[tuple[str, str], object] = {}

        def slots(region: str, kind: str):
            orgs = self.orgs.get((region, kind), [])
            style = topic.units.get(kind, "whole")
            lists = []
            for org, place in orgs:
                units = list(names.units(style, place))
                # Each organisation offers its units in its own order, so teams vary.
                random.Random(f"units:{org.ods_code}:{style}").shuffle(units)
                lists.append((org, place, units))
            depth = max((len(units) for *_, units in lists), default=0)
            for j in range(depth):
                for org, place, units in lists:
                    if j < len(units):
                        yield org, place, units[j]

        def take(region: str, kind: str):
            key = (region, kind)
            if key not in iterators:
                iterators[key] = slots(region, kind)
            return next(iterators[key], None)

        for i in range(len(spec.patterns)):
            kind = spec.team_kinds[i % len(spec.team_kinds)]
            region = spec.lead
            if spec.partners and i % 3 == 2:
                region = spec.partners[(i // 3) % len(spec.partners)]
            slot = take(region, kind) or take(spec.lead, kind) or take(spec.lead, "acute")
            if slot is None:
                raise ValueError(f"Not enough organisations for {spec.slug}: add some to the scale")
            yield kind, slot

    def make_teams(self) -> None:
        teams, people = [], []
        for rec in self.collabs:
            labels = pseudonym_labels(rec.spec.slug)
            for i, (kind, (org, _place, unit)) in enumerate(self.team_slots(rec)):
                team = self.plan_team(rec, i, kind, org, unit, f"Team {next(labels)}")
                rec.teams.append(team)
                teams.append(team.obj)
                people += [team.lead, team.sponsor]
                people += [person for person, *_ in team.members]
        # Each person joins by the workflows' rule (`membership_join`): the lead and the
        # sponsor who join become the team's own before the teams are saved.
        memberships = []
        for rec in self.collabs:
            for team in rec.teams:
                joins = [
                    (team.lead, TeamMembership.Role.LEAD, team.obj.joined_on, None),
                    (team.sponsor, TeamMembership.Role.SPONSOR, team.obj.joined_on, None),
                    *team.members,
                ]
                for person, role, joined, left in joins:
                    membership, _ = workflows.membership_join(
                        team=team.obj, person=person, role=role, joined_on=joined, left_on=left
                    )
                    memberships.append(membership)
        bulk(Person, [p for p in people if p.pk is None])
        bulk(Team, teams)
        bulk(TeamMembership, memberships)
        showcase_team = self.showcase.teams[0].obj
        self.role_rows += [
            (self.people["lead"], Role.TRUST_LEAD, {"team": showcase_team}),
            (self.people["member"], Role.TEAM_MEMBER, {"team": showcase_team}),
        ]
        bulk(
            RoleAssignment,
            [RoleAssignment(person=p, role=role, **scope) for p, role, scope in self.role_rows],
        )
        self.summary.teams = len(teams)
        self.stage(
            f"Teams: {len(teams)}, with {len(people)} people and {len(memberships)} memberships"
        )

    def plan_team(
        self, rec: CollabRec, index: int, kind: str, org: Organisation, unit: str, pseudonym: str
    ) -> TeamRec:
        """The team, its people and what its data will show."""
        spec, timeline, today = rec.spec, rec.timeline, self.today
        key = f"{spec.slug}|{org.ods_code}|{unit}"
        rng = random.Random(f"team:{key}")
        showcase = rec is self.showcase and index == 0
        pattern = spec.patterns[index]
        if pattern == "L" and spec.phase != "active":
            pattern = "S"
        if pattern == "F" and spec.phase in ("active", "preparation"):
            pattern = "I"
        if spec.phase == "preparation":
            pattern = "S"

        if spec.phase == "preparation":
            joined = today - dt.timedelta(days=rng.randint(20, 70))
        elif pattern == "J":
            joined = timeline.last_day - dt.timedelta(days=rng.randint(*JOINED_DAYS))
        elif not showcase and pattern not in ("F", "D") and rng.random() < 0.12:
            # (a fading or recovering team's story needs the whole year: it joined on time)
            joined = timeline.starts + dt.timedelta(days=rng.randint(30, 60))
        else:
            joined = timeline.starts - dt.timedelta(days=rng.randint(14, 45))

        last_day = timeline.last_day
        withdrawn = None
        if pattern == "W":
            withdrawn = min(
                timeline.starts + dt.timedelta(days=rng.randint(150, 280)), last_day - 30 * DAY
            )
            withdrawn = max(withdrawn, joined + 30 * DAY)
            last_day = withdrawn

        change = ramp_start = fade = None
        cycles = rng.choice((3, 4))
        if pattern in ("I", "F"):
            latest = last_day - dt.timedelta(days=240)
            # A fader adopts its change as early as its ramp allows: its gain has to hold
            # and then go, within the collaborative's year.
            after = 0 if pattern == "F" else rng.randint(45, 90)
            change = min(timeline.starts + dt.timedelta(days=after), latest)
            change = max(change, timeline.starts + CYCLE_DAYS * cycles + 7 * DAY)
            change = max(change, joined + CYCLE_DAYS * cycles + 14 * DAY)
        elif pattern == "L":
            change = today - dt.timedelta(days=rng.randint(35, 75))
        if change is not None:
            ramp_start = change - CYCLE_DAYS * cycles
        if pattern == "F" and change is not None:
            fade = change + FADE_AFTER
            if fade > last_day - FADED_DAYS:
                fade = None
        worse_from = worse_until = balancing_from = balancing_eases = None
        if pattern == "D":
            worse_from, worse_until = last_day - WORSE_FROM, last_day - WORSE_UNTIL
        if pattern == "I" and index == 0 and change is not None:
            # The first improver's change had a cost its balancing measures show (more bed
            # rails raised to stop falls): worse since, easing for the last five months.
            balancing_from = change + 30 * DAY
            balancing_eases = last_day - dt.timedelta(days=simulate.BALANCING_EASE_DAYS)
            if balancing_eases < balancing_from + 120 * DAY:
                balancing_eases = None

        missing = 0
        # Teams whose story is in their latest months send them all.
        story = pattern in ("D", "J") or fade is not None
        reports = not showcase and spec.phase in ("active", "sustain") and withdrawn is None
        if reports and not story and (index == len(spec.patterns) - 1 or rng.random() < 0.15):
            missing = rng.randint(1, 3)
        first_day = add_months(last_day, -self.scale.history_months) + DAY
        if pattern == "J":
            first_day = joined.replace(day=1)
        traj = simulate.Trajectory(
            pattern=pattern,
            first_day=first_day,
            last_day=last_day,
            ramp_start=ramp_start,
            change=change,
            fade=fade,
            missing_recent=missing,
            worse_from=worse_from,
            worse_until=worse_until,
            balancing_from=balancing_from,
            balancing_eases=balancing_eases,
        )

        lead_job = rng.choice(names.LEAD_TITLES[kind])
        sponsor_job = rng.choice(names.SPONSOR_TITLES[kind])
        if showcase:
            lead = self.demo_person("lead", organisation=org)
        else:
            lead = self.person(rng, lead_job, org)
        sponsor = self.person(rng, sponsor_job, org)
        members = []
        for role in (TeamMembership.Role.DATA, TeamMembership.Role.CLINICAL):
            members.append(
                (self.person(rng, rng.choice(rec.topic.member_roles), org), role, joined, None)
            )
        for _ in range(rng.randint(0, 2)):
            members.append(
                (
                    self.person(rng, rng.choice(rec.topic.member_roles), org),
                    TeamMembership.Role.MEMBER,
                    joined + dt.timedelta(days=rng.randint(0, 90)),
                    None,
                )
            )
        if showcase:
            members.append((self.demo_person("member", organisation=org), "member", joined, None))
        elif rng.random() < 0.3 and spec.phase != "preparation":
            # Someone moved on and was replaced: the unstable membership the review warns of.
            person, role, start, _ = members[0]
            left = min(start + dt.timedelta(days=rng.randint(120, 300)), last_day)
            members[0] = (person, role, start, left)
            if left + 14 * DAY <= today:
                members.append(
                    (self.person(rng, person.job_title, org), role, left + 14 * DAY, None)
                )
        members = [m for m in members if m[2] <= today]

        consent = (None, True, False)[rng.randint(0, 2)] if not showcase else True
        team = Team(
            collaborative=rec.obj,
            organisation=org,
            unit=unit,
            status=Team.Status.WITHDRAWN if withdrawn else Team.Status.ACTIVE,
            consents_to_be_named=consent,
            pseudonym=pseudonym,
            joined_on=joined,
            withdrawn_on=withdrawn,
        )
        ideas = list(rec.topic.ideas())
        if pattern in ("I", "F", "L"):
            idea = rec.topic.idea(rec.topic.key_ideas[index % len(rec.topic.key_ideas)])
        else:
            idea = ideas[rng.randrange(len(ideas))]
        return TeamRec(index, key, pattern, team, kind, lead, sponsor, members, traj, idea, cycles)

    @staticmethod
    def person(rng: random.Random, job: str, org: Organisation) -> Person:
        name = names.person_name(rng, job)
        return Person(name=name, email=names.email_for(name), job_title=job, organisation=org)

    # Measure sets, stretch targets and aims ---------------------------------------------------

    def make_measure_sets(self) -> None:
        rows, targets = [], []
        for rec in self.collabs:
            self.set_target(rec, targets)
            for position, (key, mandatory) in enumerate(rec.measure_set):
                rows.append(
                    CollaborativeMeasure(
                        collaborative=rec.obj,
                        measure=self.measures[(rec.topic.slug, key)],
                        mandatory=mandatory,
                        target=rec.target if key == rec.stretch_key else None,
                        position=position,
                    )
                )
        bulk(CollaborativeMeasure, rows)
        bulk(StretchTarget, targets)
        Collaborative.objects.bulk_update([rec.obj for rec in self.collabs], ["aim_statement"])
        self.stage(f"Measure sets: {len(rows)} measures; {len(targets)} stretch target settings")

    def set_target(self, rec: CollabRec, targets: list) -> None:
        spec, timeline = rec.spec, rec.timeline
        measure_spec = rec.topic.measure(rec.stretch_key)
        values = [
            simulate.expected_baseline(f"{team.key}|{measure_spec.key}", measure_spec)
            for team in rec.teams
        ]
        baseline = sum(values) / len(values)
        if measure_spec.direction == "down":
            target = baseline * (1 - spec.target_change)
        else:
            target = baseline * (1 + spec.target_change)
            if measure_spec.sim.model == "proportion":
                target = min(target, 0.97 * measure_spec.multiplier)
        places = "0.01" if baseline < 10 else "0.1"
        baseline_d = Decimal(str(baseline)).quantize(Decimal(places))
        target_d = Decimal(str(target)).quantize(Decimal(places))
        rec.target = target_d

        first = rec.teams[0].traj.first_day.replace(day=1)
        baseline_end = timeline.starts - DAY
        if baseline_end <= first:
            baseline_end = self.today.replace(day=1) - DAY
            first = add_months(baseline_end + DAY, -12)
        final_date = timeline.ends
        common = {
            "collaborative": rec.obj,
            "measure": self.measures[(rec.topic.slug, rec.stretch_key)],
            "baseline_value": baseline_d,
            "baseline_period_start": first,
            "baseline_period_end": baseline_end,
            "target_value": target_d,
            "set_by": self.users["manager"] if rec is self.showcase else None,
        }
        set_on = timeline.starts - dt.timedelta(days=21)
        if spec.target_moved:
            moved_on = min(timeline.starts + dt.timedelta(days=200), self.today - DAY)
            targets.append(
                StretchTarget(
                    **common,
                    target_date=min(add_months(timeline.starts, 12) - DAY, final_date),
                    reason="Agreed with the teams at the expert meeting before enrolment.",
                    set_at=at_ten(set_on),
                )
            )
            targets.append(
                StretchTarget(
                    **common,
                    target_date=final_date,
                    reason=spec.target_moved,
                    set_at=at_ten(moved_on),
                )
            )
        else:
            targets.append(
                StretchTarget(
                    **common,
                    target_date=final_date,
                    reason="Agreed with the teams at the expert meeting before enrolment.",
                    set_at=at_ten(set_on),
                )
            )
        unit = measure_spec.unit
        unit_text = unit if unit in ("%", "") else unit
        words = {
            "baseline": f"{baseline_d}",
            "target": f"{target_d}",
            "unit": unit_text,
            "by": f"{final_date:%B %Y}",
        }
        if spec.aim:
            rec.obj.aim_statement = spec.aim.format(**words)
        else:
            percent = "%" if unit == "%" else ""
            suffix = "" if unit in ("%", "") else f" {unit}"
            rec.obj.aim_statement = (
                f"{measure_spec.name} across the participating teams: from {baseline_d}{percent} "
                f"to {target_d}{percent}{suffix} by {words['by']}."
            )

    # Calendar ---------------------------------------------------------------------------------

    def make_events(self) -> None:
        events, attendance = [], []
        for rec in self.collabs:
            for event in self.plan_events(rec):
                events.append(event)
        bulk(LearningEvent, events)
        by_collab: dict[int, list[LearningEvent]] = {}
        for event in events:
            by_collab.setdefault(event.collaborative_id, []).append(event)
        for rec in self.collabs:
            for event in by_collab.get(rec.obj.id, []):
                if event.kind == LearningEvent.Kind.ACTION_PERIOD or event.starts_on >= self.today:
                    continue
                attendance += self.attend(rec, event)
        bulk(Attendance, attendance)
        self.stage(f"Calendar: {len(events)} events, {len(attendance)} attendances")

    def plan_events(self, rec: CollabRec) -> list[LearningEvent]:
        t, topic = rec.timeline, rec.topic
        kind = LearningEvent.Kind

        def event(k: str, title: str, starts: dt.date, ends: dt.date | None = None):
            return LearningEvent(
                collaborative=rec.obj, kind=k, title=title, starts_on=starts, ends_on=ends or starts
            )

        sessions = [on_weekday(add_months(t.starts, m), 1) for m in (0, 4, 8)]
        congress = on_weekday(add_months(t.starts, 13), 1)
        out = []
        if rec.spec.phase == "preparation":
            out.append(event(kind.WEBINAR, "Launch webinar: what to expect", self.today - 20 * DAY))
        titles = ("Learning session 1: launch", "Learning session 2", "Learning session 3")
        for n, (day, title) in enumerate(zip(sessions, titles, strict=True)):
            out.append(event(kind.LEARNING_SESSION, title, day))
            following = sessions[n + 1] if n + 1 < len(sessions) else congress
            out.append(
                event(kind.ACTION_PERIOD, f"Action period {n + 1}", day + DAY, following - DAY)
            )
        out.append(event(kind.LEARNING_SESSION, "Summative congress", congress))
        webinar_day = on_weekday(add_months(t.starts, 1).replace(day=8), 3)
        w = 0
        while webinar_day < congress:
            if all(abs((webinar_day - s).days) > 10 for s in sessions):
                title = topic.webinars[w % len(topic.webinars)]
                out.append(event(kind.WEBINAR, f"Webinar: {title}", webinar_day))
                w += 1
            webinar_day = on_weekday(add_months(webinar_day.replace(day=1), 1).replace(day=8), 3)
        if rec.spec.phase in ("sustain", "closed"):
            out.append(
                event(
                    kind.WEBINAR, "Holding the gains: sustain and spread", add_months(congress, 3)
                )
            )
        return [e for e in out if e.starts_on <= t.ends]

    def attend(self, rec: CollabRec, event: LearningEvent) -> list[Attendance]:
        rng = random.Random(f"attend:{rec.spec.slug}:{event.title}:{event.starts_on}")
        sponsors = random.Random(f"sponsors:{rec.spec.slug}:{event.title}:{event.starts_on}")
        session = event.kind == LearningEvent.Kind.LEARNING_SESSION
        out, seen = [], set()

        def add(person: Person, team: Team | None):
            if person.id not in seen:
                seen.add(person.id)
                out.append(Attendance(event=event, person=person, team=team))

        for person in rec.faculty[: 2 if session else 1]:
            add(person, None)
        if rec.manager is not None:
            add(rec.manager, None)
        day = event.starts_on
        for team in rec.teams:
            obj = team.obj
            if obj.joined_on > day or (obj.withdrawn_on and obj.withdrawn_on < day):
                continue
            keen = 0.95 if team.pattern in ("I", "L") else 0.7
            if rng.random() < (keen if session else keen - 0.35):
                add(team.lead, obj)
            # Senior sponsors come to some learning sessions (their own draw, so the rest
            # of the attendance is as it was): the engagement figures count them.
            if session and sponsors.random() < (0.6 if team.pattern in ("I", "L") else 0.35):
                add(team.sponsor, obj)
            for person, _, joined, left in team.members:
                present = joined <= day and (left is None or left >= day)
                if present and rng.random() < (0.45 if session else 0.2):
                    add(person, obj)
        return out

    # Driver diagrams and PDSA ramps -----------------------------------------------------------

    def make_driver_diagrams(self) -> None:
        levels: list[list[tuple[DriverNode, CollabRec, object]]] = [[], [], [], []]
        for rec in self.collabs:
            aim = DriverNode(
                collaborative=rec.obj,
                kind=DriverNode.Kind.AIM,
                title=rec.obj.aim_statement[:300],
                position=0,
            )
            levels[0].append((aim, rec, None))
        bulk(DriverNode, [n for n, *_ in levels[0]])
        for aim, rec, _ in levels[0]:
            for p, primary in enumerate(rec.topic.primaries):
                node = DriverNode(
                    collaborative=rec.obj,
                    parent=aim,
                    kind=DriverNode.Kind.PRIMARY,
                    title=primary.title,
                    position=p,
                )
                levels[1].append((node, rec, primary))
        bulk(DriverNode, [n for n, *_ in levels[1]])
        for parent, rec, primary in levels[1]:
            for s, secondary in enumerate(primary.secondaries):
                node = DriverNode(
                    collaborative=rec.obj,
                    parent=parent,
                    kind=DriverNode.Kind.SECONDARY,
                    title=secondary.title,
                    position=s,
                )
                levels[2].append((node, rec, secondary))
                rec.secondaries.append(node)
        bulk(DriverNode, [n for n, *_ in levels[2]])
        for parent, rec, secondary in levels[2]:
            for i, idea in enumerate(secondary.ideas):
                node = DriverNode(
                    collaborative=rec.obj,
                    parent=parent,
                    kind=DriverNode.Kind.CHANGE_IDEA,
                    title=idea.title,
                    description=idea.description,
                    position=i,
                )
                levels[3].append((node, rec, idea))
                rec.ideas[idea.title] = node
        for rec in self.collabs:
            local = self.local_team(rec)
            if local is not None:
                title, description = content.LOCAL_IDEAS[rec.topic.slug]
                node = DriverNode(
                    collaborative=rec.obj,
                    parent=rec.secondaries[-1],
                    kind=DriverNode.Kind.CHANGE_IDEA,
                    title=title,
                    description=description,
                    position=99,
                    team=local.obj,
                )
                levels[3].append((node, rec, None))
                rec.ideas[title] = node
        bulk(DriverNode, [n for n, *_ in levels[3]])
        total = sum(len(level) for level in levels)
        self.stage(f"Driver diagrams: {total} nodes")

    def local_team(self, rec: CollabRec) -> TeamRec | None:
        if rec.spec.phase == "preparation":
            return None
        if rec is self.showcase:
            return rec.teams[0]
        return next((t for t in rec.teams if t.pattern in ("I", "F")), None)

    def make_cycles(self) -> None:
        plans = []  # (cycle, depth, parent cycle or None, measure ids)
        for rec in self.collabs:
            for team in rec.teams:
                plans += self.plan_cycles(rec, team)
        by_depth: dict[int, list[int]] = {}
        for i, (_, depth, _, _) in enumerate(plans):
            by_depth.setdefault(depth, []).append(i)
        for depth in sorted(by_depth):
            batch = []
            for i in by_depth[depth]:
                cycle, _, parent, _ = plans[i]
                if parent is not None:
                    cycle.parent = parent  # saved with the previous depth
                batch.append(cycle)
            bulk(PDSACycle, batch)
        through = PDSACycle.measures.through
        links = []
        for cycle, _, _, measure_ids in plans:
            links += [through(pdsacycle_id=cycle.id, measure_id=m) for m in measure_ids]
        bulk(through, links)
        self.stage(f"PDSA cycles: {len(plans)} in ramps, {len(links)} links to measures")

    def plan_cycles(self, rec: CollabRec, team: TeamRec) -> list:
        rng = random.Random(f"cycles:{team.key}")
        t = rec.timeline
        in_set = {key for key, _ in rec.measure_set}
        author = self.users["lead"] if rec is self.showcase and team.index == 0 else None
        plans: list = []

        def ramp(idea: Idea, node: DriverNode, start: dt.date, decisions: list[str], end=None):
            """Cycles on one idea, each building on the last; `end` fixes the last one's date."""
            parent = None
            n = len(decisions)
            for k, decision in enumerate(decisions):
                begins = start + CYCLE_DAYS * k
                finishes = begins + CYCLE_DAYS - 4 * DAY
                completed = finishes + dt.timedelta(days=rng.randint(1, 4))
                if end is not None and k == n - 1:
                    finishes = max(begins, end - dt.timedelta(days=rng.randint(1, 3)))
                    completed = end
                if begins > min(t.ends, self.today + 14 * DAY):
                    break
                if team.obj.withdrawn_on and begins > team.obj.withdrawn_on:
                    break
                cycle = self.cycle(
                    rec, team, idea, node, k, begins, finishes, completed, decision, rng
                )
                cycle.created_by = author
                measures = [
                    self.measures[(rec.topic.slug, key)].id
                    for key in idea.measures
                    if key in in_set
                ]
                plans.append((cycle, k, parent, measures))
                parent = cycle

        ideas = list(rec.topic.ideas())
        others = [i for i in ideas if i.title != team.idea.title]
        other = others[rng.randrange(len(others))]
        if rec.spec.phase == "preparation":
            if team.index == 0:
                start = self.today + dt.timedelta(days=rng.randint(7, 21))
                ramp(team.idea, rec.ideas[team.idea.title], start, ["plan"])
            return plans
        begin = max(t.starts, team.obj.joined_on) + dt.timedelta(days=rng.randint(20, 40))
        if team.pattern in ("I", "F", "L"):
            change = team.traj.change
            decisions = ["adapt"] * (team.cycles - 1) + ["adopt"]
            if team.pattern == "L":
                ramp(other, rec.ideas[other.title], begin, ["adapt", "abandon"])
            ramp(team.idea, rec.ideas[team.idea.title], team.traj.ramp_start, decisions, end=change)
            follow = change + dt.timedelta(days=rng.randint(50, 80))
            ramp(
                other,
                rec.ideas[other.title],
                follow,
                ["adapt", "adopt" if team.pattern == "I" else "adapt"],
            )
        else:
            ramp(team.idea, rec.ideas[team.idea.title], begin, ["adapt", "abandon"])
            later = begin + dt.timedelta(days=rng.randint(90, 140))
            ramp(other, rec.ideas[other.title], later, ["adapt", "adapt", "adapt"])
        local = self.local_team(rec)
        if local is team:
            title = content.LOCAL_IDEAS[rec.topic.slug][0]
            idea = Idea(
                title, "", "try our own idea", "patients for whom it was done", (rec.stretch_key,)
            )
            ramp(idea, rec.ideas[title], begin + dt.timedelta(days=45), ["adapt", "adopt"])
        return plans

    def cycle(
        self,
        rec: CollabRec,
        team: TeamRec,
        idea: Idea,
        node: DriverNode,
        k: int,
        begins: dt.date,
        finishes: dt.date,
        completed: dt.date,
        decision: str,
        rng: random.Random,
    ) -> PDSACycle:
        status = PDSACycle.Status
        if decision != "plan" and completed < self.today:
            state, act = status.DONE, decision
        elif begins > self.today or decision == "plan":
            state, act = status.PLANNING, ""
        elif finishes >= self.today:
            state, act = status.DOING, ""
        else:
            state, act = status.STUDYING, ""
        scale = content.SCALES[min(k, len(content.SCALES) - 1)]
        predicted = rng.choice((70, 75, 80, 90))
        achieved = max(10, min(100, predicted + rng.randint(-35, 10)))
        where = team.obj.unit or team.obj.organisation.name
        done = state in (status.DONE, status.STUDYING)
        return PDSACycle(
            team=team.obj,
            change_idea=node,
            title=f"{idea.title}: cycle {k + 1}, {scale}",
            question=f"Can we {idea.test} for {scale}, and does it fit how we work?",
            prediction=(
                f"At least {predicted}% of {idea.check}; it will take under five minutes each time."
            ),
            plan_who=f"{team.lead.name} with the nurse in charge and the team's data lead",
            plan_what=idea.description or idea.test,
            plan_when=f"{begins:%d %B} to {finishes:%d %B %Y}",
            plan_where=where,
            data_to_collect=f"A tally of {idea.check}, and staff comments on a feedback sheet",
            scale=scale,
            do_notes=rng.choice(content.DO_NOTES) if done else "",
            study_result=(
                f"{achieved}% against the {predicted}% predicted. {rng.choice(content.STUDY_SHORT)}"
                if state == status.DONE
                else ""
            ),
            act_decision=act,
            act_notes=rng.choice(content.ACT_NOTES[act]) if act else "",
            status=state,
            planned_start=begins,
            planned_end=max(finishes, begins),
            completed_on=completed if state == status.DONE else None,
        )

    # Assessments and design records -----------------------------------------------------------

    def make_assessments(self) -> None:
        rows = []
        for rec in self.collabs:
            rater = self.users["faculty"] if rec is self.showcase else None
            for team in rec.teams:
                rows += self.assess(rec, team, rater)
        bulk(TeamAssessment, rows, batch_size=5000)
        self.stage(f"Assessments: {len(rows)} monthly ratings")

    def assess(self, rec: CollabRec, team: TeamRec, rater) -> list[TeamAssessment]:
        rng = random.Random(f"assess:{team.key}")
        obj = team.obj
        month = obj.joined_on.replace(day=1)
        stop = min(
            self.today.replace(day=1) - DAY,
            rec.timeline.ends,
            obj.withdrawn_on or rec.timeline.ends,
        )
        change, fade = team.traj.change, team.traj.fade
        first_test = team.traj.ramp_start or (rec.timeline.starts + 40 * DAY)
        out = []
        while month <= stop:
            age = (month.year - obj.joined_on.year) * 12 + month.month - obj.joined_on.month
            score = 1.0 if age < 1 else 1.5 if age < 3 else 2.0
            if month >= first_test:
                score = 2.5
            if (
                change is not None
                and team.pattern in ("I", "F", "L")
                and month >= change.replace(day=1)
            ):
                since = (month.year - change.year) * 12 + month.month - change.month
                score = 3.0 if since < 3 else 3.5 if since < 6 else 4.0 if since < 12 else 4.5
                if fade is not None and month >= fade:
                    score = 3.0 if month < fade + 120 * DAY else 2.5
            own = min(5.0, score + (0.5 if rng.random() < 0.25 else 0.0))
            faculty = max(0.5, score - (0.5 if rng.random() < 0.35 else 0.0))
            latest = add_months(month, 1) > stop
            rated = not (latest and rng.random() < 0.5)
            note = ""
            if rated and month.month % 3 == 0 and score >= 2.5:
                story = NOTE_FOR_PATTERN[team.pattern]
                if team.pattern == "F" and (fade is None or month < fade):
                    story = "improver"
                note = content.FACULTY_NOTES[story]
            out.append(
                TeamAssessment(
                    team=obj,
                    month=month,
                    self_rating=Decimal(str(own)),
                    faculty_rating=Decimal(str(faculty)) if rated else None,
                    faculty_note=note,
                    rated_by=rater if rated else None,
                )
            )
            month = add_months(month, 1)
        return out

    def make_design_records(self) -> None:
        records, entries = [], []
        for rec in self.collabs:
            rng = random.Random(f"design:{rec.spec.slug}")
            t, topic = rec.timeline, rec.topic
            frequency = (
                "weekly and monthly"
                if any(topic.measure(k).frequency == "weekly" for k, _ in rec.measure_set)
                else "monthly"
            )
            regions = [self.ahsns[c].current_name for c in (rec.spec.lead, *rec.spec.partners)]
            record = DesignRecord(
                collaborative=rec.obj,
                summary=(
                    f"{len(rec.teams)} teams from {' and '.join(regions)} working on "
                    f"{topic.name.lower()}, {rec.obj.get_phase_display().lower()} phase. "
                    + rec.obj.aim_statement
                ),
            )
            records.append(record)
            author = rec.faculty[0]
            planned = [
                (
                    DesignRecordEntry.Kind.INITIAL_DESIGN,
                    t.starts - 45 * DAY,
                    content.DESIGN_INITIAL.format(sessions=3, frequency=frequency),
                    rec.manager,
                )
            ]
            if rec.spec.phase != "preparation":
                changes = rng.sample(content.DESIGN_CHANGES, 2)
                planned.append(
                    (DesignRecordEntry.Kind.CHANGE, t.starts + 130 * DAY, changes[0], author)
                )
                planned.append(
                    (DesignRecordEntry.Kind.CHANGE, t.starts + 250 * DAY, changes[1], rec.manager)
                )
            if rec.spec.target_moved:
                planned.append(
                    (
                        DesignRecordEntry.Kind.CHANGE,
                        t.starts + 200 * DAY,
                        rec.spec.target_moved,
                        rec.manager,
                    )
                )
            if rec.spec.phase in ("sustain", "closed"):
                wrap = min(t.ends, self.today - 10 * DAY)
                for text in (topic.success_factor, rng.choice(content.DESIGN_SUCCESS)):
                    if text:
                        planned.append(
                            (DesignRecordEntry.Kind.SUCCESS_FACTOR, wrap - 20 * DAY, text, author)
                        )
                for text in (topic.lesson, rng.choice(content.DESIGN_LESSONS)):
                    if text:
                        planned.append((DesignRecordEntry.Kind.LESSON, wrap, text, rec.manager))
            for kind, day, text, person in planned:
                if day <= self.today:
                    entries.append(
                        DesignRecordEntry(
                            record=record, kind=kind, entered_on=day, text=text, author=person
                        )
                    )
        bulk(DesignRecord, records)
        for entry in entries:
            entry.record_id = entry.record.id
        bulk(DesignRecordEntry, entries)
        self.stage(f"Design records: {len(records)}, with {len(entries)} entries")

    # Series, annotations and data -------------------------------------------------------------

    def build_series(self) -> list[SeriesTask]:
        series, plans, extras = [], [], []
        showcase_team = self.showcase.teams[0]
        custom = self.measure_obj(content.CUSTOM_NIGHT_FALLS, team=showcase_team.obj)
        bulk(Measure, [custom])
        for rec in self.collabs:
            for team in rec.teams:
                # Every team has the mandatory measures; most choose the optional ones too.
                rng = random.Random(f"choose:{team.key}")
                keys = [
                    (self.measures[(rec.topic.slug, k)], rec.topic.measure(k))
                    for k, mandatory in rec.measure_set
                    if mandatory or team is showcase_team or rng.random() < 0.65
                ]
                if team is showcase_team:
                    keys.append((custom, content.CUSTOM_NIGHT_FALLS))
                for measure, spec in keys:
                    traj = self.series_trajectory(rec, team, spec)
                    goal = None
                    if spec.key == rec.stretch_key and team.pattern in ("I", "F"):
                        goal = rec.target
                    obj = Series(team=team.obj, measure=measure, goal=goal)
                    series.append(obj)
                    plans.append((obj, spec, f"{team.key}|{spec.key}", traj))
                    extras += self.series_extras(rec, team, spec, obj, traj)
        bulk(Series, series)
        self.save_extras(extras)
        tasks = [
            SeriesTask(obj.id, obj.team_id, obj.measure_id, spec, key, traj)
            for obj, spec, key, traj in plans
        ]
        self.summary.series = len(tasks)
        self.stage(f"Series: {len(tasks)} ({len(extras)} annotations, phases and marks)")
        return tasks

    def series_trajectory(self, rec: CollabRec, team: TeamRec, spec: MeasureSpec):
        traj = team.traj
        rng = random.Random(f"series:{team.key}|{spec.key}")
        changes = {}
        if spec.key == rec.stretch_key and spec.frequency != "event":
            if team.index == 1 and rec.spec.phase != "preparation" and rng.random() < 0.5:
                span = (traj.last_day - traj.first_day).days
                changes["gap"] = traj.first_day + dt.timedelta(days=span // 2)
            if self.spiked_team(rec) is team:
                changes["spike"] = traj.first_day + dt.timedelta(
                    days=(traj.last_day - traj.first_day).days // 3
                )
        if not changes:
            return traj
        return simulate.Trajectory(**{**traj.__dict__, **changes})

    @staticmethod
    def spiked_team(rec: CollabRec) -> TeamRec | None:
        if rec.spec.convention != "ihi" or rec.spec.phase not in ("sustain", "closed"):
            return None
        return next((t for t in rec.teams if t.pattern == "S"), None)

    def series_extras(self, rec, team, spec, series, traj) -> list:
        """Annotations, phases and point marks that go with the simulated story."""
        out = []
        if spec.key != rec.stretch_key:
            return out
        author = self.users["lead"] if team is self.showcase.teams[0] else None
        if team.pattern in ("I", "F", "L") and traj.change is not None:
            out.append(
                Annotation(
                    series=series,
                    date=traj.change,
                    text=f"Adopted: {team.idea.title}",
                    created_by=author,
                )
            )
            # Limits recalculated once the shift has held, as Making Data Count advises
            # when a sustained shift has a known cause: here, the adopted change.
            start = period_start_for(traj.change + OUTCOME_LAG, spec.frequency)
            held = simulate.period_list(
                spec.frequency, simulate.Trajectory("I", start, traj.last_day)
            )
            if team.pattern == "I" and spec.frequency != "event" and len(held) >= 7:
                out.append(
                    Phase(
                        series=series,
                        start_period=start,
                        reason=f"Sustained shift after {team.idea.title.lower()} was adopted",
                    )
                )
        if traj.spike is not None:
            out.append(
                PointMark(
                    series=series,
                    period_start=period_start_for(traj.spike, spec.frequency),
                    kind=PointMark.Kind.ASTRONOMICAL,
                    reason="IT outage: electronic records down for three days, paper fallback",
                )
            )
        if team is self.showcase.teams[0] and spec.frequency != "event":
            outbreak = add_months(traj.first_day.replace(day=1), 5)
            out.append(
                PointMark(
                    series=series,
                    period_start=period_start_for(outbreak, spec.frequency),
                    kind=PointMark.Kind.EXCLUDED,
                    reason="Norovirus outbreak: ward closed to admissions for ten days",
                )
            )
            out.append(
                Annotation(
                    team=team.obj,
                    date=outbreak + 3 * DAY,
                    text="Norovirus outbreak: bays closed to admissions",
                    created_by=author,
                )
            )
        elif team.index == 2:
            rng = random.Random(f"annotate:{team.key}")
            day = traj.first_day + dt.timedelta(days=rng.randint(60, 300))
            out.append(Annotation(team=team.obj, date=day, text=rng.choice(content.ANNOTATIONS)))
        return out

    @staticmethod
    def save_extras(extras: list) -> None:
        for model in (Annotation, Phase, PointMark):
            rows = [e for e in extras if isinstance(e, model)]
            for row in rows:
                if getattr(row, "series", None) is not None:
                    row.series_id = row.series.id
            bulk(model, rows)
        # An annotation was written on the day it notes, not today: created_at is set on
        # insert whatever the row says, so date the seeded ones after.
        notes = [e for e in extras if isinstance(e, Annotation)]
        for note in notes:
            note.created_at = at_ten(note.date)
        if notes:
            Annotation.objects.bulk_update(notes, ["created_at"], batch_size=BATCH)

    def write_data(self, tasks: list[SeriesTask]) -> None:
        total = len(tasks)
        self.stage(
            f"Data: loading {total} series through measures.bulk"
            + (f" in {self.workers} worker processes" if self.workers > 1 else "")
        )
        every = self.scale.progress_every
        done = points = 0
        next_report = every
        started = time.perf_counter()

        def report(final: bool = False):
            rate = points / max(time.perf_counter() - started, 1e-9)
            self.stage(
                f"  {'done' if final else 'progress'}: {done}/{total} series, "
                f"{points:,} points ({rate:,.0f} points/s)"
            )

        if self.workers <= 1:
            for start in range(0, total, every):
                chunk = tasks[start : start + every]
                points += write_chunk(chunk, self.today)
                done += len(chunk)
                if done < total:
                    report()
        else:
            chunks = [tasks[i : i + CHUNK] for i in range(0, total, CHUNK)]
            connections.close_all()
            import multiprocessing

            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=self.workers, mp_context=context) as pool:
                futures = {
                    pool.submit(write_chunk_in_worker, c, self.today): len(c) for c in chunks
                }
                try:
                    for future in as_completed(futures):
                        points += future.result()
                        done += futures[future]
                        if done >= next_report and done < total:
                            report()
                            next_report = (done // every + 1) * every
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
        self.summary.points = points
        report(final=True)


CHUNK = 250


def write_chunk(tasks: list[SeriesTask], today: dt.date) -> int:
    """Load a chunk of series' points through measures' bulk loader (COPY on PostgreSQL),
    each revision dated when its team entered it; return how many points were created."""
    points, clocks = {}, {}
    for task in tasks:
        changes = [
            PointChange(period, numerator, denominator)
            for period, numerator, denominator in simulate.series_points(
                task.key, task.spec, task.traj
            )
        ]
        if changes:
            points[task.series_id] = changes
            clocks[task.series_id] = entry_clock(task.key, task.spec.frequency)
    if not points:
        return 0
    result = seed_load_points(
        points=points,
        today=today,
        entered_at=lambda series_id, period: clocks[series_id](period),
    )
    return result.created


def entry_clock(key: str, frequency: str):
    """When a team entered each period's value: a few working days after the period ended
    (the day itself for an event), at ten, the same for the same series on every run."""
    lag = random.Random(f"entered:{key}").randint(2, 12)

    def entered_at(period: dt.date) -> dt.datetime:
        if frequency == "event":
            ends = period
        elif frequency == "weekly":
            ends = period + 6 * DAY
        else:
            ends = add_months(period, 1) - DAY
        return at_ten(ends + lag * DAY)

    return entered_at


def write_chunk_in_worker(tasks: list[SeriesTask], today: dt.date) -> int:
    """In a worker process: one transaction per chunk, on the worker's own connection."""
    with transaction.atomic():
        return write_chunk(tasks, today)


def default_workers() -> int:
    if connection.vendor != "postgresql":
        return 1  # SQLite takes one writer at a time
    return max(1, min(4, os.cpu_count() or 1))
