from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from civicloop.geo.models import Division, Grid
from civicloop.routing import rules
from civicloop.taxonomy.models import Priority


class RoutingRule(models.Model):
    """派遣规则: category (or group) × area → department, optionally only for urgent or supervised cases.

    The most specific matching rule wins (routing/rules.py says how); the taxonomy's category ×
    street routes and each category's default department stay as the last resorts."""

    category = models.ForeignKey(
        "taxonomy.Category", models.CASCADE, null=True, blank=True, related_name="+", verbose_name="事项 category",
        help_text="留空：任何事项，或按大类 / empty: any category, or a group below",
    )
    category_group = models.CharField(
        "事项大类 category group", max_length=2, blank=True,
        help_text="两位大类代码，如 06 市容环境类 / the major class, e.g. 06",
    )
    area = models.CharField(
        "区域 area", max_length=15, blank=True,
        help_text="街道(9位)、社区(12位)或网格(15位)编码；留空为全市 / street, community or grid code; empty = city",
    )
    min_priority = models.PositiveSmallIntegerField(
        "优先级不低于 priority at least", null=True, blank=True,
        choices=[(p.value, p.label) for p in Priority if p.value > 1],
    )
    supervised_only = models.BooleanField("仅督办案件 supervised cases only", default=False)
    department = models.ForeignKey("org.Department", models.PROTECT, related_name="+", verbose_name="部门 department")
    note = models.CharField("说明 note", max_length=200, blank=True)
    active = models.BooleanField("启用 active", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "派遣规则 routing rule"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        what = self.category_id or (f"{self.category_group}**" if self.category_group else "*")
        return f"{what} @ {self.area or '全市'} → {self.department_id}"

    def clean(self) -> None:
        problem = rules.rule_problem(category=self.category_id or "", group=self.category_group,
                                     area=self.area, min_priority=self.min_priority)
        if problem:
            raise ValidationError(problem)
        if self.area and not _area_exists(self.area):
            raise ValidationError({"area": "找不到该区域编码 / no street, community or grid with this code"})

    def as_rule(self) -> rules.Rule:
        return rules.Rule(key=self.pk, department=self.department_id, category=self.category_id or "",
                          group=self.category_group, area=self.area, min_priority=self.min_priority,
                          supervised_only=self.supervised_only, source=rules.ADMIN, note=self.note)


def _area_exists(code: str) -> bool:
    if len(code) == 15:
        return Grid.objects.filter(pk=code).exists()
    return Division.objects.filter(pk=code).exists()
