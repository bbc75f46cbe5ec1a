from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from civicloop.geo.models import Division
from civicloop.core.changes_admin import ChangeLoggedAdmin
from civicloop.org.models import ApiToken, CommandCentre, Department, LoginAttempt, User

ROLE_AND_SCOPE = ("display_name", "phone", "role", "scope", "scope_division", "scope_grid", "department")
SCOPE_HELP = ("范围为“区县”时选择区县（区级指挥中心的人员），为“街道”时选择街道（乡镇），为“社区”时选择社区（村），为“网格”时选择网格，为“部门”时选择部门；"
              "处置人员须属于部门。/ District scope: pick a county-level district (a district centre's staff); street scope: pick a street; community scope: a community; grid scope: a grid; "
              "department scope and department workers: a department.")


@admin.register(Department)
class DepartmentAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "division", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")
    list_select_related = ("division",)

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()  # the key: a changed code would be saved as a new row

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "division":
            # A district's own bureau names its county (两级指挥); a street office its street.
            kwargs["queryset"] = Division.objects.exclude(level__in=_ABOVE_COUNTY)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


_ABOVE_COUNTY = (Division.Level.PROVINCE, Division.Level.PREFECTURE)


@admin.register(CommandCentre)
class CommandCentreAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
    list_display = ("name", "division", "active")
    list_filter = ("active",)
    list_select_related = ("division",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "division":
            kwargs["queryset"] = Division.objects.filter(level=Division.Level.COUNTY)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(User)
class StaffAdmin(ChangeLoggedAdmin, UserAdmin):
    """Staff with role and scope. User.clean() checks that the scope names its area; the admin's
    model form runs it, so its messages appear beside the field concerned."""

    list_display = ("username", "display_name", "role", "scope", "scope_division", "department", "is_active")
    list_filter = ("role", "scope", "is_active", "department")
    search_fields = ("username", "display_name", "phone")
    list_select_related = ("scope_division", "department")
    autocomplete_fields = ("scope_grid",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("岗位与范围 Role and scope", {"fields": ROLE_AND_SCOPE, "description": SCOPE_HELP}),
        ("账号与权限 Account and permissions", {"fields": ("email", "is_active", "is_staff", "is_superuser", "groups",
                                                        "user_permissions")}),
        ("重要日期 Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        ("岗位与范围 Role and scope", {"classes": ("wide",), "fields": ROLE_AND_SCOPE, "description": SCOPE_HELP}),
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "scope_division":
            kwargs["queryset"] = Division.objects.exclude(level__in=_ABOVE_COUNTY)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False  # issued through the API or `civicloop createstaff --token`, shown once


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    """Sign-in attempts, read-only. Deleting an account's failures lifts its lock early."""

    list_display = ("at", "username", "ip", "succeeded")
    list_filter = ("succeeded",)
    search_fields = ("=username", "=ip")
    date_hierarchy = "at"
    readonly_fields = ("at", "username", "ip", "succeeded")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
