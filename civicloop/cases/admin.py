"""Cases in the admin are read-only: the workflow (cases/services.py) is the only door to a case.

No add, no change, no delete, for cases, their events and attachments. Administrators read here;
staff act in the console, where every change is checked, versioned and logged as an event.
"""
import re

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from civicloop.cases import privacy
from civicloop.cases.models import Attachment, Case, CaseEvent, PersonalDataView
from civicloop.core.readonly_admin import ReadOnlyAdmin
from civicloop.geo.models import Division
from civicloop.lib.workcal import light


class EventInline(ReadOnlyAdmin, admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ("seq", "action", "actor", "actor_role", "transition", "reason", "stage", "on_time", "created_at")
    readonly_fields = fields
    ordering = ("seq",)
    verbose_name_plural = "办理日志（不可更改）case events (immutable)"

    @admin.display(description="状态变化 transition")
    def transition(self, event):
        return f"{event.from_state or '—'} → {event.to_state}"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class AttachmentInline(ReadOnlyAdmin, admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("kind", "content_type", "size", "original_name", "uploaded_by", "created_at")
    readonly_fields = fields
    verbose_name_plural = "附件 attachments"


class StreetFilter(admin.SimpleListFilter):
    title = "街道 street"
    parameter_name = "street"

    def lookups(self, request, model_admin):
        return Division.objects.filter(level=Division.Level.STREET).values_list("code", "name")

    def queryset(self, request, queryset):
        return queryset.filter(street_id=self.value()) if self.value() else queryset


LIGHT_LABELS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
REFERENCE = re.compile(r"^\d{6}-\d{8}-\d{6}$")


class ByReference:
    """A case number is looked up exactly (its unique index); anything else searches the text."""

    reference_field = "reference"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if REFERENCE.match(term):
            return queryset.filter(**{self.reference_field: term}), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(Case)
class CaseAdmin(ByReference, ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: the workflow (services.py) is the only door to a case's state."""

    list_display = ("reference", "state", "pending", "light_now", "category", "street", "department", "reported_at")
    list_filter = ("state", "kind", "channel", "supervised", StreetFilter)
    # Free text scans the table, which only an administrator waits for; a case number does not.
    search_fields = ("address", "description")
    list_select_related = ("category", "street", "department")
    ordering = ("-reported_at", "-id")  # the (reported_at, id) index, newest first
    show_full_result_count = False
    inlines = [EventInline, AttachmentInline]
    fieldsets = (
        ("案件 Case", {"fields": ("reference", "console_link", "channel", "state", "kind", "pending", "pending_data",
                                "supervised", "priority")}),
        ("问题 Problem", {"fields": ("category", "condition", "description", "address", "lon", "lat", "grid",
                                   "community", "street")}),
        ("上报人 Reporter", {"fields": ("reporter_account", "reporter_name", "reporter_phone", "client_key")}),
        ("办理 Handling", {"fields": ("department", "assignee", "inspector", "duplicate_of", "self_handled",
                                    "report_verified", "rework_count", "return_count", "extension_count")}),
        ("环节计时 Stage clock", {"fields": ("stage", "clock", "stage_deadline", "stage_warn_at", "light_now")}),
        ("按时 On time", {"fields": ("verify_on_time", "file_on_time", "dispatch_on_time", "handle_on_time",
                                   "check_on_time", "close_on_time")}),
        ("时间 Times", {"fields": ("reported_at", "filed_at", "dispatched_at", "signed_at", "handled_at",
                                 "checked_at", "closed_at", "updated_at", "row_version")}),
    )

    def get_readonly_fields(self, request, obj=None):
        return [f for _name, options in self.fieldsets for f in options["fields"]]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The page shows the reporter's phone whole: the view is recorded like any other.
        case = self.get_object(request, object_id)
        if case is not None and case.reporter_phone:
            privacy.reporter_phone(case, request.user, where="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="在工作台打开 open in the console")
    def console_link(self, case):
        return format_html('<a href="{}">{}</a>', reverse("console:case", args=[case.reference]), case.reference)

    @admin.display(description="亮灯 light")
    def light_now(self, case):
        lit = light(timezone.now(), case.stage_warn_at, case.stage_deadline) if case.kind == "open" else None
        return LIGHT_LABELS[lit.value] if lit else "—"

    @admin.display(description="计时 clock")
    def clock(self, case):
        if not case.stage:
            return "—"
        kind = "工作时间 working time" if case.stage_working else "自然时间 natural time"
        running = f"，自 {timezone.localtime(case.stage_run_from):%Y-%m-%d %H:%M} 起计" if case.stage_run_from else "，暂停 paused"
        return (f"时限 {case.stage_limit_seconds / 3600:.2f} 小时（{kind}），已用 {case.stage_consumed / 3600:.2f} 小时"
                f"{running}")

    @admin.display(description="上报账号 reporter account")
    def reporter_account(self, case):
        return str(case.reporter) if case.reporter_id else "—"

    @admin.display(description="版本 version")
    def row_version(self, case):
        return case.version


@admin.register(CaseEvent)
class CaseEventAdmin(ByReference, ReadOnlyAdmin, admin.ModelAdmin):
    """The immutable log: one row per step, written by services.py and never changed or deleted."""

    list_display = ("created_at", "case", "seq", "action", "actor", "actor_role", "from_state", "to_state", "on_time")
    list_filter = ("action",)
    search_fields = ("reason",)
    reference_field = "case__reference"
    list_select_related = ("case", "actor")
    show_full_result_count = False
    ordering = ("-id",)
    fields = ("case", "seq", "action", "actor", "actor_role", "from_state", "to_state", "pending_from", "pending_to",
              "reason", "data", "stage", "on_time", "department", "created_at", "request_id")
    readonly_fields = fields


@admin.register(PersonalDataView)
class PersonalDataViewAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Who saw whose phone number in full: read-only, kept as evidence."""

    list_display = ("at", "user", "case", "field", "where")
    list_filter = ("where", "field")
    search_fields = ("case__reference", "user__username")
    date_hierarchy = "at"
