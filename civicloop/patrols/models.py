from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Patrol(models.Model):
    """巡查: one walk (or ride) of a grid worker or inspector, with its GPS track."""

    class State(models.TextChoices):
        ACTIVE = "active", "巡查中 on patrol"
        ENDED = "ended", "已结束 ended"

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="patrols", verbose_name="巡查人 worker")
    grid = models.ForeignKey("geo.Grid", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name="责任网格 assigned grid")
    state = models.CharField("状态 state", max_length=8, choices=State.choices, default=State.ACTIVE)
    started_at = models.DateTimeField("开始 started")
    ended_at = models.DateTimeField("结束 ended", null=True, blank=True)
    last_point_at = models.DateTimeField("最后定位 last point", null=True, blank=True)
    point_count = models.PositiveIntegerField("轨迹点数 points", default=0)
    distance_m = models.FloatField("里程(米) distance m", default=0)
    # The phone's key for "start": a retried start on a bad network gets the same patrol back.
    client_key = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "巡查 patrol"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["worker"], condition=Q(state="active"), name="patrol_one_active_per_worker"),
            models.UniqueConstraint(fields=["client_key"], name="patrol_client_key_unique"),
        ]
        indexes = [models.Index(fields=["worker", "-started_at"], name="patrol_worker_recent")]

    def __str__(self) -> str:
        return f"{self.worker} {self.started_at:%Y-%m-%d %H:%M}"


class PatrolPoint(models.Model):
    patrol = models.ForeignKey(Patrol, models.CASCADE, related_name="points")
    at = models.DateTimeField("时间 at")
    lon = models.FloatField("经度 longitude (WGS-84)")
    lat = models.FloatField("纬度 latitude (WGS-84)")
    accuracy_m = models.FloatField("精度(米) accuracy m", null=True, blank=True)
    grid_id = models.CharField("网格 grid", max_length=15, blank=True)

    class Meta:
        verbose_name = "轨迹点 track point"
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(fields=["patrol", "at"], name="patrol_point_track"),
            models.Index(fields=["grid_id", "at"], name="patrol_point_grid_time"),
        ]


class PatrolBatch(models.Model):
    """One upload of points; its id makes a retried upload change nothing."""

    patrol = models.ForeignKey(Patrol, models.CASCADE, related_name="batches")
    batch_id = models.CharField(max_length=64)
    received_at = models.DateTimeField()
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patrol", "batch_id"], name="patrol_batch_unique")]


class PatrolReport(models.Model):
    """A case reported during a patrol (report_case(refs={"patrol": id}))."""

    patrol = models.ForeignKey(Patrol, models.CASCADE, related_name="reports")
    case = models.OneToOneField("cases.Case", models.CASCADE, related_name="+")
    created_at = models.DateTimeField()


class WorkerPosition(models.Model):
    """The last known position of a field worker: from patrol points or the light position call."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, primary_key=True, related_name="+")
    lon = models.FloatField()
    lat = models.FloatField()
    accuracy_m = models.FloatField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "最新位置 last position"
        verbose_name_plural = verbose_name


class DutyShift(models.Model):
    """上班签到: a field worker checked in for a shift (on a patrol counts as on duty too)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name="人员 worker")
    started_at = models.DateTimeField("签到 checked in")
    ended_at = models.DateTimeField("签退 checked out", null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "值班签到 duty shift"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(ended_at__isnull=True), name="duty_one_open_per_user"),
        ]


class PatrolRequirement(models.Model):
    """A grid that must be patrolled every working day, and how much of it counts as patrolled."""

    grid = models.OneToOneField("geo.Grid", models.CASCADE, primary_key=True, related_name="+", verbose_name="网格 grid")
    min_coverage = models.FloatField("最低覆盖率 minimum coverage", default=0.5,
                                     help_text="0–1：当日须走到的网格面积比例 / share of the grid to be covered each day")
    active = models.BooleanField("启用 active", default=True)

    class Meta:
        verbose_name = "每日巡查要求 daily patrol requirement"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.grid_id} ≥ {self.min_coverage:.0%}"


class GridCoverage(models.Model):
    """How much of a grid the day's patrols covered (all workers together)."""

    grid = models.ForeignKey("geo.Grid", models.CASCADE, related_name="+")
    day = models.DateField()
    cells_total = models.PositiveIntegerField(default=0)
    cells_visited = models.PositiveIntegerField(default=0)
    fraction = models.FloatField(default=0)
    patrols = models.PositiveIntegerField(default=0)
    points = models.PositiveIntegerField(default=0)
    dirty = models.BooleanField(default=True)  # new points came in since it was computed
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "网格巡查覆盖 grid coverage"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["grid", "day"], name="coverage_grid_day")]
        indexes = [models.Index(fields=["dirty"], name="coverage_dirty", condition=Q(dirty=True))]


class MissedPatrol(models.Model):
    """漏巡: a required grid not (enough) patrolled by the end of a working day."""

    grid = models.ForeignKey("geo.Grid", models.CASCADE, related_name="+", verbose_name="网格 grid")
    day = models.DateField("日期 day")
    coverage = models.FloatField("覆盖率 coverage")
    required = models.FloatField("要求 required")
    flagged_at = models.DateTimeField("标记时间 flagged")

    class Meta:
        ordering = ["-day", "grid"]
        verbose_name = "漏巡 missed patrol"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["grid", "day"], name="missed_patrol_grid_day")]


class PatrolDay(models.Model):
    """A working day whose missed patrols have been flagged (the day-end job runs once per day)."""

    day = models.DateField(primary_key=True)
    closed_at = models.DateTimeField()
    missed = models.PositiveIntegerField(default=0)
