from django.contrib import admin

from civicloop.patrols.models import DutyShift, GridCoverage, MissedPatrol, Patrol, PatrolRequirement


@admin.register(PatrolRequirement)
class PatrolRequirementAdmin(admin.ModelAdmin):
    list_display = ("grid", "min_coverage", "active")
    list_filter = ("active",)
    search_fields = ("grid__code", "grid__name")
    raw_id_fields = ("grid",)


@admin.register(Patrol)
class PatrolAdmin(admin.ModelAdmin):
    list_display = ("id", "worker", "grid", "state", "started_at", "ended_at", "point_count", "distance_m")
    list_filter = ("state",)
    search_fields = ("worker__username", "worker__display_name")
    raw_id_fields = ("worker", "grid")
    readonly_fields = ("point_count", "distance_m", "last_point_at", "client_key")


@admin.register(GridCoverage)
class GridCoverageAdmin(admin.ModelAdmin):
    list_display = ("grid", "day", "fraction", "cells_visited", "cells_total", "patrols", "points", "dirty")
    list_filter = ("day",)
    search_fields = ("grid__code",)


@admin.register(MissedPatrol)
class MissedPatrolAdmin(admin.ModelAdmin):
    list_display = ("grid", "day", "coverage", "required", "flagged_at")
    list_filter = ("day",)
    search_fields = ("grid__code",)


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    list_display = ("user", "started_at", "ended_at")
    raw_id_fields = ("user",)
