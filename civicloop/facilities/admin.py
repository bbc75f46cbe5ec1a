from django.contrib import admin

from civicloop.facilities.models import Facility, ImportJob, Keeper


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "component", "state", "keeper", "street_id", "grid_id")
    list_filter = ("state", "component")
    search_fields = ("id", "name", "keeper__name", "keeper__phone")
    raw_id_fields = ("keeper",)
    readonly_fields = ("qr_token", "updated_at")


@admin.register(Keeper)
class KeeperAdmin(admin.ModelAdmin):
    list_display = ("name", "phone", "unit", "active")
    search_fields = ("name", "phone")


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("file_name", "kind", "status", "done", "total", "created_at")
    readonly_fields = ("report", "counts")
