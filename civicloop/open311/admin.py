"""Open311 keys in the admin: adding one issues a key and shows it once; revoking keeps the row."""
from django.contrib import admin, messages
from django.utils import timezone

from civicloop.open311 import services
from civicloop.open311.models import ApiKey, Open311Request


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "contact", "rate_per_minute", "created_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "contact", "prefix")
    fields = ("name", "contact", "rate_per_minute", "prefix", "created_at", "created_by", "revoked_at")
    readonly_fields = ("prefix", "created_at", "created_by", "revoked_at")
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None):
        return False  # requests keep naming the key that sent them; revoke instead

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            services.key_changed(obj)
            return
        key, raw = services.issue_key(name=obj.name, contact=obj.contact, rate_per_minute=obj.rate_per_minute,
                                      by=request.user)
        obj.pk, obj.prefix, obj.digest, obj.created_at = key.pk, key.prefix, key.digest, key.created_at
        obj._state.adding = False
        messages.warning(request, f"新密钥（只显示这一次，请立即复制）/ the new key, shown only now: {raw}")

    @admin.action(description="吊销所选密钥 / revoke the selected keys")
    def revoke(self, request, queryset):
        now = timezone.now()
        for key in queryset.filter(revoked_at__isnull=True):
            services.revoke_key(key, now=now)
        messages.success(request, "已吊销 / revoked")


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    list_display = ("case", "key", "device_id", "created_at")
    list_select_related = ("case", "key")
    list_filter = ("key",)
    search_fields = ("case__reference", "token")
    readonly_fields = ("case", "key", "token", "attributes", "device_id", "media_url", "created_at")

    def has_add_permission(self, request):
        return False
