from django.contrib import admin

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
    StretchTarget,
    Team,
    TeamAssessment,
    TeamMembership,
    Topic,
)


@admin.register(AHSN)
class AHSNAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "later_name", "nhs_region"]
    search_fields = ["code", "name", "later_name"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "ods_code", "kind", "ahsn"]
    list_filter = ["kind", "ahsn"]
    search_fields = ["name", "ods_code"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class StretchTargetInline(admin.TabularInline):
    """Read-only history: a new setting is added with its reason, old ones never change."""

    model = StretchTarget
    extra = 0
    can_delete = False
    readonly_fields = [
        "measure",
        "baseline_value",
        "baseline_period_start",
        "baseline_period_end",
        "target_value",
        "target_date",
        "reason",
        "set_at",
        "set_by",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Collaborative)
class CollaborativeAdmin(admin.ModelAdmin):
    list_display = ["name", "topic", "lead_ahsn", "phase", "starts_on", "ends_on"]
    list_filter = ["phase", "rule_convention", "lead_ahsn", "topic"]
    search_fields = ["name", "aim_statement"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["partner_ahsns"]
    inlines = [StretchTargetInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A new convention or rule length changes what every chart of the collaborative says.
        if change and {"rule_convention", "shift_length", "trend_length"} & set(form.changed_data):
            from measures.models import Series
            from measures.recompute import series_mark_stale

            series_mark_stale(
                series_ids=Series.objects.filter(team__collaborative=obj).values_list(
                    "pk", flat=True
                )
            )


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["__str__", "collaborative", "pseudonym", "status", "consents_to_be_named"]
    list_filter = ["status", "collaborative"]
    search_fields = ["organisation__name", "organisation__ods_code", "unit"]
    autocomplete_fields = ["collaborative", "organisation", "lead", "senior_sponsor"]
    readonly_fields = ["pseudonym"]
    inlines = [TeamMembershipInline]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    autocomplete_fields = ["person", "team"]


@admin.register(LearningEvent)
class LearningEventAdmin(admin.ModelAdmin):
    list_display = ["title", "collaborative", "kind", "starts_on", "ends_on"]
    list_filter = ["kind", "collaborative"]
    inlines = [AttendanceInline]


@admin.register(DriverNode)
class DriverNodeAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "collaborative", "parent", "team", "archived_at"]
    list_filter = ["kind", "collaborative"]
    search_fields = ["title"]
    autocomplete_fields = ["parent", "team"]


@admin.register(PDSACycle)
class PDSACycleAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "change_idea", "status", "act_decision", "planned_start"]
    list_filter = ["status", "act_decision", "team__collaborative"]
    search_fields = ["title", "question"]
    autocomplete_fields = ["team", "change_idea", "parent"]
    filter_horizontal = ["measures"]


@admin.register(TeamAssessment)
class TeamAssessmentAdmin(admin.ModelAdmin):
    list_display = ["team", "month", "self_rating", "faculty_rating"]
    list_filter = ["team__collaborative"]
    autocomplete_fields = ["team"]


class DesignRecordEntryInline(admin.StackedInline):
    model = DesignRecordEntry
    extra = 0


@admin.register(DesignRecord)
class DesignRecordAdmin(admin.ModelAdmin):
    list_display = ["collaborative"]
    inlines = [DesignRecordEntryInline]
