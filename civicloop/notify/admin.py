from django.contrib import admin

from civicloop.notify.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "recipient", "subject", "status", "attempts", "sent_at")
    list_filter = ("status", "channel")
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False
