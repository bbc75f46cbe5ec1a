from django.contrib import admin

from civicloop.core.models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Who saw or took which citizen's personal data: read-only evidence (reporter phones seen in a
    case are under 个人信息查看记录 in 案件, kept with the case)."""

    list_display = ("at", "username", "what", "subject", "where", "request_id")
    list_filter = ("what", "where")
    search_fields = ("username", "subject", "request_id")
    date_hierarchy = "at"
    show_full_result_count = False
    ordering = ("-at", "-id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
