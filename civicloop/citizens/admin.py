from django.contrib import admin

from civicloop.citizens.models import Citizen, CitizenReport, LoginCode
from civicloop.core import audit
from civicloop.core.readonly_admin import ReadOnlyAdmin


@admin.register(Citizen)
class CitizenAdmin(admin.ModelAdmin):
    """Citizens sign themselves up with an SMS code; administrators only rename or disable them."""

    list_display = ("phone", "display_name", "created_at", "last_seen_at", "active")
    list_filter = ("active",)
    search_fields = ("phone", "display_name")
    fields = ("phone", "display_name", "active", "created_at", "last_seen_at")
    readonly_fields = ("phone", "created_at", "last_seen_at")
    show_full_result_count = False
    ordering = ("-id",)

    def has_add_permission(self, request):
        return False

    # Every page that shows citizens' numbers is recorded (core.AccessLog).
    def change_view(self, request, object_id, form_url="", extra_context=None):
        audit.record(request.user, what="citizen.phone", subject=f"citizen:{object_id}", where="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        shown = getattr(response, "context_data", {}) or {}
        rows = shown.get("cl").result_list if shown.get("cl") is not None else []
        audit.record_many(request.user, what="citizen.phone", subjects=[f"citizen:{c.pk}" for c in rows], where="admin")
        return response


@admin.register(LoginCode)
class LoginCodeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Sign-in codes sent, read-only (only a hash of each code is kept)."""

    list_display = ("phone", "created_at", "expires_at", "attempts", "used_at", "ip")
    search_fields = ("phone", "ip")
    exclude = ("code_hash",)
    readonly_fields = ("phone", "created_at", "expires_at", "attempts", "used_at", "ip")
    show_full_result_count = False
    ordering = ("-id",)
    deletable = True


@admin.register(CitizenReport)
class CitizenReportAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("case", "citizen", "followed", "tracking_code", "created_at")
    list_filter = ("followed",)
    search_fields = ("case__reference", "citizen__phone", "tracking_code")
    raw_id_fields = ("case", "citizen")
    show_full_result_count = False
    ordering = ("-id",)
    deletable = True
