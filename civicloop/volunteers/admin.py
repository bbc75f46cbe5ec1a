from django.contrib import admin

from civicloop.volunteers.models import Activity, Member, SignUp, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "division", "created_at")
    search_fields = ("name",)


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("citizen", "team", "joined_at")
    raw_id_fields = ("citizen",)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("title", "team", "starts_at", "ends_at", "capacity", "radius_m")
    exclude = ("code",)


@admin.register(SignUp)
class SignUpAdmin(admin.ModelAdmin):
    list_display = ("activity", "citizen", "checked_in_at", "checked_out_at", "minutes")
    readonly_fields = ("minutes",)
    raw_id_fields = ("citizen",)
