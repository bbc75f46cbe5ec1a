from datetime import timedelta

from django.apps import AppConfig

from civicloop.core.extensions import Job


class CoreConfig(AppConfig):
    name = "civicloop.core"
    verbose_name = "基础 Core"
    # Retention: old access-log rows and failed-try counters deleted (reporters: citizens.retention).
    # They are kept for days or years, so an hourly look is exact enough; each call does a bounded
    # batch, and a full one runs again at once.
    worker_jobs = [
        Job("forgotten access log", "civicloop.core.audit.forget_old_access_log",
            every=timedelta(hours=1), budget=timedelta(seconds=30)),
        Job("forgotten failed tries", "civicloop.core.throttle.forget_old",
            every=timedelta(hours=1), budget=timedelta(seconds=30)),
    ]

    citizen_links = [("我的数据 · 注销账号", "citizens:my_data")]
