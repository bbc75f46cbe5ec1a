from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicloop.core"
    verbose_name = "基础 Core"
    # Retention: old access-log rows and failed-try counters deleted (reporters: citizens.retention).
    # Each call does a bounded batch (the worker loops).
    worker_jobs = [
        ("forgotten access log", "civicloop.core.audit.forget_old_access_log"),
        ("forgotten failed tries", "civicloop.core.throttle.forget_old"),
    ]

    citizen_links = [("我的数据 · 注销账号", "citizens:my_data")]
