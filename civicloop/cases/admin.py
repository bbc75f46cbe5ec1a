from django.contrib import admin

from civicloop.cases.models import Case, CaseEvent


class EventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("seq", "action", "actor", "from_state", "to_state", "reason", "on_time", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: the workflow (services.py) is the only door to a case's state."""

    list_display = ("reference", "state", "category", "street", "department", "reported_at")
    list_filter = ("state", "kind", "channel", "street")
    search_fields = ("reference", "description", "address")
    inlines = [EventInline]
    list_select_related = ("category", "street", "department")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
