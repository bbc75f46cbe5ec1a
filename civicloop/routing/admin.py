"""派遣规则 in the admin site; the console page (console/routing/) also tests them on sample cases."""
from django.contrib import admin

from civicloop.core.changes_admin import ChangeLoggedAdmin
from civicloop.routing.models import RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
    list_display = ("id", "category", "category_group", "area", "min_priority", "supervised_only", "department",
                    "active", "note")
    list_filter = ("active", "department", "supervised_only", "min_priority")
    search_fields = ("category__code", "category__name", "category_group", "area", "note")
    autocomplete_fields = ("category",)
    list_select_related = ("category", "department")
