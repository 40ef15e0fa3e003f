"""Made-up places, organisations, units and people, drawn deterministically.

Nothing here names a real trust or person. ODS codes follow the real shapes (R + two
characters for NHS trusts, V + letter + three digits for care homes, a letter and five
digits for GP practices, Q + two characters for integrated care boards) but are
generated, so any match with a real code is a coincidence.
"""

import random
from dataclasses import dataclass

PLACE_STARTS = (
    "Ash", "Brack", "Bram", "Cal", "Char", "Cran", "Dal", "Elm", "Fal", "Gold", "Hare",
    "Hol", "Kel", "Lang", "Lind", "Mar", "Nether", "Oak", "Pen", "Rad", "Red", "Ros",
    "Sand", "Shel", "Stan", "Thorn", "Wal", "Whit", "Wold", "Yar", "Alder", "Bex",
    "Cotter", "Dray", "Fen", "Grey", "Hatch", "Ivy", "Kings", "Lark", "Mill", "Nor",
    "Orm", "Quen", "Rook", "Sil", "Tarl", "Wren", "Ember", "Fair",
)  # fmt: skip
PLACE_ENDS = (
    "ford", "bridge", "ley", "ham", "wick", "borough", "field", "thorpe", "by", "ton",
    "worth", "stead", "mouth", "minster", "well", "combe", "den", "hurst", "caster", "bury",
)  # fmt: skip
TREES = (
    "Ash", "Beech", "Birch", "Cedar", "Elm", "Hazel", "Holly", "Juniper", "Larch",
    "Linden", "Maple", "Oak", "Rowan", "Willow", "Yew", "Alder", "Aspen", "Hawthorn",
    "Poplar", "Sycamore", "Chestnut", "Laurel", "Magnolia", "Cherry",
)  # fmt: skip
HOMES = ("House", "Lodge", "Court", "Manor", "Grange", "View", "Gardens", "Hall")
STREETS = (
    "Church Street", "High Street", "Station Road", "Park Lane", "Mill Road", "Victoria Road",
    "Market Place", "Queen's Road", "London Road", "Bridge Street", "Castle Street",
)  # fmt: skip
SPECIALTIES = (
    "care of older people",
    "general medicine",
    "stroke rehabilitation",
    "orthopaedics",
    "respiratory",
    "general surgery",
    "cardiology",
    "gastroenterology",
)
FIRST_NAMES = (
    "Amara", "Aisha", "Alice", "Amelia", "Andrew", "Angela", "Anil", "Bethany", "Catherine",
    "Chloe", "Daniel", "David", "Deborah", "Eleanor", "Emma", "Fatima", "Gareth", "Grace",
    "Hannah", "Harpreet", "Imran", "James", "Jasmine", "Joanne", "John", "Karen", "Kwame",
    "Laura", "Liam", "Lucy", "Mark", "Mei", "Michael", "Mohammed", "Nadia", "Naomi", "Neil",
    "Oliver", "Olivia", "Patrick", "Paul", "Priya", "Rebecca", "Richard", "Rosa", "Ruth",
    "Sam", "Sarah", "Sean", "Siobhan", "Sophie", "Stephen", "Tariq", "Thomas", "Victoria",
    "Wei", "Yasmin", "Zainab", "Zoe", "Ifeoma", "Chidi", "Agnieszka", "Tomasz", "Aled",
    "Ewan", "Fiona", "Gemma", "Ian", "Joseph", "Kate", "Leanne", "Matthew", "Nicola",
    "Owen", "Rhiannon", "Sunil", "Usha", "Vikram", "Bronwen", "Kofi",
)  # fmt: skip
SURNAMES = (
    "Ahmed", "Ali", "Allen", "Bailey", "Baker", "Begum", "Bennett", "Brown", "Campbell",
    "Chen", "Clarke", "Collins", "Cooper", "Davies", "Edwards", "Evans", "Fernandes",
    "Fletcher", "Graham", "Green", "Hall", "Harris", "Hughes", "Hussain", "Jackson",
    "James", "Johnson", "Jones", "Kaur", "Kelly", "Khan", "King", "Lee", "Lewis", "Martin",
    "Mensah", "Mitchell", "Moore", "Morgan", "Murphy", "Nowak", "Okafor", "Osei", "O'Brien",
    "Patel", "Phillips", "Price", "Roberts", "Robinson", "Rodrigues", "Scott", "Shah",
    "Singh", "Smith", "Taylor", "Thomas", "Thompson", "Turner", "Walker", "Ward", "Watson",
    "White", "Williams", "Wilson", "Wood", "Wright", "Young", "Chowdhury", "Kowalski",
    "MacDonald", "Nguyen", "Sharma", "Rahman", "Fraser", "Doyle", "Lloyd", "Pritchard",
    "Asante", "Iqbal", "Byrne",
)  # fmt: skip
SAINTS = ("Aidan", "Cuthbert", "Helena", "Clare", "Luke", "Oswald", "Wilfrid", "Giles", "Anne")

# Job titles by organisation kind: (team lead, senior sponsor).
LEAD_TITLES = {
    "acute": ("Ward manager", "Matron", "Consultant nurse"),
    "community": ("Community matron", "District nursing team leader", "Ward manager"),
    "mental_health": ("Ward manager", "Consultant nurse", "Modern matron"),
    "ambulance": ("Clinical team leader", "Head of clinical quality"),
    "primary_care": ("Practice manager", "GP partner", "Lead practice nurse"),
    "care_home": ("Registered manager", "Deputy manager", "Clinical lead nurse"),
    "ics": ("Quality improvement lead", "Head of quality"),
    "other": ("Head of clinical services", "Director of care"),
}
SPONSOR_TITLES = {
    "acute": ("Director of nursing", "Chief nurse", "Medical director", "Deputy chief nurse"),
    "community": ("Director of nursing and quality", "Chief operating officer"),
    "mental_health": ("Director of nursing", "Medical director"),
    "ambulance": ("Medical director", "Director of quality"),
    "primary_care": ("Senior GP partner", "Clinical director of the primary care network"),
    "care_home": ("Regional operations director", "Owner and provider"),
    "ics": ("Chief nursing officer", "Director of quality"),
    "other": ("Chief executive", "Director of patient care"),
}
DOCTOR_WORDS = (
    "consultant", "gp", "medical director", "doctor", "registrar", "psychiatrist", "surgeon",
    "anaesthetist", "geriatrician", "neonatologist",
)  # fmt: skip
NOT_DOCTORS = ("nurse", "midwife", "pharmacist")


def is_doctor(job_title: str) -> bool:
    title = job_title.lower()
    if any(word in title for word in NOT_DOCTORS):
        return False
    return any(word in title.split() or " " in word and word in title for word in DOCTOR_WORDS)


class Places:
    """Unique made-up place names, handed out in a fixed order."""

    PREFIXES = ("", "Upper ", "Lower ", "North ", "South ", "East ", "West ", "Great ", "Little ")

    def __init__(self, seed: str):
        self._names = self._generate(seed)

    def _generate(self, seed: str):
        rng = random.Random(seed)
        for prefix in self.PREFIXES:
            combos = [start + end for start in PLACE_STARTS for end in PLACE_ENDS]
            rng.shuffle(combos)
            for combo in combos:
                yield prefix + combo[0] + combo[1:].lower()

    def next(self) -> str:
        return next(self._names)


@dataclass
class OrgDraft:
    ods_code: str
    name: str
    kind: str
    ahsn_code: str
    place: str


class Codes:
    """ODS-shaped codes, unique across the whole seed."""

    ALNUM = "ABCDEFGHJKLMNPQRTUVWXY0123456789"

    def __init__(self):
        self._trust = iter(f"R{a}{b}" for a in "ABCDEFGHJKLMNPQTVWXY" for b in self.ALNUM)
        self._ics = iter(f"Q{a}{b}" for a in "ABCDEFGHJKLMNPRTUVWXY" for b in self.ALNUM)
        self._care_home = iter(f"V{a}{n:03d}" for a in "MNPQRT" for n in range(101, 1000))
        self._other = iter(f"N{a}{b}{n}" for a in "HJKLM" for b in "ABCDEF" for n in range(10))
        self._practice_counter: dict[str, int] = {}

    def trust(self) -> str:
        return next(self._trust)

    def ics(self) -> str:
        return next(self._ics)

    def care_home(self) -> str:
        return next(self._care_home)

    def other(self) -> str:
        return next(self._other)

    def for_kind(self, kind: str, practice_letter: str) -> str:
        if kind == "care_home":
            return self.care_home()
        if kind == "ics":
            return self.ics()
        if kind == "other":
            return self.other()
        if kind == "primary_care":
            return self.practice(practice_letter)
        return self.trust()

    def practice(self, letter: str) -> str:
        n = self._practice_counter.get(letter, 81000) + 7
        self._practice_counter[letter] = n
        return f"{letter}{n:05d}"


PRACTICE_LETTERS = "ABCDEFGHJKLMNPY"


def organisation_name(kind: str, place: str, other_place: str, rng: random.Random) -> str:
    if kind == "acute":
        return rng.choice(
            (
                f"{place} University Hospitals NHS Foundation Trust",
                f"{place} and {other_place} Hospitals NHS Trust",
                f"{place} Teaching Hospitals NHS Foundation Trust",
                f"{place} General Hospital NHS Trust",
                f"Royal {place} Infirmary NHS Foundation Trust",
            )
        )
    if kind == "mental_health":
        return rng.choice(
            (
                f"{place} and {other_place} Partnership NHS Foundation Trust",
                f"{place} Mental Health NHS Trust",
            )
        )
    if kind == "community":
        return rng.choice(
            (
                f"{place} Community Health Services NHS Trust",
                f"{place} Community Healthcare NHS Trust",
            )
        )
    if kind == "ambulance":
        return f"{place} and {other_place} Ambulance Service NHS Trust"
    if kind == "primary_care":
        return rng.choice(
            (
                f"{place} Medical Practice",
                f"{rng.choice(STREETS)} Surgery, {place}",
                f"{place} Health Centre",
                f"The {rng.choice(TREES)} Tree Practice, {place}",
            )
        )
    if kind == "care_home":
        return rng.choice(
            (
                f"{rng.choice(TREES)} {rng.choice(HOMES)} Care Home, {place}",
                f"{rng.choice(TREES)} {rng.choice(HOMES)} Nursing Home, {place}",
                f"{place} {rng.choice(HOMES)} Residential Home",
            )
        )
    if kind == "ics":
        return f"NHS {place} and {other_place} Integrated Care Board"
    if kind == "other":
        return f"St {rng.choice(SAINTS)}'s Hospice, {place}"
    raise ValueError(kind)


def person_name(rng: random.Random, job_title: str = "") -> str:
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
    return f"Dr {name}" if is_doctor(job_title) else name


def email_for(name: str) -> str:
    """A made-up address on a reserved domain (RFC 2606), so nothing is ever delivered."""
    local = name.removeprefix("Dr ").lower().replace(" ", ".").replace("'", "")
    return f"{local}@nhs.example"


def units(style: str, org_place: str):
    """Every unit name of a style for one organisation, in a fixed order ('' = whole org)."""
    if style in ("whole", "care_home", "system"):
        yield ""
        if style == "care_home":
            yield "Dementia unit"
            yield "Nursing wing"
        return
    if style == "ward":
        for n, specialty in enumerate(SPECIALTIES):
            yield f"Ward {n + 10} ({specialty})"
        for tree in TREES:
            for specialty in SPECIALTIES:
                yield f"{tree} Ward ({specialty})"
        return
    if style == "community_ward":
        for tree in TREES:
            yield f"{tree} Ward, {org_place} Community Hospital"
        return
    if style == "mh_ward":
        for tree in TREES:
            yield f"{tree} Ward (older adults' mental health)"
        return
    if style == "hospital":
        yield f"{org_place} General Hospital"
        for tree in TREES:
            yield f"{tree} Wing adult wards"
        return
    if style == "surgery":
        yield "Emergency general surgery"
        for tree in TREES:
            yield f"Emergency general surgery, {tree} site"
        return
    if style == "front_door":
        yield from ("Emergency department", "Acute medical unit", "Surgical assessment unit")
        for tree in TREES:
            yield f"Emergency department, {tree} site"
        return
    if style == "maternity":
        yield "Maternity unit"
        for tree in TREES:
            yield f"{tree} Birth Centre"
        return
    if style == "department":
        yield from ("Emergency department", "Theatres", "Medical wards", "Outpatients")
        for tree in TREES:
            yield f"{tree} Ward"
        return
    if style == "ambulance":
        yield from ("Emergency operations centre", "North division", "South division")
        return
    if style == "district":
        for tree in TREES:
            yield f"District nursing, {tree} locality"
        return
    if style == "pmh_service":
        yield "Specialist perinatal mental health service"
        for tree in TREES:
            yield f"Perinatal mental health, {tree} locality"
        return
    raise ValueError(style)
