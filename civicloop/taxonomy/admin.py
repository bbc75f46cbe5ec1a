from django.contrib import admin

from civicloop.taxonomy.models import CalendarDay, Category, Component, DepartmentRoute, TimeLimit


class TimeLimitInline(admin.TabularInline):
    model = TimeLimit
    extra = 0


class RouteInline(admin.TabularInline):
    model = DepartmentRoute
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "major_name", "department", "priority", "is_local", "active")
    list_filter = ("major_name", "is_local", "active", "department")
    search_fields = ("code", "name", "keywords")
    inlines = [TimeLimitInline, RouteInline]

    def get_readonly_fields(self, request, obj=None):
        # The national list is the standard's: only local configuration is editable on it.
        if obj is not None and not obj.is_local:
            return ("code", "major_code", "major_name", "name", "component", "is_local")
        return ()


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "major_name")
    search_fields = ("code", "name")


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    list_display = ("category", "condition", "stage", "amount", "unit")
    list_filter = ("stage", "unit")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "note")
    date_hierarchy = "date"
