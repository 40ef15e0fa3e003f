"""The disclosure matrix: what viewers outside a collaborative see of its figures and teams,
through every named URL, beside the permission matrix (and on its world).

Markers are seeded into the falls collaborative: a measure that counts people, with small
counts at unusual denominators (5-digit, never a multiple of 5) for alpha, beta and
withdrawn omega, one large unrounded count, and their monthly totals. Published, a small
count is "*" and every other count a multiple of 5, so none of these numbers may appear
in the bytes of any response (an XLSX is unzipped first) to a viewer outside falls: the
national viewer, a signed-in user with no role, an anonymous visitor, and the leads of
teams in other collaboratives (gamma in sepsis, delta in maternity). Every viewer,
including the lead of the peer team beta (inside falls: raw figures are shared there),
must not see the name of a team that did not agree to be named, unless it is their own:
of the cast's teams only beta agreed.

Every named URL has an entry in tests/governance/matrix/disclosure.py; its object and fixed
parameters come from the permission matrix's tables. Each case is one GET as one viewer.
"""

import datetime as dt
import io
import logging
import re
import zipfile
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from collaboratives.models import LearningEvent, PDSACycle, StretchTarget, Team
from collaboratives.workflows import attendance_set, event_people
from dashboards.summaries import summaries_compute
from governance.models import Person
from measures.data import series_inputs
from measures.models import CollaborativeMeasure, DataPointRevision, Measure, Series
from measures.periods import period_starts
from measures.recompute import chart_results_store, charts_compute
from measures.writes import PointChange, datapoints_write
from tests.cast import event_measure
from tests.governance.conftest import DISCLOSURE_PROPERTY
from tests.governance.matrix.disclosure import DISCLOSURE
from tests.governance.matrix.world import TARGETS, build_world
from tests.governance.test_permission_matrix import APPS, named_urls, table

# Viewer -> the teams whose names it may see besides beta's (which agreed to be named).
OUTSIDE = ("national", "outsider", "anonymous", "gamma_lead", "delta_lead")
INSIDER = "beta_lead"  # the one viewer inside falls
VIEWERS = {
    "national": set(),
    "outsider": set(),
    "anonymous": set(),
    "gamma_lead": {"gamma"},
    "delta_lead": {"delta"},
    "beta_lead": set(),  # inside falls: figures shared, names only where agreed
}
TEAM_NAMES = {
    "alpha": "Alpha Hospitals",
    "gamma": "Gamma Hospitals",
    "delta": "Delta Hospitals",
    "omega": "Omega Hospitals",
}
# Targets asked about: all but `missing` (a guessed id shows nothing of anyone), and alpha's
# series of the event-dated measure (`events`, as a series and as a team's series).
ASKED = {kind: sorted(t - {"missing"}) or ["missing"] for kind, t in TARGETS.items()}
for _kind in ("series", "team"):
    ASKED[_kind].append("events")

# The dashboards' fragment cache on (tests/conftest.py `fragment_cache`): one cache shared by
# every viewer's requests within a test, so that a fragment cached for one viewer and served
# to another with a different view would show here as a wrong answer or a leak.
pytestmark = pytest.mark.usefixtures("fragment_cache")


@dataclass
class DisclosureWorld:
    world: object
    measure_entry: int  # the falls collaborative's entry for the marker measure
    markers: set[str]
    clients: dict
    event_entry: int = 0  # falls' entry for the event-dated measure
    event_day: dt.date | None = None  # a date with an event at alpha
    event_dates: frozenset = frozenset()  # every team's event dates


# Event dates of the event-dated measure (one row per event, "days between falls with severe
# harm"): each is a harm to a patient on a day at a team. Days 10 to 28, never a Monday in
# January to March 2024 (the world's weekly periods) nor the 1st (its monthly ones).
EVENT_DATES = {
    "own": [dt.date(2024, 2, 13), dt.date(2024, 4, 17), dt.date(2024, 6, 20), dt.date(2024, 9, 26)],
    "peer": [dt.date(2024, 3, 14), dt.date(2024, 5, 22), dt.date(2024, 8, 27)],
    "withdrawn": [dt.date(2024, 2, 21), dt.date(2024, 3, 28)],
}


def _months(today: dt.date) -> list[dt.date]:
    return list(period_starts("monthly", dt.date(2024, 1, 1), today.replace(day=1)))


def build_disclosure_world(today: dt.date | None = None) -> DisclosureWorld:
    """The permission matrix's world, its series pointed at the marker measure's."""
    today = today or dt.date.today()
    world = build_world()
    c = world.cast
    # Free text that happens to hold a team's name is not a team's name shown: the cast
    # names its nurses and cycles after their teams; give them neutral names here.
    for i, person in enumerate(Person.objects.filter(name__startswith="Nurse at ")):
        person.name = f"Nurse {i + 1}"
        person.save()
    for i, cycle in enumerate(PDSACycle.objects.filter(title__startswith="Test at ")):
        cycle.title = f"Test {i + 1}"
        cycle.save()
    Team.objects.filter(pk=c.beta.pk).update(consents_to_be_named=True)
    # Everyone in the teams attended their collaborative's learning session.
    for event in LearningEvent.objects.all():
        memberships = event_people(event=event)
        attendance_set(
            event=event, memberships=memberships, present_ids={m.pk for m in memberships}
        )

    measure = Measure.objects.create(
        topic=c.falls.topic,
        name="Patients screened for delirium",
        kind=Measure.Kind.OUTCOME,
        operational_definition="Patients screened on admission.",
        numerator_definition="Patients screened",
        denominator_definition="Patients admitted",
        unit="%",
        multiplier=100,
        frequency=Measure.Frequency.MONTHLY,
        direction=Measure.Direction.UP,
        chart_type=Measure.ChartType.P,
        counts_people=True,
    )
    entry = CollaborativeMeasure.objects.create(collaborative=c.falls, measure=measure)
    # Its stretch target makes it falls' outcome measure: the portfolio, the national page
    # and the dashboard's progress show its pooled figures.
    StretchTarget.objects.create(
        collaborative=c.falls, measure=measure, baseline_value=1, target_value=5,
        baseline_period_start=dt.date(2024, 1, 1), baseline_period_end=dt.date(2024, 3, 31),
        target_date=dt.date(2027, 3, 31), reason="Screen every patient.", set_at=timezone.now(),
    )  # fmt: skip
    omega = Team.objects.get(collaborative=c.falls, organisation__ods_code="RO1")
    series = {
        "own": Series.objects.create(team=c.alpha, measure=measure),
        "peer": Series.objects.create(team=c.beta, measure=measure),
        "withdrawn": Series.objects.create(team=omega, measure=measure),
    }
    months = _months(today)
    values = {  # target -> month index -> (numerator, denominator)
        "own": lambda i: (1 + i % 7, 40817 + 10 * i),
        "peer": lambda i: (20413 + 10 * i, 61339 + 10 * i),
        "withdrawn": lambda i: (2 + i % 5, 52473 + 10 * i),
    }
    for target, s in series.items():
        changes = [PointChange(m, *map(str, values[target](i))) for i, m in enumerate(months)]
        datapoints_write(series=s, changes=changes, by=None,
                         source=DataPointRevision.Source.IMPORT, today=today)  # fmt: skip
    # Markers: every month's figures of each team and of each group of teams (a monthly
    # total), and their sums over every window ending in one of the last three months (a
    # funnel's or a table's figures).
    markers: set[str] = set()
    groups = [("own",), ("peer",), ("withdrawn",), ("own", "peer"), ("own", "peer", "withdrawn")]
    for group in groups:
        monthly = [[values[t](i) for t in group] for i in range(len(months))]
        sums = [(sum(n for n, _ in m), sum(d for _, d in m)) for m in monthly]
        for num, den in sums:
            markers.update((str(num), str(den)))
        for last in range(max(len(sums) - 3, 0), len(sums)):
            for first in range(last + 1):
                window = sums[first : last + 1]
                markers.add(str(sum(n for n, _ in window)))
                markers.add(str(sum(d for _, d in window)))
    inputs = series_inputs([s.pk for s in series.values()])
    chart_results_store(charts_compute(list(inputs.values())))
    summaries_compute(today=today)
    # A multiple of 5 may be a published figure too, and a short number is anywhere (a
    # year, a count of teams): the markers are the long ones. The small counts travel
    # with their 5-digit denominators, in every row, total and window.
    markers = {m for m in markers if int(m) >= 1000 and int(m) % 5}
    for target, s in series.items():
        world.kwargs["series"][target]["pk"] = s.pk
        world.kwargs["team"][target]["series_pk"] = s.pk
    event_entry = _event_measure(c, omega, world, today)
    users = {
        "national": world.users["national"],
        "outsider": world.users["outsider"],
        "beta_lead": world.users["beta_lead"],
        "gamma_lead": User.objects.get(username="gamma_lead"),
        "delta_lead": User.objects.get(username="delta_lead"),
    }
    clients = {}
    for name in VIEWERS:
        client = Client()
        if name != "anonymous":
            client.force_login(users[name])
        clients[name] = client
    return DisclosureWorld(
        world=world,
        measure_entry=entry.pk,
        markers=markers,
        clients=clients,
        event_entry=event_entry,
        event_day=EVENT_DATES["own"][0],
        event_dates=frozenset(d for days in EVENT_DATES.values() for d in days),
    )


def _event_measure(c, omega, world, today: dt.date) -> int:
    """An event-dated measure in falls with events at alpha, beta and omega; its series are
    asked about as the `events` target of series and teams (alpha's). Returns its entry."""
    measure = event_measure(c.falls.topic, counts_patient_events=True)
    entry = CollaborativeMeasure.objects.create(collaborative=c.falls, measure=measure)
    teams = {"own": c.alpha, "peer": c.beta, "withdrawn": omega}
    series = {t: Series.objects.create(team=team, measure=measure) for t, team in teams.items()}
    for target, s in series.items():
        changes = [PointChange(day, "1", None) for day in EVENT_DATES[target]]
        datapoints_write(series=s, changes=changes, by=None,
                         source=DataPointRevision.Source.GRID, today=today)  # fmt: skip
    inputs = series_inputs([s.pk for s in series.values()])
    chart_results_store(charts_compute(list(inputs.values())))
    summaries_compute(today=today)
    world.kwargs["series"]["events"] = {**world.kwargs["series"]["own"], "pk": series["own"].pk}
    world.kwargs["team"]["events"] = {**world.kwargs["team"]["own"], "series_pk": series["own"].pk}
    return entry.pk


def response_text(response) -> str:
    """Everything a response carries: an XLSX (a zip) unzipped, part by part."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            content = b"".join(z.read(name) for name in z.namelist())
    return content.decode("utf-8", errors="replace")


NUMBER = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(?![\d])")


def numbers_in(text: str) -> set[str]:
    """Every whole number written in `text` ("40817", "40,817", "40817.0"), without its
    commas; not the digits after a decimal point (a limit of 0.20413 gives no count away)."""
    return {m.replace(",", "") for m in NUMBER.findall(text)}


# What every page draws at random for each response: the CSRF token (in forms and htmx's
# headers, 64 letters and digits) and the CSP nonce. Their digits are not figures: with 917
# markers of five digits, the three tokens of a page hold one by chance about once in ten
# thousand pages, which failed a CI run once ("marker 20738" on a 404 page, no data on it).
RANDOM_PER_RESPONSE = re.compile(
    r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": "|nonce=")[^"]*'
)


def date_texts(day: dt.date) -> list[str]:
    """The ways a page, an export or a chart may write `day` (its day is 10 or more): ISO
    (JSON, CSV, a URL, Plotly's x), "13 Feb 2024", "13 February", "13/02/2024". Not "Feb 13":
    that is how a month is written ("M y": September 2026 is "Sep 26")."""
    return [day.isoformat(), f"{day.day} {day:%b}", f"{day:%d/%m/%Y}"]


def without_day(text: str, day: dt.date) -> str:
    """`text` with `day` written as "DAY" (every way `date_texts` knows), and the values
    drawn at random per response blanked, so two pages about two days can be compared."""
    for written in date_texts(day):
        text = text.replace(written, "DAY")
    return RANDOM_PER_RESPONSE.sub(r"\1", text)


def excel_serial(day: dt.date) -> str:
    """The number an XLSX stores for a date cell."""
    return str((day - dt.date(1899, 12, 30)).days)


def problems_in(
    text: str, viewer: str, markers: set[str], event_dates: frozenset = frozenset()
) -> list[str]:
    found = []
    if viewer in OUTSIDE:
        text = RANDOM_PER_RESPONSE.sub(r"\1", text)
        figures = numbers_in(text)
        found += [f"marker {m}" for m in sorted(figures & markers)]
        for day in sorted(event_dates):
            shown = [t for t in date_texts(day) if re.search(rf"(?<!\d){re.escape(t)}(?!\d)", text)]
            if excel_serial(day) in figures:
                shown.append(f"Excel date {excel_serial(day)}")
            found += [f"event date {day} as {t!r}" for t in shown]
    for team, name in TEAM_NAMES.items():
        if team not in VIEWERS[viewer] and name in text:
            found.append(f"the name {name!r}")
    return found


def requests_for(name: str, entry: dict, params: set[str], dw: DisclosureWorld):
    """(label, url, headers, control) for each request the disclosure entry asks of URL
    `name`; `control` is the same URL on a day without events, for a URL about an event's
    date ("@event"), else None."""
    permission = _permission_entries()[name]
    variants = [{}] + DISCLOSURE[name].get("variants", [])
    kind = permission["object"]
    for target in ASKED[kind]:
        ids = dw.world.kwargs[kind][target]
        for variant in variants:
            fixed = {**permission.get("kwargs", {}), **variant.get("kwargs", {})}
            kwargs = {p: fixed[p] if p in fixed else ids[p] for p in params}
            # "@event": the date of one of alpha's events (a cell, an event's URL); the same
            # URL on the next day, which had none, is its control (see `run`)
            control = None
            if "@event" in kwargs.values():
                quiet = dw.event_day + dt.timedelta(days=1)
                control = {k: quiet.isoformat() if v == "@event" else v for k, v in kwargs.items()}
                kwargs = {k: dw.event_day.isoformat() if v == "@event" else v
                          for k, v in kwargs.items()}  # fmt: skip
            # "@measure": each measure in turn, the marker one and the event-dated one
            raw_query = variant.get("query", "")
            entries = [dw.measure_entry, dw.event_entry] if "@measure" in raw_query else [None]
            for entry in entries:
                query = raw_query.replace("@measure", str(entry))
                suffix = f"?{query}" if query else ""
                url = reverse(name, kwargs=kwargs) + suffix
                headers = {}
                if variant.get("htmx"):
                    headers["HX-Request"] = "true"
                    if isinstance(variant["htmx"], str):
                        headers["HX-Target"] = variant["htmx"]
                label = f"{target}{' htmx' if headers else ''}"
                if control is None:
                    yield label, url, headers, None
                else:
                    yield label, url, headers, reverse(name, kwargs=control) + suffix


def _permission_entries() -> dict:
    """URL name -> its first permission-matrix entry (the one without a query or label)."""
    out = {}
    for app in APPS:
        for key, entry in table(app).items():
            out.setdefault(key.partition("#")[0].partition("?")[0], entry)
    return out


def run(names, dw: DisclosureWorld, params: dict[str, set[str]]) -> tuple[int, list[str]]:
    """Ask every case of the URLs `names`; return the number of cases and the leaks."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # refusals and 404s are expected here
    cases, leaks = 0, []
    try:
        for name in names:
            for label, url, headers, control in requests_for(
                name, DISCLOSURE[name], params[name], dw
            ):
                # The peer inside the collaborative first: with the fragment cache on, a
                # fragment it was given must never reach a viewer outside.
                for viewer, client in sorted(dw.clients.items(), key=lambda v: v[0] != INSIDER):
                    with transaction.atomic():
                        response = client.get(url, headers=headers)
                        transaction.set_rollback(True)
                    cases += 1
                    text = response_text(response)
                    found = []
                    if control is not None:
                        # The page echoes the day asked about; past that, outside, a day with
                        # an event must read as one without (a history, a form, an answer).
                        with transaction.atomic():
                            quiet = response_text(client.get(control, headers=headers))
                            transaction.set_rollback(True)
                        text = without_day(text, dw.event_day)
                        quiet = without_day(quiet, dw.event_day + dt.timedelta(days=1))
                        if viewer in OUTSIDE and text != quiet:
                            found.append("a day with an event reads unlike one without")
                    found += problems_in(text, viewer, dw.markers, dw.event_dates)
                    if found:
                        leaks.append(f"{name} {label} as {viewer} ({url}): {', '.join(found)}")
    finally:
        logger.setLevel(level)
    return cases, leaks


def unclassified(urls: dict[str, set[str]]) -> list[str]:
    """Named URLs with no disclosure entry."""
    return sorted(set(urls) - set(DISCLOSURE))


CHUNK = 12


def chunks():
    names = sorted(DISCLOSURE)
    for start in range(0, len(names), CHUNK):
        yield pytest.param(names[start : start + CHUNK], id=f"urls-{start // CHUNK + 1}")


@pytest.mark.django_db
@pytest.mark.parametrize("names", list(chunks()))
def test_disclosure_matrix_shows_no_raw_small_count_or_unagreed_name_outside(
    names, record_property
):
    dw = build_disclosure_world()
    cases, leaks = run(names, dw, named_urls())
    record_property(DISCLOSURE_PROPERTY, cases)
    print(f"{cases} disclosure cases")
    assert cases
    assert not leaks, f"{len(leaks)} of {cases} cases disclosed too much:\n" + "\n".join(leaks)


def test_disclosure_matrix_has_an_entry_for_every_named_url():
    urls = named_urls()
    missing = unclassified(urls)
    assert not missing, "URLs with no disclosure-matrix entry: " + ", ".join(missing)
    stale = sorted(set(DISCLOSURE) - set(urls))
    assert not stale, "Disclosure entries for URLs that no longer exist: " + ", ".join(stale)


def test_disclosure_matrix_fails_when_an_unclassified_url_is_added(settings):
    settings.ROOT_URLCONF = "tests.governance.disclosure_urls"
    assert unclassified(named_urls()) == ["leaky_series"]
    with pytest.raises(AssertionError, match="leaky_series"):
        test_disclosure_matrix_has_an_entry_for_every_named_url()


@pytest.mark.django_db
def test_disclosure_matrix_catches_what_an_unguarded_url_shows(settings, monkeypatch):
    """Once classified, the unguarded page's raw figures and name are reported as leaks."""
    settings.ROOT_URLCONF = "tests.governance.disclosure_urls"
    monkeypatch.setitem(DISCLOSURE, "leaky_series", {"shows": "figures", "what": "raw"})
    entries = {**_permission_entries(), "leaky_series": {"object": "series"}}
    monkeypatch.setattr(
        "tests.governance.test_disclosure_matrix._permission_entries", lambda: entries
    )
    dw = build_disclosure_world()
    cases, leaks = run(["leaky_series"], dw, named_urls())
    assert cases == len(ASKED["series"]) * len(VIEWERS)
    national = [leak for leak in leaks if "own as national" in leak]
    assert national and "marker 40817" in national[0] and "'Alpha Hospitals'" in national[0]


def test_a_marker_drawn_by_chance_in_a_csrf_token_or_nonce_is_not_a_figure_shown():
    """Hand-built: the same five digits are a leak in the page's text, not inside the
    random values every response carries."""
    markers = {"20738"}
    chance = (
        '<script nonce="ab20738cd=="></script>'
        '<body hx-headers=\'{"X-CSRFToken": "xY20738zQ"}\'>'
        '<input type="hidden" name="csrfmiddlewaretoken" value="kL20738mN">'
    )
    assert problems_in(chance, "outsider", markers) == []
    assert problems_in(chance + "<td>20,738</td>", "outsider", markers) == ["marker 20738"]
    assert problems_in('<p title="20738">', "national", markers) == ["marker 20738"]
