"""Forms for setting a collaborative up, in the NHS.UK style: each error says what to do.

Every form builds on `NHSFormMixin` (governance/forms.py), which also runs the
NHS-number check on every field.
"""

import datetime as dt
from decimal import Decimal

from django import forms
from django.db import models
from django.db.models import Q
from django.utils import timezone

from collaboratives.models import (
    AHSN,
    ASSESSMENT_LEVELS,
    CONTRIBUTION_CHOICES,
    Collaborative,
    DesignFeature,
    DriverNode,
    LearningEvent,
    PDSACycle,
    StretchTarget,
    Team,
    TeamMembership,
    Topic,
)
from governance.forms import INVALID_DATE, DateInput, NHSFormMixin, date_field
from measures.models import Measure
from measures.spc import ChartKind

YES_NO = [(True, "Yes"), (False, "No")]


def _yes_no(value) -> bool | None:
    return {"True": True, "False": False, True: True, False: False}.get(value)


def _messages(form, messages: dict[str, dict[str, str]]) -> None:
    for name, codes in messages.items():
        form.fields[name].error_messages.update(codes)


class CollaborativeForm(NHSFormMixin, forms.ModelForm):
    """A collaborative's set-up: on creation also its lead AHSN and topic."""

    new_topic_name = forms.CharField(
        label="Or name a new local priority",
        required=False,
        max_length=200,
        help_text="Only if the topic is not in the list.",
    )
    members_named_by_default = forms.TypedChoiceField(
        label="Are member organisations named to each other?",
        choices=YES_NO,
        coerce=_yes_no,
        widget=forms.RadioSelect,
        help_text="Each organisation may still decline or agree for itself.",
        error_messages={"required": "Say whether member organisations are named to each other"},
    )

    class Meta:
        model = Collaborative
        fields = [
            "name",
            "topic",
            "lead_ahsn",
            "partner_ahsns",
            "aim_statement",
            "starts_on",
            "ends_on",
            "rule_convention",
            "shift_length",
            "trend_length",
            "members_named_by_default",
            "data_due_days",
        ]
        labels = {
            "name": "Name",
            "topic": "Topic",
            "lead_ahsn": "Lead AHSN",
            "partner_ahsns": "Partner AHSNs",
            "aim_statement": "Aim statement",
            "starts_on": "Start date",
            "ends_on": "End date (optional)",
            "rule_convention": "Rules for reading charts",
            "shift_length": "Points in a shift",
            "trend_length": "Points in a trend",
            "data_due_days": "Days after a period ends that its data is due",
        }
        help_texts = {
            "aim_statement": "What will improve, by how much, by when, for whom.",
            "partner_ahsns": "Other networks that run it with you, if any.",
            "shift_length": "Making Data Count only: 7 by default, 6 if agreed.",
            "trend_length": "Making Data Count only: 7 by default, 6 if agreed.",
            "data_due_days": "For example 10: March's data is due by 10 April.",
        }
        widgets = {
            "aim_statement": forms.Textarea(attrs={"rows": 4}),
            "partner_ahsns": forms.CheckboxSelectMultiple,
            "starts_on": DateInput,
            "ends_on": DateInput,
            "rule_convention": forms.RadioSelect,
            "shift_length": forms.RadioSelect,
            "trend_length": forms.RadioSelect,
            "data_due_days": forms.NumberInput(attrs={"class": "nhsuk-input--width-3"}),
        }

    def __init__(self, *args, ahsns=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["lead_ahsn"]
        else:
            self.fields["lead_ahsn"].queryset = ahsns if ahsns is not None else AHSN.objects.none()
            self.fields["lead_ahsn"].empty_label = None
        self.fields["topic"].required = False
        self.fields["topic"].empty_label = "Choose a topic"
        self.fields["topic"].queryset = Topic.objects.order_by("name")
        self.fields["partner_ahsns"].queryset = AHSN.objects.order_by("name")
        if not self.is_bound:
            # Declared on the form, so the instance's value is not its initial by itself.
            self.initial.setdefault(
                "members_named_by_default", self.instance.members_named_by_default
            )
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("starts_on", timezone.localdate())
        _messages(
            self,
            {
                "name": {"required": "Enter the collaborative's name"},
                "aim_statement": {"required": "Enter the aim: what, by how much, by when"},
                "starts_on": {
                    "required": "Enter the start date",
                    "invalid": "Start date must be a real date",
                },
                "ends_on": {"invalid": "End date must be a real date"},
                "data_due_days": {
                    "required": "Enter how many days after a period ends its data is due",
                    "invalid": "Days must be a whole number, like 10",
                },
            },
        )

    def clean_data_due_days(self):
        days = self.cleaned_data["data_due_days"]
        if days is not None and not 0 <= days <= 90:
            raise forms.ValidationError("Days must be between 0 and 90")
        return days

    def clean(self):
        data = super().clean()
        topic, new_topic = data.get("topic"), (data.get("new_topic_name") or "").strip()
        if topic and new_topic:
            self.add_error(
                "new_topic_name", "Choose a topic from the list or name a new one, not both"
            )
        elif not topic and not new_topic and "new_topic_name" not in self.errors:
            self.add_error("topic", "Choose a topic, or name a new local priority")
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "End date must be the same as or after the start date")
        lead = data.get("lead_ahsn") or getattr(self.instance, "lead_ahsn", None)
        if self.instance.pk:
            lead = self.instance.lead_ahsn
        if lead and lead in (data.get("partner_ahsns") or []):
            self.add_error(
                "partner_ahsns", f"{lead} leads this collaborative: it cannot also partner"
            )
        return data


class PhaseForm(NHSFormMixin, forms.Form):
    phase = forms.ChoiceField(
        label="Move to",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the phase to move to"},
    )
    moved_on = date_field("Date of the move", required="Enter the date of the move")

    def __init__(self, *args, collaborative: Collaborative, **kwargs):
        super().__init__(*args, **kwargs)
        self.collaborative = collaborative
        self.fields["phase"].choices = [
            (value, label)
            for value, label in Collaborative.Phase.choices
            if value != collaborative.phase
        ]
        self.initial.setdefault("moved_on", timezone.localdate())

    def clean(self):
        data = super().clean()
        on = data.get("moved_on")
        if on and on < self.collaborative.starts_on:
            self.add_error(
                "moved_on",
                f"Date must be on or after the start, {self.collaborative.starts_on:%-d %B %Y}",
            )
        return data


class StretchTargetForm(NHSFormMixin, forms.ModelForm):
    class Meta:
        model = StretchTarget
        fields = [
            "measure",
            "baseline_value",
            "baseline_period_start",
            "baseline_period_end",
            "target_value",
            "target_date",
            "reason",
        ]
        labels = {
            "measure": "Outcome measure",
            "baseline_value": "Baseline value",
            "baseline_period_start": "Baseline from",
            "baseline_period_end": "Baseline to",
            "target_value": "Target value",
            "target_date": "Target date",
            "reason": "Why this target (or why it changed)",
        }
        help_texts = {"reason": "Everyone in the collaborative can read this in its history."}
        widgets = {
            "baseline_period_start": DateInput,
            "baseline_period_end": DateInput,
            "target_date": DateInput,
            "reason": forms.Textarea(attrs={"rows": 3}),
            "baseline_value": forms.TextInput(
                attrs={"class": "nhsuk-input--width-10", "inputmode": "decimal"}
            ),
            "target_value": forms.TextInput(
                attrs={"class": "nhsuk-input--width-10", "inputmode": "decimal"}
            ),
        }

    def __init__(self, *args, collaborative: Collaborative, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = Measure.objects.filter(
            in_collaboratives__collaborative=collaborative
        ).order_by("name")
        self.fields["measure"].empty_label = "Choose a measure"
        _messages(
            self,
            {
                "measure": {"required": "Choose the measure the target is for"},
                "baseline_value": {
                    "required": "Enter the baseline value",
                    "invalid": "Baseline value must be a number, like 8.5",
                },
                "target_value": {
                    "required": "Enter the target value",
                    "invalid": "Target value must be a number, like 6.2",
                },
                "baseline_period_start": {"required": "Enter when the baseline starts"},
                "baseline_period_end": {"required": "Enter when the baseline ends"},
                "target_date": {"required": "Enter the date the target is to be met"},
                "reason": {"required": "Give the reason for this target"},
            },
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("baseline_period_start"), data.get("baseline_period_end")
        if start and end and end < start:
            self.add_error("baseline_period_end", "Baseline must end on or after it starts")
        if end and data.get("target_date") and data["target_date"] <= end:
            self.add_error("target_date", "Target date must be after the baseline ends")
        baseline, target = data.get("baseline_value"), data.get("target_value")
        if baseline is not None and target is not None and baseline == target:
            self.add_error("target_value", "Target value must differ from the baseline")
        return data


class MeasureSetAddForm(NHSFormMixin, forms.Form):
    measure = forms.ModelChoiceField(
        queryset=Measure.objects.none(),
        label="Measure from the library",
        empty_label="Choose a measure",
        error_messages={"required": "Choose a measure from the library"},
    )
    mandatory = forms.TypedChoiceField(
        label="Must every team report it?",
        choices=[(True, "Yes, mandatory"), (False, "No, optional: teams choose")],
        coerce=_yes_no,
        widget=forms.RadioSelect,
        initial=True,
        error_messages={"required": "Say whether the measure is mandatory"},
    )
    target = forms.DecimalField(
        label="Collaborative target (optional)",
        required=False,
        max_digits=14,
        decimal_places=4,
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10", "inputmode": "decimal"}),
        error_messages={"invalid": "Target must be a number, like 6.2"},
    )

    def __init__(self, *args, collaborative: Collaborative, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = (
            Measure.objects.filter(topic=collaborative.topic, archived_at__isnull=True)
            .exclude(in_collaboratives__collaborative=collaborative)
            .order_by("name")
        )


class MeasureSetRemoveForm(NHSFormMixin, forms.Form):
    """Why a measure leaves the collaborative's set: kept in the measure's history."""

    reason = forms.CharField(
        label="Why is it leaving the measure set?",
        help_text="Kept in the history of the set, with your name and the date.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter why the measure is leaving the set",
            "max_length": "Reason must be 500 characters or fewer",
        },
    )


class MeasureForm(NHSFormMixin, forms.ModelForm):
    """A new measure, for a topic's library or as a team's own."""

    # What the numerator counts decides whether its figures follow the small-number rules
    # beyond the collaborative (governance.disclosure.measure_kind).
    numerator_counts = forms.ChoiceField(
        label="What does the numerator count?",
        choices=[
            ("people", "People (patients, residents, staff)"),
            ("patient_events", "Events that happen to patients, such as falls or harms"),
            ("other", "Something else (audits, doses, minutes, scores)"),
        ],
        required=False,
        help_text="Counts of people and of events that happen to patients are shown outside "
        "the collaborative under NHS Digital's small-number rules.",
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Measure
        fields = [
            "name",
            "kind",
            "operational_definition",
            "numerator_definition",
            "denominator_definition",
            "unit",
            "multiplier",
            "frequency",
            "direction",
            "chart_type",
        ]
        labels = {
            "kind": "Type of measure",
            "operational_definition": "Operational definition",
            "numerator_definition": "Numerator: what is counted",
            "denominator_definition": "Denominator (for rates and proportions)",
            "frequency": "How often it is reported",
            "direction": "Direction of improvement",
            "chart_type": "Chart",
        }
        help_texts = {
            "operational_definition": (
                "Exactly what is measured, where, and what is left out, so every team "
                "counts the same thing."
            ),
            "unit": 'Optional, for example "per 1,000 bed days".',
            "multiplier": "Shown values are the rate times this: 1 for none, 1000 per 1,000.",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "operational_definition": forms.Textarea(attrs={"rows": 4}),
            "numerator_definition": forms.Textarea(attrs={"rows": 2}),
            "denominator_definition": forms.Textarea(attrs={"rows": 2}),
            "frequency": forms.RadioSelect,
            "direction": forms.RadioSelect,
            "multiplier": forms.NumberInput(attrs={"class": "nhsuk-input--width-5"}),
        }

    def __init__(self, *args, topic: Topic | None = None, team: Team | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic, self.team = topic, team
        self.fields["chart_type"].choices = [("", "Choose a chart"), *Measure.ChartType.choices]
        _messages(
            self,
            {
                "name": {"required": "Enter the measure's name"},
                "kind": {"required": "Choose outcome, process or balancing"},
                "operational_definition": {"required": "Enter the operational definition"},
                "numerator_definition": {"required": "Enter what the numerator counts"},
                "frequency": {"required": "Choose how often it is reported"},
                "direction": {"required": "Choose which direction is better"},
                "chart_type": {"required": "Choose the chart"},
                "multiplier": {
                    "required": "Enter the multiplier, 1 for none",
                    "invalid": "Multiplier must be a whole number, like 1 or 1000",
                },
            },
        )

    def clean(self):
        data = super().clean()
        chart, frequency = ChartKind.of(data.get("chart_type")), data.get("frequency")
        if chart and frequency and chart.is_event != (frequency == Measure.Frequency.EVENT):
            self.add_error(
                "chart_type",
                "G and T charts need event-dated reporting; other charts need weekly or monthly",
            )
        if chart and chart.is_ratio and not (data.get("denominator_definition") or "").strip():
            self.add_error(
                "denominator_definition",
                "Enter the denominator: this chart shows a rate or proportion",
            )
        counts = data.get("numerator_counts")
        self.instance.counts_people = counts == "people"
        self.instance.counts_patient_events = counts == "patient_events"
        name = data.get("name")
        owner = {"topic": self.topic} if self.topic else {"team": self.team}
        if name and Measure.objects.filter(name__iexact=name, **owner).exists():
            where = "library" if self.topic else "team"
            self.add_error("name", f"The {where} already has a measure called {name}")
        return data


class LibraryMeasureForm(MeasureForm):
    """A new library measure, put straight into the collaborative's measure set."""

    mandatory = MeasureSetAddForm.base_fields["mandatory"]
    target = MeasureSetAddForm.base_fields["target"]


class TeamForm(NHSFormMixin, forms.ModelForm):
    consents_to_be_named = forms.TypedChoiceField(
        label="Has the organisation agreed to be named to the other teams?",
        choices=[
            ("", "Not recorded: use the collaborative's default"),
            (True, "Yes, it agreed to be named"),
            (False, "No, show it as a pseudonym"),
        ],
        coerce=_yes_no,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Team
        fields = ["organisation", "unit", "joined_on", "consents_to_be_named"]
        labels = {"unit": "Ward or service (optional)", "joined_on": "Date joined"}
        help_texts = {"unit": "Only if one unit of the organisation takes part."}
        widgets = {"organisation": forms.RadioSelect, "joined_on": DateInput}

    def __init__(self, *args, collaborative: Collaborative, **kwargs):
        super().__init__(*args, **kwargs)
        self.collaborative = collaborative
        self.initial.setdefault("joined_on", timezone.localdate())
        _messages(
            self,
            {
                "organisation": {
                    "required": "Search for the organisation and choose it",
                    "invalid_choice": "Search for the organisation and choose it",
                },
                "joined_on": {
                    "required": "Enter the date the team joined",
                    "invalid": "Date joined must be a real date",
                },
            },
        )

    def clean(self):
        data = super().clean()
        organisation = data.get("organisation")
        unit = (data.get("unit") or "").strip()
        if (
            organisation
            and Team.objects.filter(
                collaborative=self.collaborative, organisation=organisation, unit=unit
            ).exists()
        ):
            what = f"{organisation.name}, {unit}," if unit else organisation.name
            self.add_error("organisation", f"{what} is already a team in this collaborative")
        return data

    def validate_unique(self):
        # The collaborative is set after validation; clean() checks the same constraint.
        pass


class ConsentForm(NHSFormMixin, forms.ModelForm):
    consents_to_be_named = TeamForm.base_fields["consents_to_be_named"]

    class Meta:
        model = Team
        fields = ["consents_to_be_named"]


class DateForm(NHSFormMixin, forms.Form):
    """One date: when a team withdrew, when someone left."""

    on = date_field(required="Enter the date")

    def __init__(self, *args, label: str, not_before: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].label = label
        self.not_before = not_before
        self.initial.setdefault("on", timezone.localdate())

    def clean_on(self):
        on = self.cleaned_data["on"]
        if self.not_before and on < self.not_before:
            raise forms.ValidationError(f"Date must be on or after {self.not_before:%-d %B %Y}")
        return on


class MembershipForm(NHSFormMixin, forms.Form):
    name = forms.CharField(
        label="Full name", max_length=200, error_messages={"required": "Enter the person's name"}
    )
    job_title = forms.CharField(label="Job title (optional)", max_length=200, required=False)
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        help_text="Recording someone does not let them log in: invite them for that.",
        error_messages={"invalid": "Enter an email address like name@nhs.net"},
    )
    role = forms.ChoiceField(
        label="Role in the team",
        choices=TeamMembership.Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the person's role in the team"},
    )
    joined_on = forms.DateField(
        label="Date joined",
        widget=DateInput,
        error_messages={
            "required": "Enter the date they joined",
            "invalid": "Date joined must be a real date",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("joined_on", timezone.localdate())
        self.initial.setdefault("role", TeamMembership.Role.MEMBER)


class GoalForm(NHSFormMixin, forms.Form):
    goal = forms.DecimalField(
        label="Team goal",
        required=False,
        max_digits=14,
        decimal_places=4,
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-5", "inputmode": "decimal"}),
        error_messages={"invalid": "Goal must be a number, like 4.5"},
    )


# --- PDSA cycles ---------------------------------------------------------------------------


class CyclePlanForm(NHSFormMixin, forms.ModelForm):
    """Plan: the change idea, the question and prediction, who, what, when, where, the data.

    The hints prompt for what a well-documented cycle has (a prediction, a small scale,
    iteration, data over time: Taylor et al. 2014).
    """

    class Meta:
        model = PDSACycle
        fields = [
            "change_idea",
            "parent",
            "title",
            "question",
            "prediction",
            "scale",
            "plan_who",
            "plan_what",
            "plan_when",
            "plan_where",
            "data_to_collect",
            "measures",
            "planned_start",
            "planned_end",
        ]
        labels = {
            "change_idea": "Change idea",
            "parent": "Builds on (optional)",
            "title": "Name of the test",
            "question": "What question will this test answer?",
            "prediction": "What do you predict will happen?",
            "scale": "How small is the test?",
            "plan_who": "Who will do it",
            "plan_what": "What will they do",
            "plan_when": "When",
            "plan_where": "Where",
            "data_to_collect": "What data will you collect?",
            "measures": "Measures it should move",
            "planned_start": "Planned start",
            "planned_end": "Planned end",
        }
        help_texts = {
            "parent": "The earlier cycle this one learns from, so the ramp shows how it grew.",
            "title": "For example: Falls huddle on one shift.",
            "prediction": "Predict before you test: the study compares the result with this.",
            "scale": "Start small: one patient, one nurse, one shift. Scale up cycle by cycle.",
            "data_to_collect": "Data over time shows whether the change is an improvement.",
            "measures": "The cycle is marked on these measures' charts.",
        }
        widgets = {
            "question": forms.Textarea(attrs={"rows": 2}),
            "prediction": forms.Textarea(attrs={"rows": 2}),
            "plan_who": forms.TextInput,
            "plan_what": forms.Textarea(attrs={"rows": 2}),
            "plan_when": forms.TextInput,
            "plan_where": forms.TextInput,
            "data_to_collect": forms.Textarea(attrs={"rows": 2}),
            "measures": forms.CheckboxSelectMultiple,
            "planned_start": DateInput,
            "planned_end": DateInput,
        }

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        ideas = DriverNode.objects.filter(
            collaborative=team.collaborative,
            kind=DriverNode.Kind.CHANGE_IDEA,
            archived_at__isnull=True,
        ).filter(Q(team__isnull=True) | Q(team=team))
        self.fields["change_idea"].queryset = ideas.order_by("position", "id")
        self.fields["change_idea"].empty_label = "Choose a change idea"
        parents = team.cycles.current()
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents.order_by("-planned_start", "-id")
        self.fields["parent"].empty_label = "None: this is a first test"
        self.fields["parent"].choices = self._parent_choices(parents)
        self.fields["measures"].queryset = Measure.objects.filter(series__team=team).order_by(
            "name"
        )
        self.fields["measures"].required = False
        self.fields["measures"].label_from_instance = lambda m: m.name
        if not self.is_bound and not self.instance.pk:
            today = timezone.localdate()
            self.initial.setdefault("planned_start", today)
            self.initial.setdefault("planned_end", today + dt.timedelta(days=7))
        _messages(
            self,
            {
                "change_idea": {
                    "required": "Choose the change idea the cycle tests",
                    "invalid_choice": "Choose a change idea from the driver diagram",
                },
                "title": {"required": "Enter a name for the test"},
                "planned_start": {
                    "required": "Enter the planned start",
                    "invalid": "Planned start must be a real date",
                },
                "planned_end": {
                    "required": "Enter the planned end",
                    "invalid": "Planned end must be a real date",
                },
            },
        )

    def _chosen_idea_id(self) -> int | None:
        """The change idea the cycle tests, as far as the form knows it yet."""
        raw = self.data.get(self.add_prefix("change_idea")) if self.is_bound else None
        raw = raw or self.initial.get("change_idea") or self.instance.change_idea_id
        return int(raw) if str(raw or "").isdecimal() else None

    def _parent_choices(self, parents) -> list:
        """The cycles it may build on, grouped by change idea, the chosen idea's cycles first
        (a ramp tests one idea), newest first within each; other ideas' cycles stay on offer."""
        chosen = self._chosen_idea_id()
        groups: dict[int, tuple[str, list]] = {}
        for cycle in parents.select_related("change_idea").order_by("-planned_start", "-id"):
            label = f"{cycle.title} ({cycle.planned_start:%-d %b %Y})"
            group = groups.setdefault(cycle.change_idea_id, (cycle.change_idea.title, []))
            group[1].append((cycle.pk, label))
        ordered = sorted(groups.items(), key=lambda item: (item[0] != chosen, item[1][0]))
        choices: list = [("", self.fields["parent"].empty_label)]
        for idea_id, (title, options) in ordered:
            prefix = "Change idea"
            if chosen is not None:
                prefix = "This change idea" if idea_id == chosen else "Other change idea"
            choices.append((f"{prefix}: {title}", options))
        return choices

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", "Planned end must be the same as or after the start")
        finished = self.instance.completed_on
        if start and finished and start > finished:
            self.add_error(
                "planned_start",
                f"Planned start must be on or before the finish, {finished:%-d %B %Y}",
            )
        return data


class CycleDoForm(NHSFormMixin, forms.ModelForm):
    class Meta:
        model = PDSACycle
        fields = ["do_notes"]
        labels = {"do_notes": "Do: what happened?"}
        help_texts = {"do_notes": "Include anything that did not go to plan."}
        widgets = {"do_notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["do_notes"].required = True
        _messages(self, {"do_notes": {"required": "Enter what happened when you ran the test"}})


class CycleStudyForm(NHSFormMixin, forms.ModelForm):
    class Meta:
        model = PDSACycle
        fields = ["study_result"]
        labels = {"study_result": "Study: how did the result compare with the prediction?"}
        widgets = {"study_result": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["study_result"].required = True
        if self.instance.prediction:
            self.fields["study_result"].help_text = f"You predicted: {self.instance.prediction}"
        _messages(self, {"study_result": {"required": "Enter the result against the prediction"}})


class CycleActForm(NHSFormMixin, forms.ModelForm):
    class Meta:
        model = PDSACycle
        fields = ["act_decision", "act_notes", "completed_on"]
        labels = {
            "act_decision": "Act: what will you do with the change?",
            "act_notes": "Why, and what next (optional)",
            "completed_on": "Date the cycle finished",
        }
        widgets = {
            "act_decision": forms.RadioSelect,
            "act_notes": forms.Textarea(attrs={"rows": 2}),
            "completed_on": DateInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["act_decision"].required = True
        self.fields["act_decision"].choices = PDSACycle.Decision.choices
        self.fields["completed_on"].required = True
        if not self.instance.completed_on:
            self.initial["completed_on"] = timezone.localdate()
        _messages(
            self,
            {
                "act_decision": {"required": "Choose adopt, adapt or abandon"},
                "completed_on": {
                    "required": "Enter the date the cycle finished",
                    "invalid": INVALID_DATE,
                },
            },
        )

    def clean(self):
        data = super().clean()
        if not self.instance.study_result.strip():
            raise forms.ValidationError("Record the study before deciding what to do")
        on = data.get("completed_on")
        if on and on > timezone.localdate():
            self.add_error("completed_on", "Date the cycle finished must be today or in the past")
        elif on and on < self.instance.planned_start:
            self.add_error(
                "completed_on",
                f"Date must be on or after the start, {self.instance.planned_start:%-d %B %Y}",
            )
        return data


CYCLE_STEPS = {
    "plan": CyclePlanForm,
    "do": CycleDoForm,
    "study": CycleStudyForm,
    "act": CycleActForm,
}


class CycleFilterForm(NHSFormMixin, forms.Form):
    """The collaborative's cycle list: by change idea, decision and date."""

    change_idea = forms.ModelChoiceField(
        queryset=DriverNode.objects.none(), required=False, empty_label="All change ideas"
    )
    decision = forms.ChoiceField(
        required=False,
        choices=[("", "Any decision"), ("none", "Not decided yet"), *PDSACycle.Decision.choices],
    )
    since = date_field("Started on or after")
    until = date_field("Started on or before")

    def __init__(self, *args, collaborative: Collaborative, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["change_idea"].queryset = DriverNode.objects.filter(
            collaborative=collaborative, kind=DriverNode.Kind.CHANGE_IDEA
        ).order_by("position", "id")

    def filter(self, cycles):
        if not self.is_valid():
            return cycles
        data = self.cleaned_data
        if data["change_idea"]:
            cycles = cycles.filter(change_idea=data["change_idea"])
        if data["decision"] == "none":
            cycles = cycles.filter(act_decision="")
        elif data["decision"]:
            cycles = cycles.filter(act_decision=data["decision"])
        if data["since"]:
            cycles = cycles.filter(planned_start__gte=data["since"])
        if data["until"]:
            cycles = cycles.filter(planned_start__lte=data["until"])
        return cycles


# --- The driver diagram ----------------------------------------------------------------------

# What a node under each kind of node is.
CHILD_KIND = {
    DriverNode.Kind.AIM: DriverNode.Kind.PRIMARY,
    DriverNode.Kind.PRIMARY: DriverNode.Kind.SECONDARY,
    DriverNode.Kind.SECONDARY: DriverNode.Kind.CHANGE_IDEA,
}


class DriverNodeForm(NHSFormMixin, forms.ModelForm):
    """A node of the driver diagram; a new one names its parent, and its kind follows."""

    class Meta:
        model = DriverNode
        fields = ["parent", "title", "description"]
        labels = {
            "parent": "Under",
            "title": "Title",
            "description": "Description (optional)",
        }
        help_texts = {
            "parent": "A primary driver goes under the aim, a secondary driver under a "
            "primary driver, a change idea under a secondary driver.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, collaborative: Collaborative, team: Team | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.collaborative, self.team = collaborative, team
        if self.instance.pk:
            del self.fields["parent"]
        else:
            # A team adds its own local change ideas, under the collaborative's secondary drivers.
            kinds = [DriverNode.Kind.SECONDARY] if team else list(CHILD_KIND)
            parents = DriverNode.objects.filter(
                collaborative=collaborative,
                kind__in=kinds,
                archived_at__isnull=True,
                team__isnull=True,
            ).order_by("kind", "position", "id")
            self.fields["parent"].queryset = parents
            self.fields["parent"].required = True
            self.fields["parent"].empty_label = "Choose where it goes"
            self.fields["parent"].label_from_instance = lambda n: (
                f"{n.get_kind_display()}: {n.title}"
            )
            _messages(self, {"parent": {"required": "Choose where the node goes"}})
        _messages(self, {"title": {"required": "Enter the node's title"}})

    def save(self, commit=True):
        node = super().save(commit=False)
        if not node.pk:
            node.collaborative = self.collaborative
            node.team = self.team
            node.kind = CHILD_KIND[node.parent.kind]
            siblings = node.parent.children.filter(archived_at__isnull=True)
            node.position = (siblings.aggregate(m=models.Max("position"))["m"] or 0) + 1
        if commit:
            node.save()
        return node


# --- The design record -----------------------------------------------------------------------


class DesignStartForm(NHSFormMixin, forms.Form):
    """At the start: for each feature of successful collaboratives, in place or not, and a note."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in DesignFeature.choices:
            self.fields[f"{value}_in_place"] = forms.BooleanField(label=label, required=False)
            self.fields[f"{value}_note"] = forms.CharField(
                label=f"Note: {label.lower()}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        # Added after the mixin ran: give these fields their classes here (the NHS-number
        # check runs on every field as the form is cleaned).
        self._apply_classes()

    def _apply_classes(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "nhsuk-checkboxes__input")
            elif isinstance(widget, forms.Textarea):
                widget.attrs.setdefault("class", "nhsuk-textarea")

    def rows(self):
        """(feature label, in-place field, note field) per feature, for the template."""
        return [
            (label, self[f"{value}_in_place"], self[f"{value}_note"])
            for value, label in DesignFeature.choices
        ]


class DesignChangeForm(NHSFormMixin, forms.Form):
    entered_on = date_field("Date of the change", required="Enter the date of the change")
    text = forms.CharField(
        label="What changed in the design, and why",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what changed and why"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("entered_on", timezone.localdate())


class DesignCloseForm(NHSFormMixin, forms.Form):
    """At the close: how much each feature contributed, and the lessons learned."""

    lessons = forms.CharField(
        label="Lessons learned for spread",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in DesignFeature.choices:
            self.fields[value] = forms.TypedChoiceField(
                label=label,
                choices=CONTRIBUTION_CHOICES,
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
            )
        self.order_fields([*DesignFeature.values, "lessons"])


# --- Team assessments on the IHI scale -------------------------------------------------------

# Each level with its one-line description beside it, as the choice's label.
ASSESSMENT_CHOICES_EXPLAINED = [
    (str(score), f"{score} {name}: {what}") for score, (name, what) in ASSESSMENT_LEVELS.items()
]


class AssessmentForm(NHSFormMixin, forms.Form):
    """One month's rating: the team's own (`who="self"`) or the faculty's, with a note."""

    month = forms.DateField(
        label="Month rated",
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        error_messages={
            "required": "Enter the month rated",
            "invalid": "Month must be a real month, like 2026-03",
        },
    )
    rating = forms.TypedChoiceField(
        choices=ASSESSMENT_CHOICES_EXPLAINED,
        coerce=Decimal,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a score on the scale"},
    )
    note = forms.CharField(
        label="Why this score (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, who: str, suggested=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].label = (
            "The team's own score" if who == "self" else "The faculty's score"
        )
        if suggested is not None:
            score, why = suggested
            hint = f"Suggested from the evidence: {score} ({why}). You decide."
            self.fields["rating"].help_text = hint
        if who == "self":
            del self.fields["note"]
        today = timezone.localdate()
        self.initial.setdefault("month", today.replace(day=1))

    def clean_month(self):
        return self.cleaned_data["month"].replace(day=1)


# --- The calendar ------------------------------------------------------------------------------


class LearningEventForm(NHSFormMixin, forms.ModelForm):
    class Meta:
        model = LearningEvent
        fields = ["kind", "title", "starts_on", "ends_on"]
        labels = {
            "kind": "Type of event",
            "title": "Title",
            "starts_on": "Starts",
            "ends_on": "Ends",
        }
        help_texts = {"ends_on": "The same day for a one-day event."}
        widgets = {"kind": forms.RadioSelect, "starts_on": DateInput, "ends_on": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = LearningEvent.Kind.choices  # radios: no "---------"
        _messages(
            self,
            {
                "kind": {"required": "Choose the type of event"},
                "title": {"required": "Enter the event's title"},
                "starts_on": {
                    "required": "Enter the start date",
                    "invalid": "Start date must be a real date",
                },
                "ends_on": {
                    "required": "Enter the end date",
                    "invalid": "End date must be a real date",
                },
            },
        )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "End date must be the same as or after the start")
        return data
