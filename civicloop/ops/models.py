from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """How a background job last went, one row per job name, written by `civicloop worker`.

    Not a row per run: a run that found nothing to do is counted in memory and written with the next
    run that did work or failed, or after a minute at the latest (ops/worker.py), so an idle worker
    writes a few rows a minute instead of several a second."""

    name = models.CharField(_("job"), max_length=100, unique=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_seconds = models.FloatField(_("last duration (s)"), default=0)
    last_done = models.IntegerField(_("work done in the last run"), default=0)
    last_busy_at = models.DateTimeField(_("last did work"), null=True, blank=True)
    last_failed = models.BooleanField(_("last run failed"), default=False)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    runs = models.BigIntegerField(_("runs"), default=0)
    failures = models.BigIntegerField(_("failures"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self) -> str:
        return self.name
