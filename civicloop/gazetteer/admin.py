"""The gazetteer in the console's admin: 基础数据 administrators search and edit entries; every save and
delete goes through services.py, which keeps the entry's history (EntryChange: who, when, before/after)."""
from __future__ import annotations

import json

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from civicloop.core.readonly_admin import ReadOnlyAdmin
from civicloop.gazetteer import services
from civicloop.gazetteer.models import Building, Compound, DoorPlate, EntryChange, Poi, Road, RoadSegment

PLACE = ("lon", "lat", "grid_code", "community_code", "street_code")
RECORD = ("search_text", "source", "updated_at", "changes")
HISTORY_ROWS = 30


class EntryAdmin(admin.ModelAdmin):
    readonly_fields = (*PLACE, *RECORD)
    list_per_page = 50

    def save_model(self, request, obj, form, change):
        services.save_entry(obj, user=request.user)

    def delete_model(self, request, obj):
        services.delete_entry(obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.delete_entry(obj, user=request.user)

    @admin.display(description=_("history"))
    def changes(self, obj):
        rows = services.history(obj)[:HISTORY_ROWS] if obj.pk else []
        return format_html_join("", "<div>{} · {} · {} · {}</div>", (
            (timezone.localtime(c.at).strftime("%Y-%m-%d %H:%M"), c.user or "—", c.get_action_display(),
             _describe(c)) for c in rows)) or "—"


def _describe(change: EntryChange) -> str:
    keys = sorted(set(change.before) | set(change.after))
    return "; ".join(f"{k}: {_short(change.before.get(k))} → {_short(change.after.get(k))}" for k in keys)


def _short(value) -> str:
    text = "—" if value in (None, "") else json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "…"


@admin.register(Road)
class RoadAdmin(EntryAdmin):
    list_display = ("name", "code", "aliases", "street_code", "updated_at")
    search_fields = ("name", "code", "aliases", "former_names", "search_text")
    fields = ("name", "code", "aliases", "former_names", "geometry", *PLACE, *RECORD)


@admin.register(RoadSegment)
class RoadSegmentAdmin(EntryAdmin):
    list_display = ("__str__", "code", "length_m", "street_code", "updated_at")
    search_fields = ("road__name", "from_name", "to_name", "code", "aliases")
    list_select_related = ("road",)
    autocomplete_fields = ("road",)
    readonly_fields = (*EntryAdmin.readonly_fields, "length_m")
    fields = ("road", "from_name", "to_name", "code", "aliases", "former_names", "geometry", "length_m", *PLACE,
              *RECORD)


@admin.register(DoorPlate)
class DoorPlateAdmin(EntryAdmin):
    list_display = ("__str__", "code", "grid_code", "updated_at")
    search_fields = ("road__name", "number", "code", "search_text")
    list_select_related = ("road",)
    autocomplete_fields = ("road",)
    fields = ("road", "number", "code", "aliases", "former_names", "geometry", *PLACE, *RECORD)


class KindedAdmin(EntryAdmin):
    """Compounds and POIs: a name, a kind, and the door plate they are at."""

    list_display = ("name", "kind", "code", "community_code", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "code", "aliases", "former_names", "search_text")
    autocomplete_fields = ("door_plate",)
    fields = ("name", "kind", "code", "aliases", "former_names", "door_plate", "geometry", *PLACE, *RECORD)


admin.site.register(Compound, KindedAdmin)
admin.site.register(Poi, KindedAdmin)


@admin.register(Building)
class BuildingAdmin(EntryAdmin):
    list_display = ("__str__", "code", "community_code", "updated_at")
    search_fields = ("name", "number", "compound__name", "code", "search_text")
    list_select_related = ("compound",)
    autocomplete_fields = ("compound", "door_plate")
    fields = ("compound", "number", "name", "code", "aliases", "former_names", "door_plate", "geometry", *PLACE,
              *RECORD)


@admin.register(EntryChange)
class EntryChangeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The history is a record: read, never edited."""

    list_display = ("at", "model", "label", "action", "user")
    list_filter = ("model", "action")
    search_fields = ("label",)
    readonly_fields = ("model", "entry_id", "label", "action", "at", "user", "before", "after")
