from django.contrib import admin

from civicloop.core.models import AccessLog, ChangeRecord, Throttle
from civicloop.core.readonly_admin import ReadOnlyAdmin


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Who saw or took which citizen's personal data: read-only evidence (reporter phones seen in a
    case are under 个人信息查看记录 in 案件, kept with the case)."""

    list_display = ("at", "username", "what", "subject", "where", "request_id")
    list_filter = ("what", "where")
    search_fields = ("username", "subject", "request_id")
    date_hierarchy = "at"
    show_full_result_count = False
    ordering = ("-at", "-id")


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Who changed which configuration, when and through which door: read-only evidence."""

    list_display = ("at", "actor", "content_type", "object_repr", "action", "via", "reason")
    list_filter = ("via", "action", "content_type")
    search_fields = ("actor", "object_repr", "object_id", "reason", "request_id")
    date_hierarchy = "at"
    show_full_result_count = False
    list_select_related = ("content_type",)


@admin.register(Throttle)
class ThrottleAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Counted tries (core/throttle.py), read-only. Deleting an account's or an address's failures
    ("login-user:…", "login-ip:…", "citizen-code-ip:…") lifts its lock early."""

    list_display = ("at", "key", "count")
    search_fields = ("=key", "key")
    date_hierarchy = "at"
    show_full_result_count = False
    ordering = ("-at",)
    deletable = True
