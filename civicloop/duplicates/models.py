from __future__ import annotations

from django.db import models


class OpenCase(models.Model):
    """The duplicate finder's own index of open, original cases, kept by the case_changed signal.

    The cases table has no spatial index, and a bounding box on lat/lon alone reads a whole band of
    the city. Here each case sits in a cell of about 100 m (rules.cell_of), so the cases near a
    point are a few short index ranges on (cell, reported_at), whatever the size of the city. The
    description's start is copied so that scoring needs no join; only the shown candidates are read
    from the cases table (through the operator's visibility).
    """

    case = models.OneToOneField("cases.Case", models.CASCADE, primary_key=True, related_name="+")
    cell = models.BigIntegerField()
    lon = models.FloatField()
    lat = models.FloatField()
    category_id = models.CharField(max_length=5, blank=True, default="")
    reported_at = models.DateTimeField()
    text = models.CharField(max_length=200, blank=True, default="")
    # The worker's auto-merge has looked at this report (new reports only; a backfill marks all).
    screened = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["cell", "reported_at"], name="dup_cell_time"),
            models.Index(fields=["reported_at"], condition=models.Q(screened=False), name="dup_unscreened"),
        ]
        verbose_name = "在办案件索引 open case index"
        verbose_name_plural = verbose_name
