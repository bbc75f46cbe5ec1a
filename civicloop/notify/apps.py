from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "civicloop.notify"
    verbose_name = "通知 Notifications"
