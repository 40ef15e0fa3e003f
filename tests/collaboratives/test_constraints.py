"""Database constraints reject what forms might let through: each test names one rule."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from collaboratives.models import (
    Collaborative,
    DriverNode,
    LearningEvent,
    Organisation,
    PDSACycle,
    StretchTarget,
    Team,
    TeamAssessment,
    TeamMembership,
)
from governance.history import AppendOnlyError
from governance.models import Person, Role, RoleAssignment
from measures.models import DataPoint, DataPointRevision, Measure, Phase, PointMark, Series
from tests.cast import START, build_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return build_cast()


def rejected(make):
    """Whether the database refuses the row `make()` writes."""
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.TRUST_LEAD, "collaborative"),
        (Role.TRUST_LEAD, None),
        (Role.TEAM_MEMBER, "ahsn"),
        (Role.CLINICAL_LEAD, "team"),
        (Role.CLINICAL_LEAD, "ahsn"),
        (Role.AHSN_DIRECTOR, "collaborative"),
        (Role.AHSN_DIRECTOR, None),
        (Role.NATIONAL_VIEWER, "ahsn"),
        (Role.IMPROVEMENT_MANAGER, "team"),
        (Role.IMPROVEMENT_MANAGER, None),
        ("emperor", None),
    ],
)
def test_it_rejects_a_role_in_the_wrong_scope(cast, role, scope):
    person = Person.objects.create(name="Pat")
    objects = {"ahsn": cast.east, "collaborative": cast.falls, "team": cast.alpha}
    kwargs = {scope: objects[scope]} if scope else {}
    assert rejected(lambda: RoleAssignment.objects.create(person=person, role=role, **kwargs))


def test_it_rejects_a_role_with_two_scopes(cast):
    person = Person.objects.create(name="Pat")
    assert rejected(
        lambda: RoleAssignment.objects.create(
            person=person, role=Role.IMPROVEMENT_MANAGER, ahsn=cast.east, collaborative=cast.falls
        )
    )


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.NATIONAL_VIEWER, None),
        (Role.AHSN_DIRECTOR, "ahsn"),
        (Role.IMPROVEMENT_MANAGER, "ahsn"),
        (Role.IMPROVEMENT_MANAGER, "collaborative"),
        (Role.CLINICAL_LEAD, "collaborative"),
        (Role.TRUST_LEAD, "team"),
        (Role.TEAM_MEMBER, "team"),
    ],
)
def test_it_accepts_each_role_in_its_own_scope_once(cast, role, scope):
    person = Person.objects.create(name="Pat")
    objects = {"ahsn": cast.east, "collaborative": cast.falls, "team": cast.alpha}
    kwargs = {scope: objects[scope]} if scope else {}
    RoleAssignment.objects.create(person=person, role=role, **kwargs)
    assert rejected(lambda: RoleAssignment.objects.create(person=person, role=role, **kwargs))


@pytest.mark.parametrize("rating", [Decimal("2.3"), Decimal("0"), Decimal("5.5"), Decimal("-1")])
def test_it_rejects_an_assessment_off_the_ihi_scale(cast, rating):
    month = dt.date(2024, 3, 1)
    assert rejected(
        lambda: TeamAssessment.objects.create(team=cast.alpha, month=month, self_rating=rating)
    )
    assert rejected(
        lambda: TeamAssessment.objects.create(team=cast.alpha, month=month, faculty_rating=rating)
    )


def test_it_accepts_every_half_step_of_the_ihi_scale_once_a_month(cast):
    for i, score in enumerate(
        ["0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0"]
    ):
        TeamAssessment.objects.create(
            team=cast.alpha,
            month=dt.date(2024, 1 + i, 1),
            self_rating=Decimal(score),
            faculty_rating=Decimal(score),
        )
    assert rejected(
        lambda: TeamAssessment.objects.create(team=cast.alpha, month=dt.date(2024, 1, 1))
    )


def test_it_rejects_a_duplicate_ods_code_and_an_unknown_organisation_kind(cast):
    assert rejected(lambda: Organisation.objects.create(ods_code="RA1", name="Copy", kind="acute"))
    assert rejected(lambda: Organisation.objects.create(ods_code="RZ9", name="X", kind="castle"))


def test_it_rejects_a_collaborative_that_ends_before_it_starts_or_has_no_known_phase(cast):
    def make(**overrides):
        fields = dict(
            name="Backwards",
            slug="backwards",
            lead_ahsn=cast.east,
            topic=cast.falls.topic,
            aim_statement="Aim",
            starts_on=START,
        )
        fields.update(overrides)
        return lambda: Collaborative.objects.create(**fields)

    assert rejected(make(ends_on=START - dt.timedelta(days=1)))
    assert rejected(make(phase="paused"))
    assert rejected(make(rule_convention="magic"))
    assert rejected(make(slug="falls"))
    assert rejected(make(shift_length=5))


def test_it_rejects_a_second_team_for_the_same_organisation_and_unit(cast):
    assert rejected(
        lambda: Team.objects.create(
            collaborative=cast.falls, organisation=cast.alpha.organisation, joined_on=START
        )
    )
    ward = Team.objects.create(
        collaborative=cast.falls,
        organisation=cast.alpha.organisation,
        unit="Ward 7",
        joined_on=START,
    )
    assert ward.pseudonym.startswith("Team ") and ward.pseudonym != cast.alpha.pseudonym


def test_it_rejects_a_withdrawn_team_without_a_date(cast):
    cast.alpha.status = Team.Status.WITHDRAWN
    assert rejected(cast.alpha.save)


def test_it_protects_a_team_with_data_from_deletion(cast):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        cast.alpha.delete()


def test_it_rejects_a_membership_that_ends_before_it_starts(cast):
    person = Person.objects.create(name="Sam")
    assert rejected(
        lambda: TeamMembership.objects.create(
            team=cast.alpha, person=person, joined_on=START, left_on=START - dt.timedelta(days=1)
        )
    )


def test_it_rejects_an_event_that_ends_before_it_starts(cast):
    assert rejected(
        lambda: LearningEvent.objects.create(
            collaborative=cast.falls,
            kind="learning_session",
            title="LS1",
            starts_on=START,
            ends_on=START - dt.timedelta(days=1),
        )
    )


def test_it_rejects_a_driver_diagram_with_a_second_root_or_a_team_driver(cast):
    assert rejected(
        lambda: DriverNode.objects.create(collaborative=cast.falls, kind="primary", title="Orphan")
    )
    aim = DriverNode.objects.get(collaborative=cast.falls, kind="aim")
    assert rejected(
        lambda: DriverNode.objects.create(
            collaborative=cast.falls, kind="aim", parent=aim, title="x"
        )
    )
    assert rejected(
        lambda: DriverNode.objects.create(
            collaborative=cast.falls, kind="primary", parent=aim, title="Mine", team=cast.alpha
        )
    )


def test_it_rejects_a_cycle_with_an_unknown_decision_or_done_without_one(cast):
    cycle = cast.alpha_cycle
    cycle.act_decision = "ignore"
    assert rejected(cycle.save)
    cycle.act_decision = ""
    cycle.status = PDSACycle.Status.DONE
    assert rejected(cycle.save)
    cycle.planned_end = cycle.planned_start - dt.timedelta(days=1)
    cycle.status = PDSACycle.Status.PLANNING
    assert rejected(cycle.save)


def test_it_keeps_every_stretch_target_setting_and_never_edits_one(cast):
    first = StretchTarget.objects.create(
        collaborative=cast.falls,
        measure=cast.falls_rate,
        baseline_value=Decimal("7.2"),
        baseline_period_start=START,
        baseline_period_end=dt.date(2024, 6, 1),
        target_value=Decimal("5.0"),
        target_date=dt.date(2025, 3, 31),
        reason="Agreed at the first learning session",
        set_at=dt.datetime(2024, 7, 1, tzinfo=dt.UTC),
    )
    second = StretchTarget.objects.create(
        collaborative=cast.falls,
        measure=cast.falls_rate,
        baseline_value=Decimal("7.2"),
        baseline_period_start=START,
        baseline_period_end=dt.date(2024, 6, 1),
        target_value=Decimal("4.0"),
        target_date=dt.date(2025, 3, 31),
        reason="Teams beat the first target early",
        set_at=dt.datetime(2024, 12, 1, tzinfo=dt.UTC),
    )
    assert cast.falls.current_stretch_target() == second
    assert list(cast.falls.stretch_targets.all()) == [second, first]
    first.target_value = Decimal("1")
    with pytest.raises(AppendOnlyError):
        first.save()
    assert rejected(
        lambda: StretchTarget.objects.create(
            collaborative=cast.falls,
            measure=cast.falls_rate,
            baseline_value=1,
            baseline_period_start=START,
            baseline_period_end=START,
            target_value=1,
            target_date=START,
            reason="",
            set_at=dt.datetime(2024, 12, 1, tzinfo=dt.UTC),
        )
    )


def measure(**overrides):
    fields = dict(
        name="Another",
        kind="outcome",
        operational_definition="d",
        numerator_definition="n",
        frequency="monthly",
        direction="down",
        chart_type="c",
    )
    fields.update(overrides)
    return lambda: Measure.objects.create(**fields)


def test_it_rejects_a_measure_outside_a_library_or_team_or_with_bad_choices(cast):
    topic = cast.falls.topic
    assert rejected(measure())  # neither library nor team
    assert rejected(measure(topic=topic, team=cast.alpha))  # both
    assert rejected(measure(topic=topic, chart_type="pie"))
    assert rejected(measure(topic=topic, direction="sideways"))
    assert rejected(measure(topic=topic, kind="vanity"))
    assert rejected(measure(topic=topic, frequency="daily"))
    assert rejected(measure(topic=topic, multiplier=0))
    assert rejected(measure(topic=topic, name=cast.falls_rate.name))


def test_it_rejects_an_event_chart_on_periods_and_a_periodic_chart_on_events(cast):
    topic = cast.falls.topic
    assert rejected(measure(topic=topic, chart_type="g", frequency="monthly"))
    assert rejected(measure(topic=topic, chart_type="c", frequency="event"))
    measure(topic=topic, name="Days between falls with harm", chart_type="t", frequency="event")()


def test_it_rejects_a_second_series_of_a_measure_for_one_team(cast):
    assert rejected(lambda: Series.objects.create(team=cast.alpha, measure=cast.falls_rate))


@pytest.mark.parametrize(
    ("numerator", "denominator"),
    [(-1, 10), (1, -10), (3, 0)],
)
def test_it_rejects_impossible_data_points_even_past_the_write_path(cast, numerator, denominator):
    assert rejected(
        lambda: DataPoint.objects.create(
            series=cast.alpha_series,
            period_start=START,
            numerator=numerator,
            denominator=denominator,
        )
    )


def test_it_rejects_two_points_for_one_period(cast):
    DataPoint.objects.create(
        series=cast.alpha_series, period_start=START, numerator=1, denominator=9
    )
    assert rejected(
        lambda: DataPoint.objects.create(series=cast.alpha_series, period_start=START, numerator=2)
    )


def test_it_rejects_phases_and_marks_without_a_reason_or_twice(cast):
    assert rejected(
        lambda: Phase.objects.create(series=cast.alpha_series, start_period=START, reason="")
    )
    PointMark.objects.create(
        series=cast.alpha_series, period_start=START, kind="excluded", reason="x"
    )
    assert rejected(
        lambda: PointMark.objects.create(
            series=cast.alpha_series, period_start=START, kind="excluded", reason="again"
        )
    )
    assert rejected(
        lambda: PointMark.objects.create(
            series=cast.alpha_series, period_start=START, kind="odd", reason="x"
        )
    )


def test_it_never_updates_or_deletes_a_revision(cast):
    revision = DataPointRevision.objects.create(
        series=cast.alpha_series,
        period_start=START,
        new_numerator=1,
        version=1,
        changed_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC),
        source="seed",
    )
    with pytest.raises(AppendOnlyError):
        revision.save()
    with pytest.raises(AppendOnlyError):
        revision.delete()
    with pytest.raises(AppendOnlyError):
        DataPointRevision.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        DataPointRevision.objects.update(reason="rewritten")
    assert rejected(
        lambda: DataPointRevision.objects.create(
            series=cast.alpha_series,
            period_start=START,
            version=1,
            changed_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC),
            source="gossip",
        )
    )
