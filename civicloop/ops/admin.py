"""The worker's job runs, read-only: the worker writes them (ops/worker.py), nobody edits them."""
from django.contrib import admin

from civicloop.core.readonly_admin import ReadOnlyAdmin
from civicloop.ops.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("name", "last_finished_at", "last_seconds", "last_done", "last_busy_at", "runs", "failures",
                    "last_failed", "last_error_at")
    list_filter = ("last_failed",)
    search_fields = ("name",)
    fields = ("name", "last_started_at", "last_finished_at", "last_seconds", "last_done", "last_busy_at", "runs",
              "failures", "last_failed", "last_error_at", "last_error")
    readonly_fields = fields
