from django.contrib import admin

from governance.models import Person, RoleAssignment


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["ahsn", "collaborative", "team"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "organisation", "user"]
    search_fields = ["name", "email", "organisation__name"]
    autocomplete_fields = ["organisation", "user"]
    inlines = [RoleAssignmentInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "ahsn", "collaborative", "team", "granted_at"]
    list_filter = ["role"]
    search_fields = ["person__name"]
    autocomplete_fields = ["person", "ahsn", "collaborative", "team"]
