from __future__ import annotations

from django.conf import settings
from django.db import models


class SavedView(models.Model):
    """A person's named filter set for the case list (常用筛选): only its owner sees it."""

    # The (owner, name) constraint's index serves "my views"; no separate index on owner.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, db_index=False, related_name="saved_views",
                              verbose_name="所有人 owner")
    name = models.CharField("名称 name", max_length=60)
    # The list's own query string (filters and sort, never a page cursor), kept as the person saw it.
    query = models.CharField("筛选条件 query string", max_length=1000, blank=True)
    created_at = models.DateTimeField("创建时间 created", auto_now_add=True)

    class Meta:
        ordering = ["owner", "name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_owner_name")]
        verbose_name = "常用筛选 saved view"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name
