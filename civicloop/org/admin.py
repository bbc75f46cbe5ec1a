from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from civicloop.core.changes_admin import ChangeLoggedAdmin
from civicloop.core.readonly_admin import ReadOnlyAdmin
from civicloop.geo.models import Division
from civicloop.org import keys
from civicloop.org.models import CommandCentre, Department, HashedKey, User

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


class RevokedFilter(admin.SimpleListFilter):
    title = _("revoked")
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return (("no", _("active")), ("yes", _("revoked")))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(revoked_at__isnull=self.value() == "no")
        return queryset


@admin.register(HashedKey)
class HashedKeyAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Every kind of API key in one list. A key is issued where it is used (the API, the console pages,
    `civicloop createstaff --token`), shown once there; here it is only seen and revoked."""

    list_display = ("kind", "owner", "label", "prefix", "created_at", "created_by", "last_used_at", "revoked_at")
    list_filter = ("kind", RevokedFilter)
    search_fields = ("=prefix", "owner", "label", "user__username")
    list_select_related = ("user", "created_by")
    readonly_fields = ("kind", "user", "owner", "label", "prefix", "created_at", "created_by", "last_used_at",
                       "revoked_at", "revoked_by")
    fields = readonly_fields
    actions = ["revoke"]

    # Nothing about a key is edited and none is deleted (what it sent keeps its source): revoking is
    # the action below.

    def has_revoke_permission(self, request):
        return request.user.has_perm("org.change_hashedkey")

    @admin.action(description=_("Revoke the selected keys"), permissions=["revoke"])
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            keys.revoke(key, request.user, via="admin")
        self.message_user(request, _("Revoked."))
