"""Local configuration: categories, responsible departments, time limits and the holiday calendar.

Every save goes through the model, so taxonomy/signals.py bumps the configuration revision and
config() (limits, routing, calendar) follows in every process.
"""
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicloop.core.changes_admin import ChangeLoggedAdmin
from civicloop.core.readonly_admin import ReadOnlyAdmin
from civicloop.geo.models import Division
from civicloop.lib.holidays import ArrangementError, parse_arrangement
from civicloop.taxonomy import services
from civicloop.taxonomy.models import CalendarDay, CalendarYear, Category, Component, DepartmentRoute, TimeLimit

WEEKDAYS = "一二三四五六日"

# An administrator's console home is the admin index: the missing-holiday-arrangement warning goes there.
admin.site.index_template = "taxonomy/admin_index.html"


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
class CategoryAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
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
class ComponentAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
    list_display = ("code", "name", "major_name")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()


@admin.register(TimeLimit)
class TimeLimitAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
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
class DepartmentRouteAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
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
class CalendarDayAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
    """Overrides of the State Council's holiday schedule; the stage clocks follow at once."""

    form = CalendarDayForm
    list_display = ("date", "weekday", "day_kind", "note", "year")
    list_filter = ("is_workday", "year")
    date_hierarchy = "date"
    ordering = ("-date",)

    def get_readonly_fields(self, request, obj=None):
        return ("date",) if obj is not None else ()  # the key; delete and add to move a day

    # A day of a year's arrangement changes only with its arrangement (loaded again as a whole).
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.year_id)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.year_id)

    @admin.display(description="星期 weekday")
    def weekday(self, day):
        return f"星期{WEEKDAYS[day.date.weekday()]}"

    @admin.display(description="安排 arrangement", ordering="is_workday")
    def day_kind(self, day):
        return "上班 working day" if day.is_workday else "休息 day off"


class ArrangementFileForm(forms.ModelForm):
    """Adding a year = loading its arrangement file; loading a year again replaces it."""

    file = forms.FileField(label=_("Arrangement file (TOML)"),
                           help_text=_("See docs/calendar.md for the format; a file with any mistake saves nothing."))

    class Meta:
        model = CalendarYear
        fields: list[str] = []

    def clean_file(self):
        try:
            self.arrangement = parse_arrangement(self.cleaned_data["file"].read().decode("utf-8"))
            services.check_arrangement(self.arrangement)
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from None
        except ArrangementError as exc:
            raise forms.ValidationError(str(exc)) from None
        return self.cleaned_data["file"]


class ArrangementDayInline(ReadOnlyAdmin, admin.TabularInline):
    model = CalendarDay
    fields = ("date", "is_workday", "note")
    readonly_fields = fields
    extra = 0


@admin.register(CalendarYear)
class CalendarYearAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
    """The State Council's arrangement of each year, entered from its file through the one service."""

    list_display = ("year", "confirmed", "source", "entered_by", "entered_at")
    readonly_fields = ("year", "confirmed", "source", "notes", "entered_by", "entered_at")
    inlines = [ArrangementDayInline]
    records_changes = False  # services.save_arrangement records the year and its days

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ArrangementFileForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False  # shown read-only: load the file again to change a year

    def save_model(self, request, obj, form, change):
        saved = services.save_arrangement(form.arrangement, by=request.user)
        obj.__dict__.update({k: v for k, v in saved.year.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False
