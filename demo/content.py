"""What the demo collaboratives work on: topics, evidence, measures, driver diagrams.

Every number here is made up for a demonstration, but kept near what the NHS publishes
(National Audit of Inpatient Falls, NELA, MBRRACE-UK, the King's Fund review of the
patient safety collaboratives in `../shared/seed/`), so that charts look like real ones.

`Sim` says how a measure's numbers are drawn (see `simulate.py`):

- ``rate``: Poisson counts over a denominator; `base` is on the plotted scale (per
  `multiplier` units of denominator), `better` multiplies it for an improving team.
- ``proportion``: binomial counts over a denominator; `base` and `better` are proportions.
- ``count``: Poisson counts per month, without a denominator; `better` multiplies.
- ``value``: a measured value (minutes, days, a score), normal with relative spread `sd`.
- ``event``: event dates; `base` is the mean days between events, `better` multiplies it.

`denominator` is per month (weekly series take 7/30.44 of it). `better=None` means the
measure does not move with the team's changes (most balancing measures).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sim:
    model: str
    base: tuple[float, float]
    better: tuple[float, float] | None = None
    denominator: tuple[int, int] = (0, 0)
    sd: float = 0.0
    decimals: int = 0
    overdispersion: float = 0.0


@dataclass(frozen=True)
class MeasureSpec:
    key: str
    name: str
    kind: str  # outcome, process, balancing
    chart: str  # run, xmr, p, pp, u, up, c, g, t
    frequency: str  # weekly, monthly, event
    direction: str  # up, down, neither
    operational_definition: str
    numerator: str
    sim: Sim
    denominator: str = ""
    unit: str = ""
    multiplier: int = 1
    counts_people: bool = False
    counts_patient_events: bool = False  # falls, harms, arrests: small-number rules too


@dataclass(frozen=True)
class Idea:
    """A change idea. `test` and `check` fill the PDSA templates: "Can we <test>...?"."""

    title: str
    description: str
    test: str
    check: str
    measures: tuple[str, ...]


@dataclass(frozen=True)
class Secondary:
    title: str
    ideas: tuple[Idea, ...]


@dataclass(frozen=True)
class Primary:
    title: str
    secondaries: tuple[Secondary, ...]


@dataclass(frozen=True)
class TopicSpec:
    slug: str
    name: str
    kind: str  # national, local
    evidence: str
    measures: tuple[MeasureSpec, ...]
    primaries: tuple[Primary, ...]
    # The measure set a collaborative on this topic starts from: (key, mandatory).
    default_set: tuple[tuple[str, bool], ...]
    primary_outcome: str
    # Ideas (by title) that, once adopted, move the outcome.
    key_ideas: tuple[str, ...]
    webinars: tuple[str, ...]
    member_roles: tuple[str, ...]
    # How teams on this topic are formed: organisation kind -> unit style (see names.py).
    units: dict[str, str] = field(default_factory=dict)
    success_factor: str = ""
    lesson: str = ""

    def measure(self, key: str) -> MeasureSpec:
        for spec in self.measures:
            if spec.key == key:
                return spec
        raise KeyError(key)

    def ideas(self):
        for primary in self.primaries:
            for secondary in primary.secondaries:
                yield from secondary.ideas

    def idea(self, title: str) -> Idea:
        for idea in self.ideas():
            if idea.title == title:
                return idea
        raise KeyError(title)


BED_DAYS = "Occupied bed days in the period (midnight census)."
PERCENT = "%"
BED_DAYS_UNIT = "per 1,000 occupied bed days"

FALLS = TopicSpec(
    slug="inpatient-falls",
    name="Inpatient falls",
    kind="local",
    evidence=(
        "Falls are the most commonly reported patient safety incident in hospitals in "
        "England: around 250,000 a year, about 6 to 7 for every 1,000 occupied bed days, "
        "and roughly one in a hundred causes a fracture or a head injury. A multifactorial "
        "risk assessment with interventions for each risk found (NICE CG161, QS86) reduces "
        "falls by a fifth to a third; its most often missed parts are lying and standing "
        "blood pressure, a review of sedating medicines, vision and continence. The King's "
        "Fund review of the patient safety collaboratives (2019) reports 60% fewer falls "
        "at some sites of one falls collaborative."
    ),
    measures=(
        MeasureSpec(
            key="falls_rate",
            counts_patient_events=True,
            name="Inpatient falls per 1,000 occupied bed days",
            kind="outcome",
            chart="u",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "All falls of inpatients on the unit reported in the incident system in the "
                "calendar month, whatever the harm, including unwitnessed falls and falls "
                "from a bed or chair, divided by the occupied bed days at the midnight census "
                "and multiplied by 1,000. A patient who falls twice counts twice; falls of "
                "staff and visitors are excluded. Data are taken from the incident system on "
                "the 10th working day of the following month."
            ),
            numerator="Inpatient falls reported in the month, all harm levels.",
            denominator=BED_DAYS,
            unit=BED_DAYS_UNIT,
            multiplier=1000,
            sim=Sim("rate", (5.0, 8.5), (0.35, 0.65), (1000, 3000)),
        ),
        MeasureSpec(
            key="falls_harm",
            counts_patient_events=True,
            name="Falls with moderate or severe harm per 1,000 occupied bed days",
            kind="outcome",
            chart="u",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "Inpatient falls graded moderate harm, severe harm or death after review by "
                "the ward manager and the falls lead, per 1,000 occupied bed days. The grade "
                "is the one agreed at the weekly harm review, not the one first reported."
            ),
            numerator="Falls graded moderate harm, severe harm or death.",
            denominator=BED_DAYS,
            unit=BED_DAYS_UNIT,
            multiplier=1000,
            sim=Sim("rate", (0.15, 0.35), (0.4, 0.8), (800, 3000)),
        ),
        MeasureSpec(
            key="falls_severe_days",
            counts_patient_events=True,
            name="Days between falls with severe harm",
            kind="outcome",
            chart="t",
            frequency="event",
            direction="up",
            operational_definition=(
                "Each fall graded severe harm or death (a hip or other fracture, a head "
                "injury with bleeding) is entered on its date; the chart shows the days "
                "since the previous one. Used because such falls are too rare on one unit "
                "for a monthly rate to show change."
            ),
            numerator="Falls with severe harm or death on that date.",
            sim=Sim("event", (30, 60), (1.6, 2.5)),
        ),
        MeasureSpec(
            key="falls_mfra",
            name="Patients aged 65+ with a multifactorial falls risk assessment within 24 hours",
            kind="process",
            chart="p",
            frequency="weekly",
            direction="up",
            operational_definition=(
                "Every Wednesday the nurse in charge reviews the notes of the first ten "
                "patients aged 65 or over admitted to the unit since the previous Wednesday "
                "(all of them if fewer). A patient counts when every section of the "
                "multifactorial falls assessment is complete within 24 hours of arrival."
            ),
            numerator="Audited patients with a complete assessment within 24 hours.",
            denominator="Patients aged 65+ audited that week.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.3, 0.6), (0.8, 0.95), (40, 90)),
        ),
        MeasureSpec(
            key="falls_lsbp",
            name="Lying and standing blood pressure recorded within 48 hours",
            kind="process",
            chart="p",
            frequency="weekly",
            direction="up",
            operational_definition=(
                "Of the patients aged 65+ audited for the falls assessment that week, those "
                "with a lying and standing blood pressure (lying after five minutes, "
                "standing at one and three minutes) recorded within 48 hours of arrival."
            ),
            numerator="Audited patients with lying and standing blood pressure recorded.",
            denominator="Patients aged 65+ audited that week.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.15, 0.4), (0.65, 0.9), (40, 90)),
        ),
        MeasureSpec(
            key="falls_bedrails",
            name="Bed rails in use without a documented assessment",
            kind="balancing",
            chart="p",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "On the first Monday of the month, every patient with bed rails raised whose "
                "notes lack a bed rails assessment. Watches that falls prevention does not "
                "slide into restraint: rails raised to stop patients getting up cause falls "
                "from a greater height."
            ),
            numerator="Patients with rails raised and no assessment.",
            denominator="Patients with bed rails raised on the audit day.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.08, 0.2), None, (15, 35)),
        ),
    ),
    primaries=(
        Primary(
            "Every patient's falls risk is known and acted on",
            (
                Secondary(
                    "Multifactorial risk assessment on admission",
                    (
                        Idea(
                            "Falls checklist in the admission pack",
                            "A one-page multifactorial checklist clipped to every admission "
                            "pack for patients aged 65+.",
                            "complete the falls checklist within 24 hours of admission",
                            "patients aged 65+ with the checklist complete within 24 hours",
                            ("falls_mfra", "falls_rate"),
                        ),
                        Idea(
                            "Lying and standing blood pressure at admission",
                            "Healthcare assistants take lying and standing blood pressure "
                            "on the first morning observation round.",
                            "record lying and standing blood pressure within 48 hours",
                            "patients with lying and standing blood pressure recorded",
                            ("falls_lsbp", "falls_rate"),
                        ),
                    ),
                ),
                Secondary(
                    "Medicines that raise falls risk are reviewed",
                    (
                        Idea(
                            "Pharmacist review of sedating medicines",
                            "The ward pharmacist flags sedatives, hypnotics and "
                            "antihypertensives on the falls checklist at the first review.",
                            "have the pharmacist review falls-risk medicines on day one",
                            "patients with a documented medicines review for falls",
                            ("falls_rate", "falls_harm"),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "A ward environment that keeps patients safe",
            (
                Secondary(
                    "Patients can reach what they need",
                    (
                        Idea(
                            "Bay check: call bell, walking aid and drink within reach",
                            "At every intentional round staff check the call bell, walking "
                            "aid and drink are within reach.",
                            "do the reach check at each hourly round",
                            "rounds with the reach check done",
                            ("falls_rate",),
                        ),
                    ),
                ),
                Secondary(
                    "Footwear, vision and continence",
                    (
                        Idea(
                            "Footwear and glasses at morning handover",
                            "Handover includes whether each high-risk patient has "
                            "well-fitting footwear and clean glasses on.",
                            "check footwear and glasses at the morning handover",
                            "high-risk patients with footwear and glasses checked",
                            ("falls_rate",),
                        ),
                        Idea(
                            "Toileting plan for patients at risk",
                            "Two-hourly offers of help to the toilet for patients with urgency "
                            "or confusion.",
                            "offer two-hourly toileting to patients with urgency or confusion",
                            "patients at risk with a toileting plan followed",
                            ("falls_rate", "falls_harm"),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "Staff, patients and families work together on falls",
            (
                Secondary(
                    "Everyone knows who is at risk today",
                    (
                        Idea(
                            "Falls safety huddle at every shift",
                            "A five-minute huddle at each shift change naming the patients "
                            "at highest risk and the plan for each.",
                            "hold a five-minute falls huddle at each shift change",
                            "shifts that started with a falls huddle",
                            ("falls_rate", "falls_harm", "falls_severe_days"),
                        ),
                        Idea(
                            "Bay tagging",
                            "A member of staff is always present in bays with patients at "
                            "high risk; they hand over the tag before leaving.",
                            "keep one member of staff tagged to each high-risk bay",
                            "hours with the high-risk bay tagged",
                            ("falls_rate", "falls_harm", "falls_severe_days"),
                        ),
                    ),
                ),
                Secondary(
                    "Patients and families are partners",
                    (
                        Idea(
                            "'Call, don't fall' conversation",
                            "A short conversation and leaflet for patients and families on "
                            "calling for help before getting up.",
                            "have the 'call, don't fall' conversation on admission",
                            "patients and families who had the conversation",
                            ("falls_rate",),
                        ),
                    ),
                ),
            ),
        ),
    ),
    default_set=(
        ("falls_rate", True),
        ("falls_harm", True),
        ("falls_mfra", True),
        ("falls_lsbp", False),
        ("falls_severe_days", False),
        ("falls_bedrails", True),
    ),
    primary_outcome="falls_rate",
    key_ideas=(
        "Bay tagging",
        "Falls safety huddle at every shift",
        "Falls checklist in the admission pack",
    ),
    webinars=(
        "Lying and standing blood pressure: why and how",
        "Delirium and falls",
        "Post-fall huddles that teams keep doing",
        "Reading your falls run chart",
        "Medicines and falls: the pharmacist's view",
    ),
    member_roles=(
        "Staff nurse",
        "Physiotherapist",
        "Healthcare assistant",
        "Occupational therapist",
        "Ward pharmacist",
        "Consultant geriatrician",
    ),
    units={"acute": "ward", "community": "community_ward", "mental_health": "mh_ward"},
    success_factor=(
        "Teams whose matron joined the first two huddles kept huddling: by month four every "
        "team that had a matron at the launch was still holding a huddle at each shift."
    ),
    lesson=(
        "Lying and standing blood pressure was the single change most teams adopted: "
        "include the how-to video and the observation chart in the change package."
    ),
)

CARE_HOMES = TopicSpec(
    slug="safety-in-care-homes",
    name="Safety in care homes",
    kind="local",
    evidence=(
        "Residents of care homes fall two to three times as often as older people living in "
        "their own homes, and a fall is a common reason for an emergency admission. Care "
        "homes have had little access to improvement support; tools such as RESTORE2 "
        "(soft signs, NEWS2 and an SBARD handover) help staff recognise a resident who is "
        "becoming unwell and call for help early. The King's Fund review (2019) names safety "
        "in care homes among the areas where collaboratives were delivering improvement."
    ),
    measures=(
        MeasureSpec(
            key="ch_falls",
            counts_patient_events=True,
            name="Resident falls per 1,000 occupied bed days",
            kind="outcome",
            chart="u",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "Every fall of a resident recorded in the home's accident book in the month, "
                "witnessed or not, divided by occupied bed days (residents at midnight, "
                "summed over the month) and multiplied by 1,000."
            ),
            numerator="Resident falls recorded in the accident book.",
            denominator="Occupied bed days (residents at midnight, summed over the month).",
            unit=BED_DAYS_UNIT,
            multiplier=1000,
            sim=Sim("rate", (7.0, 14.0), (0.5, 0.75), (900, 2400)),
        ),
        MeasureSpec(
            key="ch_harm_days",
            counts_patient_events=True,
            name="Days between falls with harm",
            kind="outcome",
            chart="g",
            frequency="event",
            direction="up",
            operational_definition=(
                "Each fall that caused harm (any injury needing first aid beyond a plaster, "
                "a GP or paramedic visit, or a hospital attendance) is entered on its date; "
                "the chart counts the days since the previous one."
            ),
            numerator="Falls with harm on that date.",
            sim=Sim("event", (8, 20), (1.6, 2.6)),
        ),
        MeasureSpec(
            key="ch_admissions",
            counts_patient_events=True,
            name="Emergency hospital admissions per 1,000 occupied bed days",
            kind="outcome",
            chart="u",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "Residents admitted to hospital as an emergency (not day cases or planned "
                "admissions) in the month, per 1,000 occupied bed days."
            ),
            numerator="Emergency admissions of residents.",
            denominator="Occupied bed days.",
            unit=BED_DAYS_UNIT,
            multiplier=1000,
            sim=Sim("rate", (1.5, 3.0), (0.6, 0.8), (900, 2400)),
        ),
        MeasureSpec(
            key="ch_soft_signs",
            name="Residents who became unwell with soft signs and NEWS2 recorded",
            kind="process",
            chart="p",
            frequency="monthly",
            direction="up",
            operational_definition=(
                "Of residents for whom staff called a GP, 111 or 999 in the month, those "
                "with a RESTORE2 soft-signs check and a NEWS2 score recorded before the call."
            ),
            numerator="Residents with soft signs and NEWS2 recorded before the call.",
            denominator="Residents for whom a clinician was called.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.2, 0.45), (0.75, 0.92), (8, 25)),
        ),
        MeasureSpec(
            key="ch_hydration",
            name="Residents meeting their daily fluid goal",
            kind="process",
            chart="p",
            frequency="weekly",
            direction="up",
            operational_definition=(
                "Resident-days in the week on which a resident's fluid chart shows at least "
                "their personal goal (usually 1,500 ml), for residents on fluid charts."
            ),
            numerator="Resident-days with the fluid goal met.",
            denominator="Resident-days on a fluid chart.",
            unit=PERCENT,
            multiplier=100,
            sim=Sim("proportion", (0.4, 0.6), (0.7, 0.85), (60, 150)),
        ),
        MeasureSpec(
            key="ch_ooh_calls",
            name="Out-of-hours calls to NHS 111 or a GP per 1,000 occupied bed days",
            kind="balancing",
            chart="u",
            frequency="monthly",
            direction="neither",
            operational_definition=(
                "Calls for clinical advice made between 18:30 and 08:00 or at weekends, per "
                "1,000 occupied bed days. Spotting deterioration earlier may raise calls at "
                "first; a steady rise would add load on the out-of-hours service."
            ),
            numerator="Out-of-hours calls for clinical advice.",
            denominator="Occupied bed days.",
            unit=BED_DAYS_UNIT,
            multiplier=1000,
            sim=Sim("rate", (2.0, 5.0), None, (900, 2400)),
        ),
    ),
    primaries=(
        Primary(
            "Staff recognise and respond to a resident who is becoming unwell",
            (
                Secondary(
                    "Soft signs are noticed and recorded",
                    (
                        Idea(
                            "RESTORE2 soft-signs card in every room",
                            "A laminated card of soft signs by each resident's care plan.",
                            "use the soft-signs card when a resident seems 'not themselves'",
                            "residents who became unwell with soft signs recorded",
                            ("ch_soft_signs", "ch_admissions"),
                        ),
                    ),
                ),
                Secondary(
                    "Clear handover when calling for help",
                    (
                        Idea(
                            "SBARD script by the phone",
                            "A prompt by the phone for situation, background, assessment, "
                            "recommendation and decision when calling a GP or 111.",
                            "use the SBARD prompt for calls to the GP or 111",
                            "calls made with the SBARD prompt",
                            ("ch_soft_signs", "ch_admissions"),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "Residents stay steady on their feet",
            (
                Secondary(
                    "Strength and balance every day",
                    (
                        Idea(
                            "Daily chair-based exercise session",
                            "A 20-minute strength and balance session led by the "
                            "activities coordinator after breakfast.",
                            "run a daily chair-based exercise session",
                            "residents taking part in the daily session",
                            ("ch_falls", "ch_harm_days"),
                        ),
                    ),
                ),
                Secondary(
                    "Falls risk reviewed after every fall",
                    (
                        Idea(
                            "Post-fall huddle within the shift",
                            "A short huddle after every fall: what happened, why, and what "
                            "changes in the resident's care plan.",
                            "hold a post-fall huddle within the same shift",
                            "falls followed by a huddle in the same shift",
                            ("ch_falls", "ch_harm_days"),
                        ),
                        Idea(
                            "Night-time checks by need, not by clock",
                            "Night checks planned from each resident's sleep pattern and "
                            "toileting needs instead of a fixed two-hourly round.",
                            "plan night checks from each resident's needs",
                            "residents at risk with a personalised night plan",
                            ("ch_falls", "ch_harm_days"),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "Residents are well hydrated",
            (
                Secondary(
                    "Drinks offered all day",
                    (
                        Idea(
                            "Hydration stations and 'drink rounds'",
                            "Drinks trolleys mid-morning and mid-afternoon and a self-serve "
                            "station in the lounge.",
                            "offer a drinks round mid-morning and mid-afternoon",
                            "resident-days with the fluid goal met",
                            ("ch_hydration", "ch_admissions"),
                        ),
                    ),
                ),
            ),
        ),
    ),
    default_set=(
        ("ch_falls", True),
        ("ch_harm_days", True),
        ("ch_admissions", True),
        ("ch_soft_signs", True),
        ("ch_hydration", False),
        ("ch_ooh_calls", False),
    ),
    primary_outcome="ch_falls",
    key_ideas=("Post-fall huddle within the shift", "Daily chair-based exercise session"),
    webinars=(
        "RESTORE2 in practice: stories from three homes",
        "Hydration: small changes, big gains",
        "Strength and balance for residents with dementia",
        "Using your data at the residents' meeting",
    ),
    member_roles=("Senior carer", "Care assistant", "Activities coordinator", "Registered nurse"),
    units={"care_home": "care_home"},
    success_factor=(
        "Registered managers valued meeting peers: homes that sent the same two people to "
        "every learning session tested three times as many changes."
    ),
    lesson=(
        "Paper tally sheets on the staff-room wall beat any electronic form for homes "
        "without a data lead; start there."
    ),
)

LAPAROTOMY = TopicSpec(
    slug="emergency-laparotomy",
    name="Emergency laparotomy",
    kind="local",
    evidence=(
        "About 30,000 adults a year have an emergency laparotomy in England and Wales, and "
        "about one in ten dies within 30 days (National Emergency Laparotomy Audit). A care "
        "bundle of early sepsis screening and antibiotics, prompt CT and theatre, a "
        "documented risk of death, consultant surgeon and anaesthetist in theatre for "
        "patients at high risk and planned critical care after surgery lowers mortality. One "
        "AHSN's emergency laparotomy collaborative saw a 42% fall in risk-adjusted mortality "
        "over eight months (King's Fund 2019)."
    ),
    measures=(
        MeasureSpec(
            key="el_mortality",
            name="30-day mortality after emergency laparotomy",
            kind="outcome",
            chart="p",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "Patients who died within 30 days of an emergency laparotomy performed in "
                "the month, from the NELA dataset, as a share of all emergency laparotomies "
                "in the month. Reported two months in arrears so that 30 days have passed."
            ),
            numerator="Patients who died within 30 days of surgery.",
            denominator="Emergency laparotomies performed in the month.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.09, 0.14), (0.05, 0.075), (12, 35)),
        ),
        MeasureSpec(
            key="el_risk_documented",
            name="Risk of death documented before surgery",
            kind="process",
            chart="p",
            frequency="monthly",
            direction="up",
            operational_definition=(
                "Emergency laparotomies whose notes record a P-POSSUM or NELA risk score "
                "before the patient leaves for theatre."
            ),
            numerator="Cases with a risk score documented before surgery.",
            denominator="Emergency laparotomies in the month.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.4, 0.65), (0.85, 0.97), (12, 35)),
        ),
        MeasureSpec(
            key="el_consultants",
            name="Consultant surgeon and anaesthetist in theatre when risk is 5% or more",
            kind="process",
            chart="p",
            frequency="monthly",
            direction="up",
            operational_definition=(
                "Of cases with a documented risk of death of 5% or more, those with both a "
                "consultant surgeon and a consultant anaesthetist present in theatre."
            ),
            numerator="High-risk cases with both consultants present.",
            denominator="Cases with documented risk of 5% or more.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.55, 0.75), (0.88, 0.97), (8, 25)),
        ),
        MeasureSpec(
            key="el_critical_care",
            name="Planned critical care admission after surgery when risk is 5% or more",
            kind="process",
            chart="p",
            frequency="monthly",
            direction="up",
            operational_definition=(
                "Of cases with a documented risk of death of 5% or more, those admitted "
                "directly from theatre to critical care."
            ),
            numerator="High-risk cases admitted directly to critical care.",
            denominator="Cases with documented risk of 5% or more.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.5, 0.7), (0.8, 0.92), (8, 25)),
        ),
        MeasureSpec(
            key="el_decision_theatre",
            name="Median hours from decision to operate to arrival in theatre",
            kind="process",
            chart="xmr",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "The median, over the month's emergency laparotomies, of the hours from the "
                "consultant's decision to operate (time in the notes) to arrival in the "
                "anaesthetic room."
            ),
            numerator="Median hours from decision to theatre.",
            unit="hours",
            sim=Sim("value", (5.0, 9.0), (0.55, 0.75), sd=0.15, decimals=1),
        ),
        MeasureSpec(
            key="el_los",
            name="Median postoperative length of stay",
            kind="balancing",
            chart="run",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "The median days from surgery to discharge of the month's emergency "
                "laparotomy patients who survived to discharge. Watches that faster surgery "
                "and planned critical care do not lengthen stays."
            ),
            numerator="Median postoperative length of stay in days.",
            unit="days",
            sim=Sim("value", (9.0, 14.0), None, sd=0.12, decimals=1),
        ),
    ),
    primaries=(
        Primary(
            "Patients at high risk are recognised early",
            (
                Secondary(
                    "Sepsis screening and antibiotics on arrival",
                    (
                        Idea(
                            "Sepsis screen for every acute abdomen",
                            "Sepsis screening tool completed at triage for every adult with "
                            "acute abdominal pain.",
                            "screen every adult with acute abdominal pain for sepsis",
                            "acute abdomen patients screened at triage",
                            ("el_mortality",),
                        ),
                    ),
                ),
                Secondary(
                    "Risk of death is scored and documented",
                    (
                        Idea(
                            "Risk score in the theatre booking form",
                            "The theatre booking form cannot be submitted without a "
                            "P-POSSUM or NELA score.",
                            "make the risk score a required field when booking theatre",
                            "bookings with a risk score",
                            ("el_risk_documented", "el_consultants", "el_mortality"),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "Timely surgery with the right people",
            (
                Secondary(
                    "Prompt access to theatre",
                    (
                        Idea(
                            "Emergency theatre priority categories",
                            "NCEPOD urgency categories agreed between surgeons and "
                            "anaesthetists, displayed in the emergency theatre.",
                            "book emergency cases with an agreed NCEPOD category",
                            "cases reaching theatre within their category time",
                            ("el_decision_theatre", "el_mortality"),
                        ),
                    ),
                ),
                Secondary(
                    "Consultant-led care for high-risk cases",
                    (
                        Idea(
                            "Consultant-to-consultant call when risk is 5% or more",
                            "The registrar calls both on-call consultants for every case "
                            "scored at 5% or more.",
                            "call both consultants for every case with risk of 5% or more",
                            "high-risk cases with both consultants present",
                            ("el_consultants", "el_mortality"),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "Safe recovery after surgery",
            (
                Secondary(
                    "Planned critical care",
                    (
                        Idea(
                            "Critical care bed requested at booking",
                            "The critical care team is paged when a high-risk case is "
                            "booked, not when it leaves theatre.",
                            "request the critical care bed when a high-risk case is booked",
                            "high-risk cases admitted directly to critical care",
                            ("el_critical_care", "el_mortality"),
                        ),
                    ),
                ),
                Secondary(
                    "Older patients reviewed by a geriatrician",
                    (
                        Idea(
                            "Geriatrician review for patients aged 70+",
                            "A consultant geriatrician reviews every patient aged 70 or "
                            "over within 72 hours of surgery.",
                            "arrange a geriatrician review within 72 hours for patients 70+",
                            "patients aged 70+ reviewed within 72 hours",
                            ("el_mortality", "el_los"),
                        ),
                    ),
                ),
            ),
        ),
    ),
    default_set=(
        ("el_mortality", True),
        ("el_risk_documented", True),
        ("el_consultants", True),
        ("el_critical_care", True),
        ("el_decision_theatre", False),
        ("el_los", False),
    ),
    primary_outcome="el_mortality",
    key_ideas=(
        "Risk score in the theatre booking form",
        "Consultant-to-consultant call when risk is 5% or more",
    ),
    webinars=(
        "The care bundle, one element at a time",
        "Getting the NELA data to work for you",
        "Frailty and the older surgical patient",
    ),
    member_roles=(
        "Consultant general surgeon",
        "Consultant anaesthetist",
        "Critical care outreach nurse",
        "NELA data clerk",
        "Surgical registrar",
    ),
    units={"acute": "surgery"},
    success_factor=(
        "Pairing a surgeon and an anaesthetist as joint team leads: the two professions "
        "agreed the booking rules together and held each other to them."
    ),
    lesson=(
        "Feed back each team's NELA data monthly rather than waiting for the annual report: "
        "teams acted on two-month-old data, never on year-old data."
    ),
)

SEPSIS = TopicSpec(
    slug="sepsis",
    name="Sepsis",
    kind="local",
    evidence=(
        "Sepsis causes tens of thousands of deaths a year in the UK. Screening adults with "
        "a NEWS2 of 5 or more and giving intravenous antibiotics within an hour to those "
        "with red-flag sepsis (NICE NG51) are the core of most improvement work; each hour "
        "of delay is associated with higher mortality. The King's Fund review (2019) lists "
        "the treatment of sepsis among the areas where collaboratives were improving care."
    ),
    measures=(
        MeasureSpec(
            key="sep_abx_1h",
            name="Red-flag sepsis given IV antibiotics within 1 hour",
            kind="process",
            chart="p",
            frequency="weekly",
            direction="up",
            operational_definition=(
                "Adults with red-flag sepsis in the department that week who received their "
                "first intravenous antibiotic within 60 minutes of the red flag being "
                "identified (times from the electronic record)."
            ),
            numerator="Patients given IV antibiotics within 60 minutes.",
            denominator="Adults identified with red-flag sepsis.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.45, 0.7), (0.82, 0.95), (25, 80)),
        ),
        MeasureSpec(
            key="sep_screened",
            name="Patients with NEWS2 of 5 or more screened for sepsis",
            kind="process",
            chart="p",
            frequency="weekly",
            direction="up",
            operational_definition=(
                "Adults with a first NEWS2 of 5 or more in the department that week who had "
                "the sepsis screening tool completed within 30 minutes of that score."
            ),
            numerator="Patients screened within 30 minutes.",
            denominator="Adults with a NEWS2 of 5 or more.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.5, 0.75), (0.88, 0.97), (60, 200)),
        ),
        MeasureSpec(
            key="sep_minutes",
            name="Median minutes from arrival to first antibiotic dose",
            kind="process",
            chart="xmr",
            frequency="weekly",
            direction="down",
            operational_definition=(
                "For adults with red-flag sepsis that week, the median of minutes from "
                "arrival (booking-in time) to the first intravenous antibiotic dose."
            ),
            numerator="Median minutes from arrival to antibiotics.",
            unit="minutes",
            sim=Sim("value", (70.0, 120.0), (0.5, 0.7), sd=0.18),
        ),
        MeasureSpec(
            key="sep_mortality",
            name="Mortality within 30 days of a sepsis diagnosis",
            kind="outcome",
            chart="p",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "Adults coded with sepsis on admission in the month who died within 30 "
                "days, in hospital or after discharge."
            ),
            numerator="Deaths within 30 days.",
            denominator="Adults admitted with sepsis in the month.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.12, 0.18), (0.08, 0.11), (40, 120)),
        ),
        MeasureSpec(
            key="sep_broad_spectrum",
            name="Broad-spectrum antibiotic use (DDD per 1,000 admissions)",
            kind="balancing",
            chart="u",
            frequency="monthly",
            direction="neither",
            operational_definition=(
                "Defined daily doses of carbapenems and piperacillin-tazobactam dispensed "
                "to the unit in the month, per 1,000 admissions. Watches that faster "
                "antibiotics do not come at the cost of antimicrobial stewardship."
            ),
            numerator="Defined daily doses of the listed antibiotics.",
            denominator="Admissions to the unit in the month.",
            unit="DDD per 1,000 admissions",
            multiplier=1000,
            sim=Sim("rate", (180.0, 260.0), None, (2000, 6000), overdispersion=0.05),
        ),
    ),
    primaries=(
        Primary(
            "Sepsis is suspected early",
            (
                Secondary(
                    "Screening triggered by NEWS2",
                    (
                        Idea(
                            "Sepsis screen prompted by NEWS2 of 5",
                            "The electronic observations system prompts the sepsis screen "
                            "when NEWS2 reaches 5.",
                            "act on the electronic prompt to screen at NEWS2 of 5",
                            "patients with NEWS2 of 5+ screened within 30 minutes",
                            ("sep_screened", "sep_abx_1h"),
                        ),
                    ),
                ),
                Secondary(
                    "Triage recognises red flags",
                    (
                        Idea(
                            "Red-flag sepsis sticker at triage",
                            "Triage nurses place a red sticker on the card of any patient "
                            "meeting a red flag.",
                            "mark red-flag patients with a sticker at triage",
                            "red-flag patients marked at triage",
                            ("sep_screened", "sep_minutes"),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "Treatment starts within the hour",
            (
                Secondary(
                    "Antibiotics ready at the point of care",
                    (
                        Idea(
                            "Sepsis grab bags in resus and majors",
                            "Pre-filled bags with cannulas, blood culture bottles and the "
                            "first-line antibiotic.",
                            "use a sepsis grab bag for every red-flag patient",
                            "red-flag patients treated from a grab bag",
                            ("sep_abx_1h", "sep_minutes", "sep_mortality"),
                        ),
                        Idea(
                            "Nurse-initiated antibiotics under a patient group direction",
                            "Trained nurses give the first dose under a patient group "
                            "direction without waiting for a prescriber.",
                            "give the first dose under the patient group direction",
                            "red-flag patients dosed by a nurse within the hour",
                            ("sep_abx_1h", "sep_minutes", "sep_mortality"),
                        ),
                    ),
                ),
                Secondary(
                    "Escalation to a senior clinician",
                    (
                        Idea(
                            "Sepsis 'time out' at 45 minutes",
                            "The nurse in charge calls a time out at 45 minutes for any "
                            "red-flag patient not yet given antibiotics.",
                            "call a time out at 45 minutes for untreated red-flag patients",
                            "red-flag patients treated before 60 minutes",
                            ("sep_abx_1h", "sep_minutes"),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "Learning from every case",
            (
                Secondary(
                    "Feedback to the staff involved",
                    (
                        Idea(
                            "Weekly sepsis case review",
                            "The sepsis nurse reviews delayed cases each week and feeds "
                            "back to the staff involved.",
                            "review every delayed case with the staff involved each week",
                            "delayed cases reviewed within a week",
                            ("sep_abx_1h",),
                        ),
                    ),
                ),
            ),
        ),
    ),
    default_set=(
        ("sep_abx_1h", True),
        ("sep_screened", True),
        ("sep_minutes", False),
        ("sep_mortality", True),
        ("sep_broad_spectrum", False),
    ),
    primary_outcome="sep_mortality",
    key_ideas=(
        "Sepsis grab bags in resus and majors",
        "Nurse-initiated antibiotics under a patient group direction",
    ),
    webinars=(
        "Patient group directions: setting one up",
        "Sepsis in older people: atypical presentations",
        "Stewardship and speed: both at once",
    ),
    member_roles=(
        "Emergency department consultant",
        "Sepsis nurse specialist",
        "Emergency nurse practitioner",
        "Antimicrobial pharmacist",
        "Staff nurse",
    ),
    units={"acute": "front_door"},
    success_factor=(
        "Publishing every team's weekly 'hour to antibiotics' run chart on the department "
        "noticeboard: staff saw their own work move the line."
    ),
    lesson=(
        "A patient group direction takes three months to approve; start the paperwork at "
        "the first learning session."
    ),
)

DETERIORATION = TopicSpec(
    slug="deteriorating-patient",
    name="The deteriorating patient",
    kind="national",
    evidence=(
        "A national programme run through every AHSN. Patients who deteriorate in hospital "
        "usually show abnormal observations hours before a cardiac arrest; NEWS2 (Royal "
        "College of Physicians 2017) gives one scale for recognising them, and a clear "
        "escalation response turns the score into action. In care homes, RESTORE2 brings "
        "soft signs, NEWS2 and a structured handover together."
    ),
    measures=(
        MeasureSpec(
            key="dp_arrests",
            counts_patient_events=True,
            name="Cardiac arrests per 1,000 admissions",
            kind="outcome",
            chart="u",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "In-hospital cardiac arrests attended by the resuscitation team outside "
                "critical care, emergency department and theatres, per 1,000 adult "
                "admissions in the month (National Cardiac Arrest Audit definitions)."
            ),
            numerator="Cardiac arrests outside critical care, ED and theatres.",
            denominator="Adult admissions in the month.",
            unit="per 1,000 admissions",
            multiplier=1000,
            sim=Sim("rate", (0.8, 1.6), (0.5, 0.75), (1500, 4500)),
        ),
        MeasureSpec(
            key="dp_days_between_arrests",
            counts_patient_events=True,
            name="Days between cardiac arrests on general wards",
            kind="outcome",
            chart="t",
            frequency="event",
            direction="up",
            operational_definition=(
                "Each cardiac arrest on a general adult ward is entered on its date; the "
                "chart shows the time since the previous one."
            ),
            numerator="Cardiac arrests on general wards on that date.",
            sim=Sim("event", (10, 30), (1.4, 2.0)),
        ),
        MeasureSpec(
            key="dp_news_on_time",
            name="NEWS2 observation sets completed on time",
            kind="process",
            chart="pp",
            frequency="weekly",
            direction="up",
            operational_definition=(
                "Observation sets recorded no later than 30 minutes after the time due by "
                "the patient's NEWS2 frequency, from the electronic observations system, "
                "over all due sets that week."
            ),
            numerator="Observation sets completed on time.",
            denominator="Observation sets due.",
            unit=PERCENT,
            multiplier=100,
            sim=Sim("proportion", (0.72, 0.85), (0.9, 0.96), (4000, 15000), overdispersion=0.1),
        ),
        MeasureSpec(
            key="dp_escalated",
            name="Patients with NEWS2 of 5 or more escalated within 30 minutes",
            kind="process",
            chart="p",
            frequency="weekly",
            direction="up",
            operational_definition=(
                "Patients whose NEWS2 first reached 5 or more that week and were reviewed "
                "by a clinician competent in assessing acute illness within 30 minutes."
            ),
            numerator="Patients reviewed within 30 minutes.",
            denominator="Patients whose NEWS2 first reached 5 or more.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.45, 0.7), (0.8, 0.93), (30, 90)),
        ),
        MeasureSpec(
            key="dp_outreach",
            name="Critical care outreach referrals per 1,000 admissions",
            kind="balancing",
            chart="u",
            frequency="monthly",
            direction="neither",
            operational_definition=(
                "Referrals to the critical care outreach team in the month, per 1,000 "
                "adult admissions. Better recognition raises referrals at first; a "
                "sustained rise shows the load on the outreach team."
            ),
            numerator="Referrals to critical care outreach.",
            denominator="Adult admissions in the month.",
            unit="per 1,000 admissions",
            multiplier=1000,
            sim=Sim("rate", (15.0, 30.0), None, (1500, 4500)),
        ),
        MeasureSpec(
            key="dp_ch_admissions",
            counts_patient_events=True,
            name="Emergency admissions from care homes per 1,000 occupied bed days",
            kind="outcome",
            chart="u",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "Emergency hospital admissions of the home's residents in the month, per "
                "1,000 occupied bed days (from the home's records, checked against the "
                "ICB's admissions data)."
            ),
            numerator="Emergency admissions of residents.",
            denominator="Occupied bed days.",
            unit=BED_DAYS_UNIT,
            multiplier=1000,
            sim=Sim("rate", (1.5, 3.0), (0.6, 0.8), (900, 2400)),
        ),
        MeasureSpec(
            key="dp_ch_ambulance",
            counts_patient_events=True,
            name="Ambulance call-outs to care homes per 1,000 occupied bed days",
            kind="balancing",
            chart="u",
            frequency="monthly",
            direction="neither",
            operational_definition=(
                "999 calls from the home that led to an ambulance attending, per 1,000 "
                "occupied bed days, from the ambulance trust's monthly extract."
            ),
            numerator="Ambulance attendances at the home.",
            denominator="Occupied bed days.",
            unit=BED_DAYS_UNIT,
            multiplier=1000,
            sim=Sim("rate", (2.0, 4.5), None, (900, 2400)),
        ),
    ),
    primaries=(
        Primary(
            "Deterioration is recognised",
            (
                Secondary(
                    "Observations done on time",
                    (
                        Idea(
                            "Observation due times on the ward board",
                            "The electronic whiteboard shows each patient's next "
                            "observations due time in red when overdue.",
                            "use the overdue flag on the ward board at each handover",
                            "observation sets completed on time",
                            ("dp_news_on_time", "dp_arrests"),
                        ),
                    ),
                ),
                Secondary(
                    "Soft signs heard from families and carers",
                    (
                        Idea(
                            "'Worried about your relative?' call line",
                            "Posters and a direct line so families can ask for a review "
                            "when they think a patient is getting worse.",
                            "invite families to call the outreach line when worried",
                            "family calls leading to a clinical review",
                            ("dp_escalated", "dp_arrests"),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "Escalation leads to a timely response",
            (
                Secondary(
                    "Clear escalation at NEWS2 thresholds",
                    (
                        Idea(
                            "SBAR escalation at NEWS2 of 5",
                            "Nurses use an SBAR script to escalate, and the doctor confirms "
                            "the review time.",
                            "escalate with the SBAR script at NEWS2 of 5",
                            "patients with NEWS2 of 5+ reviewed within 30 minutes",
                            ("dp_escalated", "dp_arrests", "dp_days_between_arrests"),
                        ),
                        Idea(
                            "Outreach review for every NEWS2 of 7",
                            "Automatic referral to critical care outreach when NEWS2 reaches 7.",
                            "refer every NEWS2 of 7 to outreach automatically",
                            "NEWS2 of 7+ seen by outreach within 30 minutes",
                            ("dp_escalated", "dp_arrests", "dp_days_between_arrests"),
                        ),
                    ),
                ),
                Secondary(
                    "Decisions about treatment limits made early",
                    (
                        Idea(
                            "Treatment escalation plan within 24 hours",
                            "A treatment escalation plan agreed with the patient or family "
                            "within 24 hours of admission.",
                            "agree a treatment escalation plan within 24 hours",
                            "patients with a plan within 24 hours",
                            ("dp_arrests",),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "Care homes spot and share deterioration",
            (
                Secondary(
                    "RESTORE2 used by care staff",
                    (
                        Idea(
                            "RESTORE2 training for every shift lead",
                            "Half-day RESTORE2 training for each home's shift leads, with "
                            "a practice scenario.",
                            "use RESTORE2 for every resident who seems unwell",
                            "unwell residents with RESTORE2 completed",
                            ("dp_ch_admissions",),
                        ),
                    ),
                ),
            ),
        ),
    ),
    default_set=(
        ("dp_arrests", True),
        ("dp_days_between_arrests", False),
        ("dp_news_on_time", True),
        ("dp_escalated", True),
        ("dp_outreach", False),
    ),
    primary_outcome="dp_arrests",
    key_ideas=("SBAR escalation at NEWS2 of 5", "Outreach review for every NEWS2 of 7"),
    webinars=(
        "NEWS2 and the patient with COPD",
        "Human factors in escalation",
        "RESTORE2 for care homes",
        "Treatment escalation plans: having the conversation",
    ),
    member_roles=(
        "Critical care outreach nurse",
        "Resuscitation officer",
        "Staff nurse",
        "Acute medicine consultant",
        "Junior doctor",
    ),
    units={"acute": "hospital", "care_home": "care_home"},
    success_factor=(
        "Making the overdue-observations flag visible at the nurses' station turned a "
        "monthly audit figure into something staff acted on every hour."
    ),
    lesson=(
        "Count escalations as well as arrests: arrests are too rare for one ward to see "
        "change within a year, escalations move within weeks."
    ),
)

MATERNITY = TopicSpec(
    slug="maternal-neonatal-safety",
    name="Maternal and neonatal safety",
    kind="national",
    evidence=(
        "A national programme run through every AHSN, supporting the national ambition to "
        "halve stillbirths, neonatal and maternal deaths and brain injuries. Work focuses on "
        "avoiding term admissions to neonatal units (ATAIN), early recognition of the "
        "deteriorating woman (MEOWS), the optimisation of preterm babies (normothermia, "
        "antenatal steroids, magnesium sulphate) and reducing severe postpartum "
        "haemorrhage."
    ),
    measures=(
        MeasureSpec(
            key="mat_term_admissions",
            name="Term babies admitted to the neonatal unit",
            kind="outcome",
            chart="p",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "Babies born at 37 weeks or later admitted to the neonatal unit within 28 "
                "days of birth, as a share of term live births in the month (ATAIN)."
            ),
            numerator="Term babies admitted to the neonatal unit.",
            denominator="Term live births in the month.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.05, 0.075), (0.035, 0.045), (150, 450)),
        ),
        MeasureSpec(
            key="mat_pph",
            name="Obstetric haemorrhage of 1,500 ml or more per 1,000 births",
            kind="outcome",
            chart="p",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "Births in the month followed by a measured blood loss of 1,500 ml or more, "
                "per 1,000 births."
            ),
            numerator="Births with blood loss of 1,500 ml or more.",
            denominator="Births in the month.",
            unit="per 1,000 births",
            multiplier=1000,
            counts_people=True,
            sim=Sim("proportion", (0.025, 0.04), (0.015, 0.022), (150, 450)),
        ),
        MeasureSpec(
            key="mat_meows",
            name="Women with an abnormal MEOWS escalated as per protocol",
            kind="process",
            chart="p",
            frequency="weekly",
            direction="up",
            operational_definition=(
                "Women with a MEOWS trigger that week whose notes show escalation to the "
                "obstetric registrar within the time in the trust's guideline."
            ),
            numerator="Triggers escalated within the guideline time.",
            denominator="Women with a MEOWS trigger.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.5, 0.7), (0.85, 0.95), (20, 60)),
        ),
        MeasureSpec(
            key="mat_normothermia",
            name="Babies born before 34 weeks admitted at 36.5 to 37.5 °C",
            kind="process",
            chart="p",
            frequency="monthly",
            direction="up",
            operational_definition=(
                "Babies born before 34 weeks whose first temperature on the neonatal unit, "
                "within an hour of admission, was 36.5 to 37.5 °C."
            ),
            numerator="Babies admitted with a normal temperature.",
            denominator="Babies born before 34 weeks admitted to the unit.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.5, 0.7), (0.8, 0.9), (3, 10)),
        ),
        MeasureSpec(
            key="mat_caesarean",
            name="Caesarean birth rate",
            kind="balancing",
            chart="p",
            frequency="monthly",
            direction="neither",
            operational_definition=(
                "Births by caesarean section (planned and emergency) as a share of all "
                "births in the month. Watched, not targeted."
            ),
            numerator="Caesarean births.",
            denominator="Births in the month.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.28, 0.38), None, (150, 450)),
        ),
    ),
    primaries=(
        Primary(
            "Fewer term babies separated from their mothers",
            (
                Secondary(
                    "Hypoglycaemia and jaundice managed on the postnatal ward",
                    (
                        Idea(
                            "Transitional care for babies at risk of hypoglycaemia",
                            "Babies at risk of low blood sugar stay with their mothers on "
                            "a transitional care pathway.",
                            "keep babies at risk of hypoglycaemia on transitional care",
                            "at-risk babies cared for on transitional care",
                            ("mat_term_admissions",),
                        ),
                        Idea(
                            "ATAIN review of every term admission",
                            "A weekly multidisciplinary review of every term admission, "
                            "asking whether it was avoidable.",
                            "review every term admission at the weekly ATAIN meeting",
                            "term admissions reviewed within a week",
                            ("mat_term_admissions",),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "The deteriorating woman is recognised",
            (
                Secondary(
                    "MEOWS used and acted on",
                    (
                        Idea(
                            "MEOWS escalation sticker",
                            "A sticker in the notes records the trigger, the time and who "
                            "was called.",
                            "use the escalation sticker for every MEOWS trigger",
                            "MEOWS triggers escalated within the guideline time",
                            ("mat_meows", "mat_pph"),
                        ),
                    ),
                ),
                Secondary(
                    "Blood loss measured, not estimated",
                    (
                        Idea(
                            "Weighed blood loss at every birth",
                            "Swabs and drapes weighed at every birth, with a running total "
                            "called out from 500 ml.",
                            "weigh blood loss at every birth",
                            "births with blood loss measured",
                            ("mat_pph",),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "Preterm babies get the best start",
            (
                Secondary(
                    "Keeping preterm babies warm",
                    (
                        Idea(
                            "Thermal care bundle for births before 34 weeks",
                            "Room at 23-25 °C, plastic wrap and hat, transwarmer mattress "
                            "and a temperature check at ten minutes.",
                            "use the thermal care bundle at every birth before 34 weeks",
                            "preterm babies admitted at 36.5 to 37.5 °C",
                            ("mat_normothermia",),
                        ),
                    ),
                ),
            ),
        ),
    ),
    default_set=(
        ("mat_term_admissions", True),
        ("mat_pph", True),
        ("mat_meows", True),
        ("mat_normothermia", False),
        ("mat_caesarean", False),
    ),
    primary_outcome="mat_term_admissions",
    key_ideas=(
        "Transitional care for babies at risk of hypoglycaemia",
        "MEOWS escalation sticker",
    ),
    webinars=(
        "ATAIN: what the reviews tell us",
        "Measuring blood loss: the practicalities",
        "The preterm optimisation bundle",
        "Listening to women and families",
    ),
    member_roles=(
        "Consultant midwife",
        "Obstetric consultant",
        "Neonatal nurse",
        "Labour ward coordinator",
        "Consultant neonatologist",
    ),
    units={"acute": "maternity"},
    success_factor=(
        "Involving the Maternity and Neonatal Voices Partnership from the start: women's "
        "stories at each learning session kept the focus on families."
    ),
    lesson=(
        "Joint midwife and obstetrician leadership of each team mattered more than the "
        "size of the unit."
    ),
)

SAFETY_CULTURE = TopicSpec(
    slug="safety-culture",
    name="Safety culture",
    kind="national",
    evidence=(
        "A national programme run through every AHSN. Organisations where staff feel safe "
        "to speak up, report incidents and learn from them have fewer harms; the "
        "collaboratives used culture surveys (such as SCORE), safety huddles and leadership "
        "walkrounds to build that culture. The King's Fund review (2019) notes that some "
        "AHSNs saw culture and capability as their main contribution."
    ),
    measures=(
        MeasureSpec(
            key="sc_speak_up",
            name="Staff who would feel safe speaking up about unsafe care",
            kind="outcome",
            chart="p",
            frequency="monthly",
            direction="up",
            operational_definition=(
                "Respondents to the monthly three-question pulse survey who answer 'agree' "
                "or 'strongly agree' to 'I would feel safe raising a concern about unsafe "
                "clinical practice', over all respondents."
            ),
            numerator="Respondents who agree or strongly agree.",
            denominator="Respondents to the monthly pulse survey.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.55, 0.68), (0.75, 0.86), (25, 90)),
        ),
        MeasureSpec(
            key="sc_huddles",
            name="Planned safety huddles that took place",
            kind="process",
            chart="p",
            frequency="weekly",
            direction="up",
            operational_definition=(
                "Safety huddles held (at least five minutes, with the huddle board updated) "
                "as a share of those planned that week."
            ),
            numerator="Huddles held.",
            denominator="Huddles planned.",
            unit=PERCENT,
            multiplier=100,
            sim=Sim("proportion", (0.45, 0.7), (0.85, 0.97), (28, 62)),
        ),
        MeasureSpec(
            key="sc_incidents",
            counts_patient_events=True,
            name="Patient safety incidents reported",
            kind="process",
            chart="c",
            frequency="weekly",
            direction="up",
            operational_definition=(
                "Patient safety incidents reported by the team's staff in the week, all "
                "levels of harm. More reporting with less harm is the sign of a reporting "
                "culture."
            ),
            numerator="Incidents reported in the week.",
            sim=Sim("count", (30.0, 120.0), (1.25, 1.6)),
        ),
        MeasureSpec(
            key="sc_pulse_score",
            name="Safety culture pulse score",
            kind="outcome",
            chart="xmr",
            frequency="monthly",
            direction="up",
            operational_definition=(
                "The mean of the three pulse-survey items, each scored 1 (strongly "
                "disagree) to 5 (strongly agree), over the month's respondents."
            ),
            numerator="Mean pulse score (1 to 5).",
            unit="score (1 to 5)",
            sim=Sim("value", (3.2, 3.6), (1.08, 1.15), sd=0.035, decimals=2),
        ),
        MeasureSpec(
            key="sc_sickness",
            name="Staff sickness absence",
            kind="balancing",
            chart="pp",
            frequency="monthly",
            direction="neither",
            operational_definition=(
                "Full-time-equivalent days lost to sickness as a share of FTE days "
                "available in the month, from the electronic staff record."
            ),
            numerator="FTE days lost to sickness.",
            denominator="FTE days available.",
            unit=PERCENT,
            multiplier=100,
            sim=Sim("proportion", (0.04, 0.06), None, (1500, 9000), overdispersion=0.1),
        ),
    ),
    primaries=(
        Primary(
            "Staff feel safe to speak up",
            (
                Secondary(
                    "Leaders visible and listening",
                    (
                        Idea(
                            "Executive safety walkrounds",
                            "A monthly walkround by an executive with the team, asking "
                            "'what could harm the next patient?' and reporting back.",
                            "hold a monthly executive walkround with feedback in a week",
                            "walkround actions fed back within a week",
                            ("sc_speak_up", "sc_pulse_score"),
                        ),
                    ),
                ),
                Secondary(
                    "Concerns are answered",
                    (
                        Idea(
                            "'You said, we did' board",
                            "A board showing each concern raised and what changed.",
                            "post every concern raised and its answer on the board",
                            "concerns answered on the board within two weeks",
                            ("sc_speak_up", "sc_incidents"),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "Teams talk about safety every day",
            (
                Secondary(
                    "Daily safety huddles",
                    (
                        Idea(
                            "Ten-minute safety huddle at 09:30",
                            "A standing huddle at the board: yesterday's incidents, today's "
                            "risks, who needs help.",
                            "hold a ten-minute huddle at 09:30 every day",
                            "planned huddles that took place",
                            ("sc_huddles", "sc_speak_up", "sc_pulse_score"),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "Learning from incidents",
            (
                Secondary(
                    "Reporting is easy and worthwhile",
                    (
                        Idea(
                            "Feedback to every reporter within 7 days",
                            "Each person who reports an incident hears within a week what "
                            "happened next.",
                            "feed back to every incident reporter within 7 days",
                            "reporters given feedback within 7 days",
                            ("sc_incidents", "sc_speak_up"),
                        ),
                        Idea(
                            "Learning from excellence reports",
                            "A simple form for reporting excellent care, read out at the huddle.",
                            "invite excellence reports and read them at the huddle",
                            "huddles with an excellence report read out",
                            ("sc_pulse_score",),
                        ),
                    ),
                ),
            ),
        ),
    ),
    default_set=(
        ("sc_speak_up", True),
        ("sc_huddles", True),
        ("sc_incidents", True),
        ("sc_pulse_score", False),
        ("sc_sickness", False),
    ),
    primary_outcome="sc_speak_up",
    key_ideas=("Ten-minute safety huddle at 09:30", "Executive safety walkrounds"),
    webinars=(
        "Psychological safety: what it is and is not",
        "Running a huddle that people want to come to",
        "Just culture and the incident framework",
    ),
    member_roles=(
        "Patient safety lead",
        "Freedom to speak up guardian",
        "Matron",
        "Clinical governance lead",
        "Service manager",
    ),
    units={
        "acute": "department",
        "community": "whole",
        "mental_health": "whole",
        "ambulance": "ambulance",
        "primary_care": "whole",
    },
    success_factor=(
        "Giving each team the same three-question pulse survey every month: a small, "
        "frequent measure teams could see move, instead of one big annual survey."
    ),
    lesson=(
        "Culture work needs an executive sponsor who turns up: teams whose sponsor attended "
        "a huddle in the first month kept their huddles going."
    ),
)

MEDICATION = TopicSpec(
    slug="medication-errors",
    name="Inpatient medication errors",
    kind="local",
    evidence=(
        "Medication errors are among the most common preventable harms in hospital: "
        "omitted and delayed critical medicines (such as insulin, anticoagulants and "
        "Parkinson's medicines) and prescribing errors cause avoidable harm. Electronic "
        "prescribing, medicines reconciliation by pharmacy and protected drug rounds reduce "
        "them. The King's Fund review (2019) cites a collaborative that substantially "
        "reduced prescribing errors."
    ),
    measures=(
        MeasureSpec(
            key="med_omitted",
            name="Omitted or delayed critical medicine doses",
            kind="outcome",
            chart="pp",
            frequency="weekly",
            direction="down",
            operational_definition=(
                "Doses of medicines on the trust's critical medicines list that were "
                "omitted without a valid reason or given more than two hours late, as a "
                "share of all critical doses due that week (electronic prescribing report)."
            ),
            numerator="Critical doses omitted or given more than two hours late.",
            denominator="Critical doses due.",
            unit=PERCENT,
            multiplier=100,
            sim=Sim("proportion", (0.06, 0.12), (0.02, 0.04), (600, 2000), overdispersion=0.15),
        ),
        MeasureSpec(
            key="med_harm",
            counts_patient_events=True,
            name="Medication incidents causing harm per 1,000 occupied bed days",
            kind="outcome",
            chart="u",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "Medication incidents graded low harm or above after review, per 1,000 "
                "occupied bed days."
            ),
            numerator="Medication incidents with harm.",
            denominator=BED_DAYS,
            unit=BED_DAYS_UNIT,
            multiplier=1000,
            sim=Sim("rate", (0.6, 1.2), (0.5, 0.7), (800, 3000)),
        ),
        MeasureSpec(
            key="med_prescribing",
            name="Prescribing errors per 1,000 items prescribed",
            kind="outcome",
            chart="up",
            frequency="weekly",
            direction="down",
            operational_definition=(
                "Prescribing errors found and recorded by ward pharmacists at clinical "
                "check, per 1,000 items prescribed that week."
            ),
            numerator="Prescribing errors recorded at clinical check.",
            denominator="Items prescribed.",
            unit="per 1,000 items",
            multiplier=1000,
            sim=Sim("rate", (12.0, 25.0), (0.5, 0.7), (3000, 9000), overdispersion=0.12),
        ),
        MeasureSpec(
            key="med_reconciliation",
            name="Medicines reconciliation within 24 hours of admission",
            kind="process",
            chart="p",
            frequency="weekly",
            direction="up",
            operational_definition=(
                "Patients admitted that week whose medicines were reconciled by a "
                "pharmacist or pharmacy technician within 24 hours of admission."
            ),
            numerator="Patients reconciled within 24 hours.",
            denominator="Patients admitted.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.45, 0.7), (0.82, 0.93), (40, 120)),
        ),
        MeasureSpec(
            key="med_round_minutes",
            name="Length of the morning drug round",
            kind="balancing",
            chart="xmr",
            frequency="weekly",
            direction="neither",
            operational_definition=(
                "The median minutes from start to end of the 08:00 drug round on the five "
                "weekdays, recorded by the nurse in charge. Watches that protected rounds "
                "do not lengthen the round."
            ),
            numerator="Median minutes for the morning drug round.",
            unit="minutes",
            sim=Sim("value", (90.0, 140.0), None, sd=0.08),
        ),
    ),
    primaries=(
        Primary(
            "The right medicines are prescribed",
            (
                Secondary(
                    "Medicines reconciled on admission",
                    (
                        Idea(
                            "Pharmacy technician at the front door",
                            "A pharmacy technician in the admissions unit from 08:00 to "
                            "20:00, starting reconciliation before the ward.",
                            "start reconciliation in the admissions unit",
                            "patients reconciled within 24 hours",
                            ("med_reconciliation", "med_prescribing"),
                        ),
                    ),
                ),
                Secondary(
                    "Prescribers get feedback",
                    (
                        Idea(
                            "Personal prescribing error feedback",
                            "Each junior doctor receives a monthly summary of the errors "
                            "in their prescriptions, with a pharmacist's note.",
                            "send each prescriber a monthly error summary",
                            "prescribers receiving their summary",
                            ("med_prescribing", "med_harm"),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "Critical medicines are given on time",
            (
                Secondary(
                    "Protected drug rounds",
                    (
                        Idea(
                            "Red tabard: do not disturb",
                            "Nurses on the drug round wear a red tabard; others do not "
                            "interrupt them.",
                            "wear the red tabard on the morning drug round",
                            "drug rounds done without interruption",
                            ("med_omitted", "med_round_minutes"),
                        ),
                    ),
                ),
                Secondary(
                    "Critical medicines available on the ward",
                    (
                        Idea(
                            "Critical medicines cupboard",
                            "A stock of the 20 most often omitted critical medicines on "
                            "each ward, with an out-of-hours list.",
                            "keep the critical medicines cupboard stocked and checked",
                            "critical doses given within two hours",
                            ("med_omitted", "med_harm"),
                        ),
                        Idea(
                            "Time-critical Parkinson's medicines alert",
                            "The prescribing system alerts when a Parkinson's dose is 30 "
                            "minutes overdue.",
                            "act on the overdue Parkinson's alert within 30 minutes",
                            "Parkinson's doses on time",
                            ("med_omitted",),
                        ),
                    ),
                ),
            ),
        ),
    ),
    default_set=(
        ("med_omitted", True),
        ("med_harm", True),
        ("med_prescribing", True),
        ("med_reconciliation", False),
        ("med_round_minutes", False),
    ),
    primary_outcome="med_omitted",
    key_ideas=("Critical medicines cupboard", "Pharmacy technician at the front door"),
    webinars=(
        "Omitted doses: what the data show",
        "Human factors and interruptions",
        "Insulin safety on general wards",
    ),
    member_roles=(
        "Ward pharmacist",
        "Pharmacy technician",
        "Staff nurse",
        "Junior doctor",
        "Medication safety officer",
    ),
    units={"acute": "ward", "mental_health": "mh_ward"},
    success_factor=(
        "Pharmacy and nursing co-led every team, so changes on the ward and in pharmacy "
        "were tested together rather than one waiting for the other."
    ),
    lesson=(
        "The electronic prescribing report made weekly data free; teams without one spent "
        "a day a month on audits. Check data sources before enrolling."
    ),
)

PERINATAL_MH = TopicSpec(
    slug="perinatal-mental-health",
    name="Perinatal mental health",
    kind="local",
    evidence=(
        "Up to one in five women has a mental health problem in pregnancy or the first year "
        "after birth, and suicide is a leading cause of maternal death a year after birth "
        "(MBRRACE-UK). Asking about emotional wellbeing at every contact and a quick route "
        "to specialist perinatal mental health services are the basis of improvement. The "
        "King's Fund review (2019) names perinatal mental health among areas where "
        "collaboratives were delivering improvement."
    ),
    measures=(
        MeasureSpec(
            key="pmh_asked",
            name="Women asked about emotional wellbeing at booking and at 28 weeks",
            kind="process",
            chart="p",
            frequency="monthly",
            direction="up",
            operational_definition=(
                "Women reaching 28 weeks in the month whose record shows the Whooley "
                "questions asked at booking and again at 28 weeks."
            ),
            numerator="Women asked at both contacts.",
            denominator="Women reaching 28 weeks in the month.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.55, 0.75), (0.88, 0.96), (80, 300)),
        ),
        MeasureSpec(
            key="pmh_seen_14_days",
            name="Referrals assessed within 14 days",
            kind="outcome",
            chart="p",
            frequency="monthly",
            direction="up",
            operational_definition=(
                "Routine referrals to the specialist perinatal mental health service "
                "received in the month and assessed face to face within 14 days."
            ),
            numerator="Referrals assessed within 14 days.",
            denominator="Routine referrals received in the month.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.45, 0.65), (0.78, 0.9), (10, 40)),
        ),
        MeasureSpec(
            key="pmh_days_to_assessment",
            name="Median days from referral to first assessment",
            kind="outcome",
            chart="xmr",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "The median, over the month's routine referrals, of calendar days from "
                "receiving the referral to the first face-to-face assessment."
            ),
            numerator="Median days from referral to assessment.",
            unit="days",
            sim=Sim("value", (18.0, 30.0), (0.5, 0.7), sd=0.15, decimals=1),
        ),
        MeasureSpec(
            key="pmh_not_attended",
            name="First appointments not attended",
            kind="balancing",
            chart="p",
            frequency="monthly",
            direction="neither",
            operational_definition=(
                "First appointments in the month that the woman did not attend without "
                "notice, as a share of first appointments booked."
            ),
            numerator="First appointments not attended.",
            denominator="First appointments booked.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.1, 0.18), None, (10, 40)),
        ),
    ),
    primaries=(
        Primary(
            "Every woman is asked, every time",
            (
                Secondary(
                    "Questions built into routine contacts",
                    (
                        Idea(
                            "Whooley questions in the maternity record",
                            "The electronic maternity record prompts the Whooley questions "
                            "at booking and at 28 weeks.",
                            "ask the Whooley questions when the record prompts",
                            "women asked at booking and at 28 weeks",
                            ("pmh_asked",),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "Quick access to specialist help",
            (
                Secondary(
                    "One referral route",
                    (
                        Idea(
                            "Single point of access for perinatal referrals",
                            "One email address and one form for all referrals from "
                            "midwives, health visitors and GPs.",
                            "send referrals through the single point of access",
                            "referrals triaged within two working days",
                            ("pmh_seen_14_days", "pmh_days_to_assessment"),
                        ),
                    ),
                ),
                Secondary(
                    "Assessment close to home",
                    (
                        Idea(
                            "Joint clinics in children's centres",
                            "Perinatal mental health nurses hold clinics in children's "
                            "centres alongside health visitors.",
                            "offer first assessments in the children's centre clinic",
                            "first assessments attended",
                            ("pmh_seen_14_days", "pmh_not_attended"),
                        ),
                    ),
                ),
            ),
        ),
    ),
    default_set=(
        ("pmh_asked", True),
        ("pmh_seen_14_days", True),
        ("pmh_days_to_assessment", True),
        ("pmh_not_attended", False),
    ),
    primary_outcome="pmh_seen_14_days",
    key_ideas=("Single point of access for perinatal referrals",),
    webinars=(
        "Asking the questions well",
        "Partners and fathers: the forgotten parent",
        "What women told us about referral",
    ),
    member_roles=(
        "Specialist perinatal mental health nurse",
        "Community midwife",
        "Health visitor",
        "Consultant perinatal psychiatrist",
        "Peer support worker",
    ),
    units={
        "mental_health": "pmh_service",
        "acute": "maternity",
        "primary_care": "whole",
        "ics": "system",
    },
    success_factor="",
    lesson="",
)

PRESSURE_ULCERS = TopicSpec(
    slug="pressure-ulcers",
    name="Pressure ulcers",
    kind="local",
    evidence=(
        "Pressure ulcers affect hundreds of thousands of people a year in England, in "
        "hospitals, care homes and at home, and most are avoidable. The SSKIN bundle "
        "(surface, skin inspection, keep moving, incontinence and moisture, nutrition) and "
        "campaigns such as React to Red give staff and carers a shared approach."
    ),
    measures=(
        MeasureSpec(
            key="pu_rate",
            counts_patient_events=True,
            name="New category 2 to 4 pressure ulcers per 1,000 occupied bed days",
            kind="outcome",
            chart="u",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "Pressure ulcers of category 2 or above that developed in the team's care, "
                "confirmed by a tissue viability nurse, per 1,000 occupied bed days (for "
                "community teams, per 1,000 caseload days)."
            ),
            numerator="New category 2 to 4 pressure ulcers confirmed.",
            denominator="Occupied bed days (or caseload days for community teams).",
            unit=BED_DAYS_UNIT,
            multiplier=1000,
            sim=Sim("rate", (1.2, 2.4), (0.4, 0.65), (800, 3000)),
        ),
        MeasureSpec(
            key="pu_sskin",
            name="Patients at risk with a completed SSKIN care plan",
            kind="process",
            chart="p",
            frequency="weekly",
            direction="up",
            operational_definition=(
                "Patients with a Waterlow score of 10 or more on the weekly audit day whose "
                "SSKIN care plan is complete and up to date."
            ),
            numerator="At-risk patients with a complete SSKIN plan.",
            denominator="At-risk patients audited.",
            unit=PERCENT,
            multiplier=100,
            counts_people=True,
            sim=Sim("proportion", (0.4, 0.65), (0.85, 0.95), (30, 80)),
        ),
        MeasureSpec(
            key="pu_device",
            counts_patient_events=True,
            name="Device-related pressure ulcers",
            kind="outcome",
            chart="c",
            frequency="monthly",
            direction="down",
            operational_definition=(
                "New pressure ulcers caused by a medical device (oxygen tubing, catheters, "
                "stockings, casts) in the month, any category."
            ),
            numerator="New device-related pressure ulcers.",
            sim=Sim("count", (1.5, 4.0), (0.4, 0.7)),
        ),
        MeasureSpec(
            key="pu_inspection_minutes",
            name="Nursing minutes per patient per day on skin inspection",
            kind="balancing",
            chart="xmr",
            frequency="weekly",
            direction="neither",
            operational_definition=(
                "From a one-day time-and-motion sample each week, the median minutes of "
                "nursing time per patient spent on skin inspection and repositioning."
            ),
            numerator="Median minutes per patient per day.",
            unit="minutes",
            sim=Sim("value", (12.0, 20.0), None, sd=0.1, decimals=1),
        ),
    ),
    primaries=(
        Primary(
            "Skin damage is spotted early",
            (
                Secondary(
                    "Skin inspected at every turn",
                    (
                        Idea(
                            "React to Red skin checks",
                            "Carers and nurses check heels, sacrum and ears at every turn "
                            "and act on any red area that does not fade.",
                            "check skin at every turn and act on red areas",
                            "at-risk patients with skin checks at every turn",
                            ("pu_sskin", "pu_rate"),
                        ),
                    ),
                ),
            ),
        ),
        Primary(
            "Pressure is relieved",
            (
                Secondary(
                    "Keep moving",
                    (
                        Idea(
                            "Repositioning clock by the bed",
                            "A clock face by each at-risk patient's bed shows when the "
                            "next turn is due.",
                            "use the repositioning clock for at-risk patients",
                            "turns done on time",
                            ("pu_sskin", "pu_rate"),
                        ),
                    ),
                ),
                Secondary(
                    "Devices checked",
                    (
                        Idea(
                            "Device check on the observation chart",
                            "A tick box on the observation chart for checking skin under "
                            "every device.",
                            "check skin under devices at each observation round",
                            "devices checked at each round",
                            ("pu_device",),
                        ),
                    ),
                ),
            ),
        ),
    ),
    default_set=(
        ("pu_rate", True),
        ("pu_sskin", True),
        ("pu_device", False),
        ("pu_inspection_minutes", False),
    ),
    primary_outcome="pu_rate",
    key_ideas=("React to Red skin checks", "Repositioning clock by the bed"),
    webinars=(
        "React to Red for carers and families",
        "Heels: the forgotten pressure area",
        "Nutrition and skin integrity",
    ),
    member_roles=(
        "Tissue viability nurse",
        "District nurse",
        "Healthcare assistant",
        "Senior carer",
        "Dietitian",
    ),
    units={
        "community": "district",
        "care_home": "care_home",
        "other": "whole",
        "acute": "ward",
    },
    success_factor=(
        "Training carers in care homes alongside district nurses: one message, one "
        "language for skin damage across the whole pathway."
    ),
    lesson=(
        "The device-related count was too small to chart monthly on its own; combine it "
        "with the all-cause rate or use days between events."
    ),
)

TOPICS = (
    SAFETY_CULTURE,
    DETERIORATION,
    MATERNITY,
    LAPAROTOMY,
    FALLS,
    MEDICATION,
    SEPSIS,
    PERINATAL_MH,
    CARE_HOMES,
    PRESSURE_ULCERS,
)
TOPICS_BY_SLUG = {topic.slug: topic for topic in TOPICS}

# Said about any collaborative: the design record draws from these (see builder).
DESIGN_INITIAL = (
    "Breakthrough Series design: {sessions} learning sessions with action periods "
    "between them, monthly webinars, teams reporting {frequency} data through Collab. "
    "Measures agreed with the clinical leads at the expert meeting; stretch target set "
    "before enrolment."
)
DESIGN_CHANGES = (
    "Learning session 2 moved online after winter pressures cancelled study leave; "
    "attendance rose from 60% to 85% of teams.",
    "Added a monthly data clinic for teams without an analyst after three teams missed "
    "two months of data.",
    "Split the action period webinars into two shorter sessions at lunchtime, as ward "
    "staff could not leave for an hour.",
    "Asked each team to name a data lead at enrolment after the first action period "
    "showed teams without one reported late.",
)
DESIGN_SUCCESS = (
    "Executive sponsors met the faculty every quarter: teams with an engaged sponsor "
    "tested about twice as many changes.",
    "Teams presented one run chart each at every learning session; seeing peers' data "
    "did more than any lecture.",
    "Small tests first: teams that began with one patient on one shift reached a "
    "whole-unit change sooner than those that started big.",
)
DESIGN_LESSONS = (
    "Agree operational definitions before the baseline: two teams had to recollect three "
    "months of data after counting differently.",
    "Plan for sustain from the start: name who will own each measure when the "
    "collaborative closes.",
)

ANNOTATIONS = (
    "New ward manager started",
    "Ward moved to a temporary area during refurbishment",
    "Winter escalation: extra beds opened",
    "Norovirus outbreak: bays closed to admissions",
    "Electronic observations system went live",
    "Two staff nurse vacancies filled",
)

DO_NOTES = (
    "Done as planned. The night shift needed a reminder at handover on the second day.",
    "Done on most shifts; missed twice when the ward was short of two nurses.",
    "Done as planned. Patients and families were positive; one relative asked for a copy.",
    "Started a day late because the forms had not been printed.",
    "Done as planned; the healthcare assistants suggested moving the prompt to the "
    "observation chart.",
)
STUDY_SHORT = (
    "Less than predicted: the prompt was easy to miss when the ward was busy.",
    "About as predicted; the main gap was at weekends.",
    "Better than predicted once the nurse in charge checked it at the midday huddle.",
)
ACT_NOTES = {
    "adapt": (
        "Adapt: move the prompt to where staff already look and test on a bigger scale.",
        "Adapt: add it to the handover sheet and test for a week across the unit.",
    ),
    "adopt": (
        "Adopt: make it standard work, add it to induction and keep measuring weekly.",
        "Adopt: agreed at the unit meeting; the matron will check it at her weekly round.",
    ),
    "abandon": (
        "Abandon: it duplicated the electronic record and staff found it added work "
        "without benefit.",
        "Abandon: could not be staffed reliably; try the idea the faculty suggested instead.",
    ),
}
SCALES = (
    "one patient on one shift",
    "the next five admissions",
    "one bay for a week",
    "the whole unit for two weeks",
)
FACULTY_NOTES = {
    "improver": "Clear shift in the outcome after the adopted change; keep the weekly audit.",
    "stable": "Testing well but the outcome has not moved: pick one change and test it more.",
    "fader": "Gains slipping since the team lead left; sponsor asked to help.",
    "late": "Good ramp of tests; too early to see the outcome move.",
    "recovered": "Harm rose with winter agency staffing; back to its usual level since spring.",
}

# A team's own change idea, added under the collaborative's driver diagram: (title, description).
LOCAL_IDEAS = {
    FALLS.slug: (
        "Red socks for patients who need help to walk",
        "Our own idea: red non-slip socks so any member of staff can see at a glance who "
        "should not walk alone.",
    ),
    CARE_HOMES.slug: (
        "Night-light path to the en-suite",
        "Motion-sensor night lights from bed to toilet in every room on the first floor.",
    ),
    LAPAROTOMY.slug: (
        "Laparotomy 'golden hour' phone",
        "A dedicated phone held by the on-call registrar for all emergency laparotomy calls.",
    ),
    SEPSIS.slug: (
        "Sepsis champion on every shift",
        "One named nurse per shift checks every red-flag patient has had antibiotics.",
    ),
    DETERIORATION.slug: (
        "Night-time NEWS2 check by the site team",
        "The night site manager checks overdue observations on each ward at 02:00.",
    ),
    MATERNITY.slug: (
        "Warm towels cabinet in every birth room",
        "A towel warmer in each birth room so babies are dried and wrapped in warm towels.",
    ),
    SAFETY_CULTURE.slug: (
        "Thank-you cards from the huddle",
        "The huddle lead writes a thank-you card for one member of staff each week.",
    ),
    MEDICATION.slug: (
        "Insulin dose double-check at the bedside",
        "Two nurses check every insulin dose at the bedside, not at the trolley.",
    ),
    PERINATAL_MH.slug: (
        "Text reminder the day before first appointments",
        "An automated text the day before a woman's first appointment, with a number to call.",
    ),
    PRESSURE_ULCERS.slug: (
        "Heel offloading boots on the ward",
        "A stock of heel offloading boots on the ward instead of ordering from stores.",
    ),
}

# A team's own custom measure (the showcase team's), outside the topic library.
CUSTOM_NIGHT_FALLS = MeasureSpec(
    key="night_falls",
    counts_patient_events=True,
    name="Falls at night (22:00 to 07:00)",
    kind="outcome",
    chart="c",
    frequency="weekly",
    direction="down",
    operational_definition=(
        "Falls on the ward between 22:00 and 07:00 in the week, from the incident system. "
        "Our own measure: most of our falls happened at night when the bays were not tagged."
    ),
    numerator="Falls between 22:00 and 07:00.",
    sim=Sim("count", (4.0, 7.0), (0.4, 0.6)),
)
