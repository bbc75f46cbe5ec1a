"""评比 (最美庭院-style appraisals): entries with photos, public likes, nomination, judges' scores, results."""
from __future__ import annotations

from django.conf import settings
from django.db import models


def default_threshold() -> int:
    return settings.APPRAISAL_LIKE_THRESHOLD


class Appraisal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "投票中 open for likes"
        JUDGING = "judging", "评审中 judging"
        PUBLISHED = "published", "已公布 results published"

    title = models.CharField("名称 title", max_length=80)
    description = models.TextField("说明 description", blank=True)
    status = models.CharField("状态 status", max_length=10, choices=Status.choices, default=Status.OPEN)
    like_threshold = models.PositiveIntegerField("提名所需点赞数 likes to be nominated", default=default_threshold)
    judges = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="评委 judges")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "评比 appraisal"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.title


class Criterion(models.Model):
    appraisal = models.ForeignKey(Appraisal, models.CASCADE, related_name="criteria")
    name = models.CharField("评分标准 criterion", max_length=60)
    max_points = models.PositiveSmallIntegerField("满分 max points", default=10)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = "评分标准 criterion"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.name} ({self.max_points})"


class Entry(models.Model):
    appraisal = models.ForeignKey(Appraisal, models.CASCADE, related_name="entries")
    title = models.CharField("参评名称 title", max_length=80)
    owner = models.CharField("参评人 owner", max_length=40)
    address = models.CharField("地址 address", max_length=200, blank=True)
    description = models.TextField("介绍 description", blank=True)
    likes = models.PositiveIntegerField("点赞 likes", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-likes", "pk"]
        verbose_name = "参评对象 entry"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.title


class Photo(models.Model):
    entry = models.ForeignKey(Entry, models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="appraisals/%Y/%m/")

    class Meta:
        ordering = ["pk"]


class Like(models.Model):
    """One like per citizen and entry."""

    entry = models.ForeignKey(Entry, models.CASCADE, related_name="+")
    citizen = models.ForeignKey("citizens.Citizen", models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "citizen"], name="appraisal_like_once")]


class Score(models.Model):
    entry = models.ForeignKey(Entry, models.CASCADE, related_name="scores")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    criterion = models.ForeignKey(Criterion, models.CASCADE, related_name="+")
    points = models.PositiveSmallIntegerField("得分 points")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "judge", "criterion"], name="score_once")]
