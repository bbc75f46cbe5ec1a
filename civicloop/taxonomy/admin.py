"""Local configuration: categories, responsible departments, time limits and the holiday calendar.

Every save goes through the model, so taxonomy/signals.py bumps the configuration revision and
config() (limits, routing, calendar) follows in every process.
"""
from django import forms
from django.contrib import admin

from civicloop.geo.models import Division
from civicloop.taxonomy.models import CalendarDay, Category, Component, DepartmentRoute, TimeLimit

WEEKDAYS = "一二三四五六日"


class TimeLimitForm(forms.ModelForm):
    class Meta:
        model = TimeLimit
        fields = ["category", "condition", "stage", "amount", "unit"]

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount <= 0:
            raise forms.ValidationError("时限须大于 0 / the limit must be more than zero")
        return amount

    def clean(self):
        data = super().clean()
        # The unique constraint cannot see two city defaults: their category is NULL, and NULLs differ.
        category = data.get("category") if "category" in self.fields else self.instance.category
        if category is None and "category" in self.fields and data.get("stage"):
            twins = TimeLimit.objects.filter(category__isnull=True, condition=data.get("condition") or "",
                                             stage=data["stage"]).exclude(pk=self.instance.pk)
            if twins.exists():
                self.add_error("stage", "该环节的全市默认时限已存在，请修改原有一条 / a city default for this stage "
                                        "and condition exists already; edit that one")
        return data


class TimeLimitInline(admin.TabularInline):
    model = TimeLimit
    form = TimeLimitForm
    fields = ("condition", "stage", "amount", "unit")
    extra = 0


class RouteInline(admin.TabularInline):
    model = DepartmentRoute
    extra = 0
    verbose_name = "按街道派遣 routing by street"
    verbose_name_plural = "按街道派遣（覆盖默认部门）routing by street (overrides the default department)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "street":
            kwargs["queryset"] = Division.objects.filter(level=Division.Level.STREET)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "major_name", "department", "priority", "is_local", "active")
    list_filter = ("major_name", "is_local", "active", "department")
    search_fields = ("code", "name", "keywords")
    list_select_related = ("department",)
    inlines = [TimeLimitInline, RouteInline]

    def get_readonly_fields(self, request, obj=None):
        # The national list is the standard's: only local configuration is editable on it. A code
        # is the key: a changed one would be saved as a new category.
        if obj is not None and not obj.is_local:
            return ("code", "major_code", "major_name", "name", "component", "is_local")
        return ("code",) if obj is not None else ()


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "major_name")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    form = TimeLimitForm
    list_display = ("category_or_default", "condition", "stage", "amount", "unit")
    list_filter = ("stage", "unit", ("category", admin.EmptyFieldListFilter))
    search_fields = ("category__code", "category__name", "condition")
    list_select_related = ("category",)
    autocomplete_fields = ("category",)
    ordering = ("category", "condition", "stage")

    @admin.display(description="事项 category", ordering="category")
    def category_or_default(self, limit):
        return str(limit.category) if limit.category_id else "全市默认 city default"


@admin.register(DepartmentRoute)
class DepartmentRouteAdmin(admin.ModelAdmin):
    list_display = ("category", "street", "department")
    list_filter = ("department",)
    search_fields = ("category__code", "category__name", "street__name")
    list_select_related = ("category", "street", "department")
    autocomplete_fields = ("category",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "street":
            kwargs["queryset"] = Division.objects.filter(level=Division.Level.STREET)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "is_workday", "note"]
        help_texts = {
            "is_workday": "勾选：这一天上班（调休上班日）；不勾选：这一天休息（节假日）。/ ticked: a working day; "
                          "unticked: a day off",
            "note": "例如“春节”“国庆调休” / e.g. the holiday's name",
        }


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Overrides of the State Council's holiday schedule; the stage clocks follow at once."""

    form = CalendarDayForm
    list_display = ("date", "weekday", "day_kind", "note")
    list_filter = ("is_workday",)
    date_hierarchy = "date"
    ordering = ("-date",)

    def get_readonly_fields(self, request, obj=None):
        return ("date",) if obj is not None else ()  # the key; delete and add to move a day

    @admin.display(description="星期 weekday")
    def weekday(self, day):
        return f"星期{WEEKDAYS[day.date.weekday()]}"

    @admin.display(description="安排 arrangement", ordering="is_workday")
    def day_kind(self, day):
        return "上班 working day" if day.is_workday else "休息 day off"
