"""Open311 keys in the admin: adding one issues a key and shows it once; revoking keeps the row."""
from django.contrib import admin, messages
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.open311 import services
from civicloop.open311.models import ApiKey, Open311Request
from civicloop.org import keys


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "contact", "rate_per_minute", "created_at", "revoked_at")
    list_select_related = ("key",)
    list_filter = (("key__revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "contact", "key__prefix")
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
        client, raw = services.issue_key(name=obj.name, contact=obj.contact, rate_per_minute=obj.rate_per_minute,
                                         by=request.user, via="admin")
        obj.pk, obj.key, obj.created_at = client.pk, client.key, client.created_at
        obj._state.adding = False
        request._key_shown_once = (client, raw)

    def response_add(self, request, obj, post_url_continue=None):
        """The new key is shown on the answer to this POST only (keys.shown_once), never again."""
        client, raw = request._key_shown_once
        heading = _("New key — copy it now, it is shown only once:")
        return keys.shown_once(render(request, "open311/admin_key_issued.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "client": client, "raw": raw,
            "heading": heading, "title": str(client)}))

    @admin.action(description="吊销所选密钥 / revoke the selected keys")
    def revoke(self, request, queryset):
        now = timezone.now()
        for client in queryset.filter(key__revoked_at__isnull=True).select_related("key"):
            services.revoke_key(client, by=request.user, now=now, via="admin")
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
