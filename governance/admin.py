from django.contrib import admin

from governance import access
from governance.models import AuditEntry, Person, RoleAssignment


class HistoryAdmin(admin.ModelAdmin):
    """The admin of a history model (governance.history.AppendOnly): it shows the rows and
    never adds, changes or deletes one, as nothing else in the app does."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


@admin.register(AuditEntry)
class AuditEntryAdmin(HistoryAdmin):
    """The audit trail is read-only everywhere, the admin included."""

    list_display = ["at", "actor_name", "action", "object_type", "object_repr", "source"]
    list_filter = ["action", "source", "object_type"]
    search_fields = ["actor_name", "object_repr"]
    date_hierarchy = "at"


def _admin_permission(request) -> bool:
    """The Django admin asks the access module: active staff only."""
    return access.may_use_admin(request.user)


admin.site.has_permission = _admin_permission
