from django.db import models


class Revision(models.Model):
    """A counter per kind of cached data (grids, taxonomy config, calendar).

    Each process keeps grids and configuration in memory; whoever changes them bumps the
    counter inside the same transaction, and other processes notice on their next re-check.
    """

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "缓存版本 cache revision"
        verbose_name_plural = verbose_name
