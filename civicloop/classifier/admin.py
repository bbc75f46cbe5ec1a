from django.contrib import admin, messages

from civicloop.classifier import services
from civicloop.classifier.models import ClassifierModel


@admin.register(ClassifierModel)
class ClassifierModelAdmin(admin.ModelAdmin):
    list_display = ["version", "source", "samples", "labels", "accuracy", "macro_f1", "active", "created_at"]
    readonly_fields = [f.name for f in ClassifierModel._meta.fields]
    actions = ["use_this_model"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="启用所选模型 / use the selected model")
    def use_this_model(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "请只选一个模型 / pick exactly one model", messages.ERROR)
            return
        services.activate_model(queryset.get())
        self.message_user(request, "已启用 / now in use")
