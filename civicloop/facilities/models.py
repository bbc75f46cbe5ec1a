"""The 部件 registry: every toilet, bin and hand-wash station with its national id, its keeper and its QR.

Attributes follow GB/T 47678.5 (标识码, 名称, 主管部门, 权属单位, 养护单位, 网格, 状态, 初始/变更日期, 数据来源,
街道/社区). Points are WGS-84 (= CGCS2000 to centimetres), like cases.
"""
from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from civicloop.lib import tabular
from civicloop.org.scoping import ScopeFields


def new_token() -> str:
    """The QR's secret: 72 random bits, so labels cannot be guessed or walked (a signed id would
    break every printed label the day the secret key is rotated; a stored token does not)."""
    return secrets.token_urlsafe(9)


class State(models.TextChoices):
    INTACT = "intact", "完好 intact"
    DAMAGED = "damaged", "破损 damaged"
    LOST = "lost", "丢失 lost"
    SCRAPPED = "scrapped", "废弃 scrapped"
    REMOVED = "removed", "移除 removed"


class Keeper(models.Model):
    """The named person responsible for a facility: 所长 (toilets), 桶长 (bins), 台长 (hand-wash stations).

    A keeper is a person with a mobile number, not a staff account: cities name residents, shop owners
    and sanitation workers. They sign in to the citizen app with that number to see their facilities.
    """

    name = models.CharField("姓名 name", max_length=40)
    phone = models.CharField("手机 mobile", max_length=11, unique=True)
    unit = models.CharField("单位 unit", max_length=80, blank=True)
    active = models.BooleanField("启用 active", default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "管护人 keeper"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.name} {self.phone}"


class Facility(models.Model):
    id = models.CharField("标识码 id", max_length=17, primary_key=True)
    component = models.ForeignKey("taxonomy.Component", models.PROTECT, related_name="+", verbose_name="部件 component")
    name = models.CharField("名称 name", max_length=80)
    address = models.CharField("地址 address", max_length=200, blank=True)
    lon = models.FloatField("经度 lon")
    lat = models.FloatField("纬度 lat")
    grid_id = models.CharField("网格 grid", max_length=15, blank=True)
    community_id = models.CharField("社区 community", max_length=12, blank=True)
    street_id = models.CharField("街道 street", max_length=9, blank=True)
    competent_code = models.CharField("主管部门代码 competent dept. code", max_length=18, blank=True)
    competent_name = models.CharField("主管部门 competent department", max_length=80, blank=True)
    owner_unit = models.CharField("权属单位 owner", max_length=80, blank=True)
    maintainer_unit = models.CharField("养护单位 maintainer", max_length=80, blank=True)
    state = models.CharField("状态 state", max_length=10, choices=State.choices, default=State.INTACT)
    initial_date = models.DateField("初始日期 first recorded", null=True, blank=True)
    changed_date = models.DateField("变更日期 last changed", null=True, blank=True)
    data_source = models.CharField("数据来源 data source", max_length=40, blank=True)
    keeper = models.ForeignKey(Keeper, models.SET_NULL, null=True, blank=True, related_name="facilities",
                               verbose_name="管护人 keeper")
    qr_token = models.CharField("二维码令牌 QR token", max_length=16, unique=True, default=new_token, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # Departments maintain facilities across the city: their staff see every one.
    scope_fields = ScopeFields(street="street_id", community="community_id", grid="grid_id", departments_see_all=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "部件 facility"
        verbose_name_plural = "部件 facilities"
        indexes = [
            models.Index(fields=["lat", "lon"], name="facility_lat_lon"),  # the map's viewport query
            models.Index(fields=["street_id", "component"], name="facility_street_component"),
            models.Index(fields=["community_id"], name="facility_community"),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.name}"


class FacilityCase(models.Model):
    """A case about a facility: written when the report names it (refs["facility"]), closed with the case."""

    facility = models.ForeignKey(Facility, models.CASCADE, related_name="case_links")
    case = models.ForeignKey("cases.Case", models.CASCADE, related_name="+")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    # A link is seen with its case: a facility in view may have cases of another area or department.
    scope_fields = ScopeFields(street="case__street", community="case__community", grid="case__grid",
                               department="case__department")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["facility", "case"], name="facility_case_once")]
        indexes = [models.Index(fields=["case"], name="facility_case_by_case")]
        verbose_name = "部件案件 facility case"
        verbose_name_plural = verbose_name


class ImportJob(models.Model):
    """An uploaded registry file, loaded by the worker a batch at a time so the page can show progress."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队 pending"
        RUNNING = "running", "导入中 running"
        DONE = "done", "完成 done"
        FAILED = "failed", "失败 failed"

    kind = models.CharField("对象 kind", max_length=12, default="facility")  # facility | shop
    file_name = models.CharField("文件 file", max_length=200)
    path = models.CharField(max_length=400)
    status = models.CharField("状态 status", max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list, blank=True)  # one dict per row that was not simply loaded
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "导入任务 import job"
        verbose_name_plural = verbose_name

    @property
    def problems(self) -> list[tabular.Problem]:
        """The refused rows; a job reported before they were Problems has {row, id, reason}, read as one."""
        return [tabular.Problem(row=p.get("row", 0), message=p.get("message", p.get("reason", "")),
                                column=p.get("column", ""), value=p.get("value", ""), key=p.get("key", p.get("id", "")))
                for p in self.report or [] if isinstance(p, dict)]
