"""Which collaboratives each scale builds.

A team's pattern letter says what its data will show:

- ``I`` improves: a ramp of PDSA cycles ends in "adopt", then a sustained shift.
- ``S`` stable: cycles are tested (adapted, abandoned) but the measures do not move.
- ``F`` fades: improves, then slips back towards baseline about nine months later.
- ``L`` late: adopted its change in the last two months; too early to see it.
- ``W`` withdrew part way (winter pressures), with data up to that date.
- ``D`` got worse for about six months (winter staffing), then recovered for the latest six.
- ``J`` joined a few months ago: too few points yet to judge.

And the first team of a collaborative, when it improves, pays for it on a balancing
measure: worse since its change, easing over the latest months but not back yet.

So every verdict (measures/spc/README.md) has a story: ``I`` in a sustain or closed
collaborative is a sustained gain and in an active one a recent shift (improved); ``F`` a
faded gain (not sustained); ``D`` a recovered deterioration and ``S`` a stable team (no
change); the first improver's balancing measure (deteriorated); ``J`` and ``L`` too little
data or too soon (insufficient data, no change).
"""

import random
from dataclasses import dataclass, field, replace

from demo import content


@dataclass(frozen=True)
class CollabSpec:
    slug: str
    name: str
    lead: str  # AHSN code
    topic: str  # topic slug
    phase: str
    patterns: str
    team_kinds: tuple[str, ...] = ("acute",)
    convention: str = "mdc"
    partners: tuple[str, ...] = ()
    named_by_default: bool = False
    # None: the topic's default set (in preparation, only its outcome and balancing measures).
    measures: tuple[tuple[str, bool], ...] | None = None
    stretch_measure: str | None = None  # None: the topic's primary outcome
    target_change: float = 0.3  # relative change from baseline, in the direction of improvement
    target_moved: str = ""  # set: the first target was moved later, for this reason
    aim: str = ""  # {baseline}, {target}, {unit}, {by} are filled in
    rule_lengths: tuple[int, int] = (7, 7)  # Making Data Count shift and trend lengths
    data_due_days: int = 10


@dataclass(frozen=True)
class Scale:
    name: str
    history_months: int
    collaboratives: tuple[CollabSpec, ...]
    # Organisations made in every AHSN, by kind.
    organisations: dict[str, int] = field(default_factory=dict)
    showcase: str = "emid-safer-steps"  # the collaborative the demo users work in
    progress_every: int = 250  # series between progress lines


SHOWCASE = CollabSpec(
    slug="emid-safer-steps",
    name="Safer Steps: East Midlands inpatient falls collaborative",
    lead="EMID",
    topic="inpatient-falls",
    phase="active",
    patterns="IISLDIWSISJSIS",
    team_kinds=("acute", "acute", "community", "acute", "mental_health"),
    partners=("WMID",),
    target_change=0.4,
    aim=(
        "Reduce inpatient falls on the participating wards by 40%, from {baseline} to "
        "{target} {unit}, by {by}, without more use of bed rails."
    ),
)
CARE_HOMES = CollabSpec(
    slug="yh-safer-care-homes",
    name="Safer care homes: Yorkshire and Humber",
    lead="YH",
    topic="safety-in-care-homes",
    phase="sustain",
    patterns="IISIFDWISISFIS",
    team_kinds=("care_home",),
    target_change=0.3,
    target_moved=(
        "Moved after three homes closed to visitors for six weeks with a COVID-19 outbreak "
        "in the first winter: the faculty kept the 30% ambition and gave teams six more "
        "months to reach it."
    ),
    aim=(
        "Reduce falls among residents of the participating care homes by 30%, from "
        "{baseline} to {target} {unit}, by {by}."
    ),
)
LAPAROTOMY = CollabSpec(
    slug="nenc-emergency-laparotomy",
    name="North East and North Cumbria emergency laparotomy collaborative",
    lead="NENC",
    topic="emergency-laparotomy",
    phase="closed",
    patterns="IIFISISI",
    convention="anhoej",
    partners=("YH",),
    named_by_default=True,
    target_change=0.4,
    # 30-day mortality can only be reported once 30 days have passed.
    data_due_days=45,
    aim=(
        "Reduce 30-day mortality after emergency laparotomy across the participating "
        "hospitals by 40%, from {baseline}% to {target}%, by {by}."
    ),
)

DEMO_COLLABORATIVES = (
    SHOWCASE,
    CollabSpec(
        slug="wmid-spotting-the-sick-patient",
        name="Spotting the sick patient: West Midlands deteriorating patient programme",
        lead="WMID",
        topic="deteriorating-patient",
        phase="active",
        patterns="ISIISLSISI",
        convention="anhoej",
        partners=("EMID",),
        target_change=0.3,
        aim=(
            "Reduce cardiac arrests on the adult wards of the participating hospitals by 30%, "
            "from {baseline} to {target} {unit}, by {by}, by recognising and responding to "
            "deterioration earlier."
        ),
    ),
    LAPAROTOMY,
    CARE_HOMES,
    CollabSpec(
        slug="kss-think-sepsis",
        name="Think Sepsis: Kent, Surrey and Sussex",
        lead="KSS",
        topic="sepsis",
        phase="active",
        patterns="ISILSIWSIS",
        target_change=0.3,
        rule_lengths=(6, 6),
        aim=(
            "Reduce mortality within 30 days of a sepsis diagnosis by 30%, from {baseline}% "
            "to {target}%, by {by}, by giving antibiotics within the hour."
        ),
    ),
    CollabSpec(
        slug="wsx-maternity-neonatal-safety",
        name="Wessex maternity and neonatal safety improvement programme",
        lead="WSX",
        topic="maternal-neonatal-safety",
        phase="active",
        patterns="ISISLISIS",
        partners=("OXF",),
        named_by_default=True,
        target_change=0.3,
        aim=(
            "Reduce term admissions to the neonatal units of the participating trusts by 30%, "
            "from {baseline}% to {target}% of term births, by {by}, keeping mothers and babies "
            "together whenever it is safe."
        ),
    ),
    CollabSpec(
        slug="sw-safety-culture",
        name="Safety culture in the South West",
        lead="SW",
        topic="safety-culture",
        phase="sustain",
        patterns="IISFISISIS",
        team_kinds=("acute", "community", "mental_health", "ambulance", "primary_care"),
        convention="ihi",
        partners=("WOE",),
        target_change=0.25,
        aim=(
            "Raise the share of staff who would feel safe speaking up about unsafe care from "
            "{baseline}% to {target}% across the participating organisations by {by}."
        ),
    ),
    CollabSpec(
        slug="hin-safer-medicines",
        name="Safer medicines: south London inpatient medication safety",
        lead="HIN",
        topic="medication-errors",
        phase="sustain",
        patterns="IISIFSIS",
        team_kinds=("acute", "acute", "mental_health"),
        convention="ihi",
        target_change=0.5,
        aim=(
            "Halve omitted and delayed critical medicine doses on the participating wards, "
            "from {baseline}% to {target}% of doses due, by {by}."
        ),
    ),
    CollabSpec(
        slug="uclp-perinatal-mental-health",
        name="Perinatal mental health: right care, first time",
        lead="UCLP",
        topic="perinatal-mental-health",
        phase="preparation",
        patterns="SSSSSS",
        team_kinds=("mental_health", "acute", "primary_care", "ics", "acute", "primary_care"),
        partners=("ICHP", "HIN"),
        target_change=0.4,
        aim=(
            "Assess {target}% of routine referrals to perinatal mental health services within "
            "14 days by {by}, up from {baseline}% in the baseline year."
        ),
    ),
    CollabSpec(
        slug="ianw-react-to-red",
        name="React to Red: North West Coast pressure ulcer collaborative",
        lead="IANW",
        topic="pressure-ulcers",
        phase="closed",
        patterns="IISIFSI",
        team_kinds=("community", "care_home", "care_home", "other", "community", "care_home"),
        partners=("HIM",),
        target_change=0.5,
        aim=(
            "Halve new category 2 to 4 pressure ulcers across the participating teams, from "
            "{baseline} to {target} {unit}, by {by}."
        ),
    ),
    CollabSpec(
        slug="emid-maternity-neonatal-safety",
        name="East Midlands maternity and neonatal safety improvement programme",
        lead="EMID",
        topic="maternal-neonatal-safety",
        phase="closed",
        patterns="IISFISI",
        named_by_default=True,
        target_change=0.3,
    ),
    CollabSpec(
        slug="oxf-community-hospital-falls",
        name="Thames Valley falls prevention in community hospitals",
        lead="OXF",
        topic="inpatient-falls",
        phase="sustain",
        patterns="IISFSISIIS",
        team_kinds=("community", "community", "acute", "mental_health"),
        partners=("WSX",),
        named_by_default=True,
        target_change=0.3,
    ),
    CollabSpec(
        slug="him-sepsis-greater-manchester",
        name="Greater Manchester sepsis collaborative",
        lead="HIM",
        topic="sepsis",
        phase="closed",
        patterns="IISIFSIS",
        convention="ihi",
        target_change=0.25,
    ),
    CollabSpec(
        slug="ichp-maternity-safety",
        name="North West London maternity and neonatal safety",
        lead="ICHP",
        topic="maternal-neonatal-safety",
        phase="sustain",
        patterns="ISIFSISI",
        convention="anhoej",
        partners=("UCLP",),
        target_change=0.3,
    ),
    CollabSpec(
        slug="east-restore2-care-homes",
        name="RESTORE2 in care homes: East of England",
        lead="EAST",
        topic="deteriorating-patient",
        phase="preparation",
        patterns="SSSSS",
        team_kinds=("care_home",),
        measures=(("dp_ch_admissions", True), ("dp_ch_ambulance", False)),
        stretch_measure="dp_ch_admissions",
        target_change=0.25,
        aim=(
            "Reduce emergency admissions of residents of the participating care homes by 25%, "
            "from {baseline} to {target} {unit}, by {by}, with RESTORE2 used in every home."
        ),
    ),
)

SMALL_ORGS = {
    "acute": 2,
    "community": 1,
    "mental_health": 1,
    "ambulance": 1,
    "primary_care": 1,
    "care_home": 2,
    "ics": 1,
    "other": 1,
}

TINY = Scale(
    name="tiny",
    history_months=24,
    collaboratives=(
        replace(SHOWCASE, patterns="ISWDJ"),
        replace(CARE_HOMES, patterns="IF"),
        replace(LAPAROTOMY, patterns="IS"),
    ),
    organisations=SMALL_ORGS,
    progress_every=1000,
)

DEMO = Scale(
    name="demo",
    history_months=24,
    collaboratives=DEMO_COLLABORATIVES,
    organisations={
        "acute": 6,
        "community": 2,
        "mental_health": 2,
        "ambulance": 1,
        "primary_care": 4,
        "care_home": 8,
        "ics": 1,
        "other": 1,
    },
    progress_every=100,
)

# National scale: the demo collaboratives, plus each AHSN running the three national
# programmes and five local priorities with many teams each.
NATIONAL_TEAMS = 76
NATIONAL_PHASES = ("active", "sustain", "active", "closed", "active", "sustain", "preparation")
LOCAL_TOPICS = tuple(t.slug for t in content.TOPICS if t.kind == "local")
NATIONAL_TOPICS = tuple(t.slug for t in content.TOPICS if t.kind == "national")
AHSN_CODES = (
    "EAST", "EMID", "HIM", "HIN", "ICHP", "IANW", "KSS", "NENC",
    "OXF", "SW", "UCLP", "WSX", "WMID", "WOE", "YH",
)  # fmt: skip


def _national_patterns(slug: str, phase: str, teams: int) -> str:
    rng = random.Random(f"patterns:{slug}")
    if phase == "preparation":
        return "S" * teams
    letters = []
    for _ in range(teams):
        roll = rng.random()
        if roll < 0.42:
            letters.append("I")
        elif roll < 0.52:
            letters.append("L" if phase == "active" else "F")
        elif roll < 0.56:
            letters.append("W")
        else:
            letters.append("S")
    return "".join(letters)


def _national_collaboratives() -> tuple[CollabSpec, ...]:
    specs = []
    for a, code in enumerate(AHSN_CODES):
        topics = list(NATIONAL_TOPICS) + [
            LOCAL_TOPICS[(a + k) % len(LOCAL_TOPICS)] for k in range(5)
        ]
        for t, topic_slug in enumerate(topics):
            topic = content.TOPICS_BY_SLUG[topic_slug]
            phase = NATIONAL_PHASES[(a + t) % len(NATIONAL_PHASES)]
            slug = f"{code.lower()}-{topic_slug}-programme"
            kinds = tuple(topic.units) or ("acute",)
            measures = tuple((key, True) for key, _ in topic.default_set)
            partners = (AHSN_CODES[(a + 1) % len(AHSN_CODES)],) if t % 3 == 1 else ()
            specs.append(
                CollabSpec(
                    slug=slug,
                    name=f"{topic.name}: {code} regional programme",
                    lead=code,
                    topic=topic_slug,
                    phase=phase,
                    patterns=_national_patterns(slug, phase, NATIONAL_TEAMS),
                    team_kinds=kinds,
                    convention=("mdc", "mdc", "anhoej", "mdc", "ihi")[(a + t) % 5],
                    partners=partners,
                    named_by_default=(a + t) % 4 == 0,
                    measures=None if phase == "preparation" else measures,
                    target_change=0.3,
                )
            )
    return tuple(specs)


def national() -> Scale:
    return Scale(
        name="national",
        history_months=48,
        collaboratives=DEMO_COLLABORATIVES + _national_collaboratives(),
        organisations={
            "acute": 14,
            "community": 4,
            "mental_health": 3,
            "ambulance": 1,
            "primary_care": 30,
            "care_home": 40,
            "ics": 2,
            "other": 3,
        },
        progress_every=2000,
    )


def scale(name: str) -> Scale:
    if name == "tiny":
        return TINY
    if name == "demo":
        return DEMO
    if name == "national":
        return national()
    raise ValueError(f"Unknown scale {name!r}")
