from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicloop.core"
    verbose_name = "基础 Core"
    # Retention: reporters anonymised after CIVICLOOP_REPORTER_RETENTION_DAYS, old access-log
    # rows and failed-try counters deleted. Each call does a bounded batch (the worker loops).
    worker_jobs = [
        ("anonymised reporters", "civicloop.core.retention.anonymise_due"),
        ("forgotten access log", "civicloop.core.retention.forget_old_access_log"),
        ("forgotten failed tries", "civicloop.core.throttle.forget_old"),
    ]

    citizen_links = [("我的数据 · 注销账号", "citizens:my_data")]

    def ready(self):
        from django.contrib import admin

        from civicloop.core import checks  # noqa: F401  (registers the production checks)
        from civicloop.core.admin_login import throttled

        admin.site.login = throttled(admin.site.login)
