from datetime import timedelta

from django.apps import AppConfig

from civicloop.core.extensions import Job


class NotifyConfig(AppConfig):
    name = "civicloop.notify"
    verbose_name = "通知 Notifications"
    worker_jobs = [
        Job("deliveries", "civicloop.notify.services.deliver_due",  # a citizen waits for the sign-in code
            every=timedelta(seconds=1), budget=timedelta(seconds=30)),
        # Sent messages hold phone numbers and openids for CIVICLOOP_DELIVERY_KEEP_DAYS: an hourly look.
        Job("forgotten messages", "civicloop.notify.services.forget_old_deliveries",
            every=timedelta(hours=1), budget=timedelta(seconds=30)),
    ]
