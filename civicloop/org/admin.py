from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from civicloop.org.models import ApiToken, Department, User


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "division", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ("username", "display_name", "role", "scope", "scope_division", "department", "is_active")
    list_filter = ("role", "scope", "is_active")
    search_fields = ("username", "display_name", "phone")
    fieldsets = UserAdmin.fieldsets + (
        ("岗位与范围 Role and scope", {"fields": ("display_name", "phone", "role", "scope", "scope_division",
                                             "scope_grid", "department")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked")

    def has_add_permission(self, request):
        return False  # issued through the API or `civicloop createstaff --token`, shown once
