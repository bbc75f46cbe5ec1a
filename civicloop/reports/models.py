from django.db import models


class Report(models.Model):
    """A report the scheduler generated for a finished day, ISO week or month: one row and one file
    per (kind, period, format), never two (the unique constraint settles two workers racing)."""

    class Kind(models.TextChoices):
        DAY = "day", "日报 daily"
        WEEK = "week", "周报 weekly"
        MONTH = "month", "月报 monthly"

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel"
        PDF = "pdf", "PDF"

    kind = models.CharField("类型 kind", max_length=8, choices=Kind.choices)
    period = models.CharField("统计周期 period", max_length=24)  # periods.parse() text: 2026-10, 2026-W42, 2026-10-05
    period_start = models.DateField("开始日期 first day")
    period_end = models.DateField("结束日期 last day")
    format = models.CharField("格式 format", max_length=4, choices=Format.choices)
    file = models.CharField("文件 file", max_length=200)  # relative to settings.REPORTS_ROOT
    size = models.PositiveIntegerField("大小 bytes", default=0)
    seconds = models.FloatField("生成耗时 build seconds", default=0)
    created_at = models.DateTimeField("生成时间 created", auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "kind", "format"]
        verbose_name = "统计报表 report"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["kind", "period_start", "format"], name="report_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period} {self.format}"
