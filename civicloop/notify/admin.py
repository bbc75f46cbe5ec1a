from django.contrib import admin, messages
from django.utils import timezone

from civicloop.core.readonly_admin import ReadOnlyAdmin
from civicloop.notify.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The outbox, read-only: messages are written by the workflow and sent by `civicloop worker`."""

    list_display = ("created_at", "channel", "recipient", "subject", "status", "attempts", "sent_at")
    list_filter = ("status", "channel")
    search_fields = ("recipient", "subject")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    show_full_result_count = False
    ordering = ("-id",)
    actions = ["retry"]
    deletable = True

    @admin.action(description="重新发送所选的失败消息 retry the selected failed deliveries", permissions=["view"])
    def retry(self, request, queryset):
        # Back into the queue with fresh attempts; the worker sends it as any other due message.
        count = queryset.filter(status=Delivery.Status.FAILED).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error="")
        self.message_user(request, f"已重新排队 {count} 条消息 / {count} queued again", messages.SUCCESS)
