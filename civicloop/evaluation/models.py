"""The evaluation's tables: daily counters kept in step with the case event log, the scoring
configuration (editable in the admin) and the published monthly rankings (红黑榜)."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from civicloop.evaluation.counters import COUNTERS, DIMENSIONS


class DailyCount(models.Model):
    """One day's counters for one key of one dimension (the city, a department, a street …).

    Maintained by rollup.refresh() from the case events past the watermark and recomputed by
    `civicloop metrics-rebuild`; a month by department reads ~30 × departments rows."""

    day = models.DateField("日期 day")
    dim = models.CharField("维度 dimension", max_length=12, choices=[(d, d) for d in DIMENSIONS])
    key = models.CharField("键 key", max_length=40, blank=True)

    class Meta:
        verbose_name = "日统计 daily count"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["dim", "day", "key"], name="dailycount_dim_day_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.dim}:{self.key}"


for _counter in COUNTERS:  # one integer column per counter, named and labelled in counters.py
    DailyCount.add_to_class(_counter.name, models.IntegerField(_counter.label, default=0))


class RollupState(models.Model):
    """The watermark: the highest event id counted, and ids below it not seen yet (a transaction
    that took its id earlier but committed later), re-checked until they appear or grow old."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(default=0)
    gaps = models.JSONField(default=list, blank=True)  # [[event id, first seen (epoch s)], …]
    refreshed_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "统计进度 rollup state"
        verbose_name_plural = verbose_name


class PendingAttribution(models.Model):
    """Where an unfiled case's events were counted. 立案 may set its category or correct its grid;
    the refresh then moves the counts already made to the new keys, so the figures end up exactly
    where a rebuild (which reads today's case) puts them. Only cases not yet filed have a row."""

    case_id = models.BigIntegerField(primary_key=True)
    street = models.CharField(max_length=12, blank=True)
    community = models.CharField(max_length=12, blank=True)
    grid = models.CharField(max_length=15, blank=True)
    category = models.CharField(max_length=12, blank=True)


class ScoreConfig(models.Model):
    """Weights and count bands of one weighted score (domain.md §4); edited in the admin."""

    class Subject(models.TextChoices):
        INSPECTOR = "inspector", "监督员 inspector"
        OPERATOR = "operator", "受理员 operator"
        SHIFT_LEADER = "shift_leader", "值班长 shift leader"
        DISPATCHER = "dispatcher", "派遣员 dispatcher"
        DEPARTMENT = "department", "专业部门 department"
        AREA = "area", "区域 area (street, community, grid)"

    subject = models.CharField("评价对象 subject", max_length=20, choices=Subject.choices, primary_key=True)
    weights = models.JSONField("权重 weights", default=dict,
                               help_text="{指标: 权重%}；权重之和不必为100，得分按权重和归一 / weights, normalised by their sum")
    bands = models.JSONField("数量分值档 count bands", default=list, blank=True,
                             help_text="[[下限, 上限或null, 分值], …] / [[from, to or null, score], …]")
    note = models.CharField("说明 note", max_length=200, blank=True)

    class Meta:
        verbose_name = "评分规则 score rule"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.get_subject_display()


class GradeBand(models.Model):
    """等级: the lowest score of each grade (A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below)."""

    letter = models.CharField("等级 grade", max_length=2, primary_key=True)
    min_score = models.DecimalField("最低分 from score", max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["-min_score"]
        verbose_name = "等级 grade"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.letter} ≥ {self.min_score}"


class Ranking(models.Model):
    """红黑榜: one month's ranking of departments or streets, frozen when published."""

    class Subject(models.TextChoices):
        DEPARTMENT = "department", "部门 departments"
        STREET = "street", "街道 streets"

    month = models.DateField("月份 month")  # the first day of the month
    subject = models.CharField("对象 subject", max_length=12, choices=Subject.choices)
    rows = models.JSONField("排名 rows", default=list)  # [{rank, key, label, score, grade, parts, figures}]
    list_size = models.PositiveSmallIntegerField("红黑榜人数 list size", default=3)
    computed_at = models.DateTimeField("计算时间 computed")
    published_at = models.DateTimeField("发布时间 published", null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name="发布人 published by")

    class Meta:
        ordering = ["-month", "subject"]
        verbose_name = "红黑榜 ranking"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["month", "subject"], name="ranking_month_subject")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_subject_display()}"
