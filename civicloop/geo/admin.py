from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from civicloop.geo.forms import DivisionForm, GridForm, GridImportForm
from civicloop.geo.models import Division, Grid


class KeyReadOnlyOnChange:
    """A code is the row's primary key: the admin would save a changed one as a new row."""

    key_fields: tuple[str, ...] = ("code",)

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields + self.key_fields if obj is not None else fields


@admin.register(Division)
class DivisionAdmin(KeyReadOnlyOnChange, admin.ModelAdmin):
    form = DivisionForm
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)


class StreetFilter(admin.SimpleListFilter):
    title = "街道 street"
    parameter_name = "street"

    def lookups(self, request, model_admin):
        return Division.objects.filter(level=Division.Level.STREET).values_list("code", "name")

    def queryset(self, request, queryset):
        return queryset.filter(community__parent_id=self.value()) if self.value() else queryset


@admin.register(Grid)
class GridAdmin(KeyReadOnlyOnChange, admin.ModelAdmin):
    form = GridForm
    list_display = ("code", "name", "community", "street_name", "active", "updated_at")
    list_filter = ("active", StreetFilter)
    search_fields = ("code", "name", "community__name")
    list_select_related = ("community__parent",)
    filter_horizontal = ("workers",)
    fieldsets = (
        (None, {"fields": ("code", "name", "community", "active")}),
        ("范围 Boundary", {"fields": ("geometry", "bounds")}),
        ("网格员 Grid workers", {"fields": ("workers",)}),
        ("记录 Record", {"fields": ("updated_time", "earlier_shapes")}),
    )
    readonly_fields = ("bounds", "updated_time", "earlier_shapes")
    change_list_template = "admin/geo/grid/change_list.html"

    @admin.display(description="街道 street", ordering="community__parent__name")
    def street_name(self, grid):
        return grid.community.parent.name if grid.community.parent_id else ""

    @admin.display(description="外接矩形 bounding box (WGS-84)")
    def bounds(self, grid):
        if not grid.pk:
            return "保存后计算 / computed on save"
        return f"{grid.min_lon:.6f}, {grid.min_lat:.6f} — {grid.max_lon:.6f}, {grid.max_lat:.6f}"

    @admin.display(description="更新时间 updated")
    def updated_time(self, grid):
        return grid.updated_at

    @admin.display(description="历史范围 earlier shapes")
    def earlier_shapes(self, grid):
        """Shapes replaced by surveyors' file imports (geo/importing.py, GridShape): when, by whom, which file."""
        rows = grid.shapes.select_related("replaced_by")[:20] if grid.pk else []
        return format_html_join(mark_safe("<br>"), "{} · {} · {}", (
            (timezone.localtime(s.replaced_at).strftime("%Y-%m-%d %H:%M"), s.replaced_by or "—", s.source_file or "—")
            for s in rows)) or "—"

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="geo_grid_import")] + super().get_urls()

    def import_view(self, request):
        """导入网格 GeoJSON: good features are saved, bad ones listed with their number and reason."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = GridImportForm(request.POST or None, request.FILES or None)
        result, status = None, 200
        if request.method == "POST":
            if form.is_valid():
                result = form.save()
                self._log(request, result)
                self.message_user(request, _summary(result),
                                  messages.WARNING if result.problems else messages.SUCCESS)
            else:
                status = 422
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "导入网格 GeoJSON",
            "form": form, "result": result, "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/geo/grid/import_geojson.html", context, status=status)

    def _log(self, request, result) -> None:
        for grid in result.created:
            self.log_addition(request, grid, [{"added": {}}])
        for grid in result.updated:
            self.log_change(request, grid, "GeoJSON 导入更新 / updated by GeoJSON import")


def _summary(result) -> str:
    text = (f"共 {result.total} 个要素：新增 {len(result.created)}，更新 {len(result.updated)}，"
            f"未变 {len(result.unchanged)}，有误 {len(result.problems)}")
    return text + ("（有误的要素未导入，见下表）" if result.problems else "")
