from django.contrib import admin

from civicloop.geo.models import Division, Grid


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "community", "active")
    list_filter = ("active", "community__parent")
    search_fields = ("code", "name")
    filter_horizontal = ("workers",)
    readonly_fields = ("min_lon", "min_lat", "max_lon", "max_lat", "updated_at")
