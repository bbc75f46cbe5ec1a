from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicloop.lib import codes
from civicloop.lib.workcal import Unit
from civicloop.taxonomy.stages import Stage


class Priority(models.IntegerChoices):
    NORMAL = 1, "一般 normal"
    URGENT = 2, "紧急 urgent"
    CRITICAL = 3, "特急 critical"


class Component(models.Model):
    """管理部件: a kind of city furniture (GB/T 47678.5 annex), e.g. 01001 供水井盖."""

    code = models.CharField("代码 code", max_length=5, primary_key=True)
    major_code = models.CharField("大类 major", max_length=2)
    major_name = models.CharField("大类名称 major name", max_length=30)
    name = models.CharField("名称 name", max_length=60)

    class Meta:
        ordering = ["code"]
        verbose_name = "管理部件 component"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Category(models.Model):
    """管理事项: what a case is about. National (GB/T 47678.5) or local, with local configuration."""

    code = models.CharField("代码 code", max_length=5, primary_key=True)
    major_code = models.CharField("大类 major", max_length=2)
    major_name = models.CharField("大类名称 major name", max_length=30)
    name = models.CharField("名称 name", max_length=60)
    component = models.ForeignKey(
        Component, models.PROTECT, null=True, blank=True, verbose_name="对应部件 component",
        help_text="01–05 类事项为“部件异常”，对应同码部件 / matters 01–05 are '<component> abnormal'",
    )
    keywords = models.CharField("关键词 keywords", max_length=300, blank=True, help_text="逗号分隔 / comma-separated")
    is_local = models.BooleanField("本地扩展 local", default=False)
    active = models.BooleanField("启用 active", default=True)
    department = models.ForeignKey(
        "org.Department", models.PROTECT, null=True, blank=True, related_name="categories",
        verbose_name="默认责任部门 default department",
    )
    priority = models.PositiveSmallIntegerField("优先级 priority", choices=Priority.choices, default=Priority.NORMAL)
    allow_anonymous = models.BooleanField("允许匿名上报 anonymous reports", default=True)
    # A local category is counted upward (province, ministry) as the national one it maps to.
    national = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="local_categories",
        limit_choices_to={"is_local": False}, verbose_name=_("national category"),
        help_text=_("For a local category: the GB/T 47678.5 category it is reported upward as."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "管理事项 category"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        problem = codes.category_code_problem(self.code)
        if problem:
            raise ValidationError({"code": problem})
        if self.code[:2] != self.major_code:
            raise ValidationError({"major_code": "大类须与代码前两位一致 / the major class is the code's first two digits"})
        self._clean_national()

    def _clean_national(self) -> None:
        if not self.is_local:
            if self.national_id:
                raise ValidationError({"national": _("Only a local category maps to a national one.")})
            return
        if not self.national_id:
            raise ValidationError({"national": _("A local category needs the national category it is reported as.")})
        if self.national.is_local:
            raise ValidationError({"national": _("The national category must be one of GB/T 47678.5, not a local one.")})


class DepartmentRoute(models.Model):
    """Who handles a category in one street: overrides the category's default department."""

    category = models.ForeignKey(Category, models.CASCADE, related_name="routes", verbose_name="事项 category")
    street = models.ForeignKey("geo.Division", models.CASCADE, related_name="+", verbose_name="街道 street")
    department = models.ForeignKey("org.Department", models.PROTECT, related_name="+", verbose_name="部门 department")

    class Meta:
        unique_together = [("category", "street")]
        verbose_name = "派遣规则 routing rule"
        verbose_name_plural = verbose_name


class TimeLimit(models.Model):
    """A stage's limit; the most specific row wins: category+condition, category, then city default."""

    category = models.ForeignKey(
        Category, models.CASCADE, null=True, blank=True, related_name="time_limits",
        verbose_name="事项 category", help_text="留空为全市默认 / empty = city default",
    )
    condition = models.CharField(
        "立案条件 condition", max_length=60, blank=True, help_text="例如“成堆、成片”；留空为一般 / e.g. 成堆、成片",
    )
    stage = models.CharField("环节 stage", max_length=10, choices=Stage.choices)
    amount = models.DecimalField("时限 amount", max_digits=7, decimal_places=2)
    unit = models.CharField("单位 unit", max_length=2, choices=[(u.value, f"{u.label_zh} {u.label_en}") for u in Unit])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "condition", "stage"], name="unique_time_limit"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="time_limit_positive"),
        ]
        verbose_name = "处置时限 time limit"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.category_id or '默认'} {self.condition or ''} {self.get_stage_display()} {self.amount}{self.unit}"


class CalendarYear(models.Model):
    """The State Council's holiday arrangement (节假日安排) for one year, as the city entered it.

    Its days are CalendarDay rows pointing here. For an entered year the arrangement is the whole
    truth: days it does not list follow the statutory holidays and Monday–Friday, not the
    chinesecalendar package. Entered and changed only through taxonomy.services.save_arrangement.
    """

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    confirmed = models.BooleanField(
        _("confirmed"), default=False,
        help_text=_("Ticked once the State Council's notice is published; a draft is used but still warned about."),
    )
    source = models.CharField(_("notice"), max_length=200, blank=True,
                              help_text=_("The notice the days come from, e.g. its title and number."))
    notes = models.TextField(_("notes"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered at"))

    class Meta:
        ordering = ["-year"]
        verbose_name = _("holiday arrangement")
        verbose_name_plural = _("holiday arrangements")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """One day of a year's arrangement (year set), or an administrator's local override (year empty)."""

    date = models.DateField("日期 date", primary_key=True)
    is_workday = models.BooleanField("工作日 working day")
    note = models.CharField("说明 note", max_length=60, blank=True)
    year = models.ForeignKey(
        CalendarYear, models.CASCADE, null=True, blank=True, related_name="days", verbose_name=_("arrangement"),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = "日历调整 calendar override"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.note}"
