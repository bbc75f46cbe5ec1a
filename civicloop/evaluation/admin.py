from django.contrib import admin

from civicloop.core.changes_admin import ChangeLoggedAdmin
from civicloop.core.readonly_admin import ReadOnlyAdmin
from civicloop.evaluation.models import GradeBand, Ranking, ScoreConfig


@admin.register(ScoreConfig)
class ScoreConfigAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
    list_display = ("subject", "weights", "bands", "note")


@admin.register(GradeBand)
class GradeBandAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
    list_display = ("letter", "min_score")


@admin.register(Ranking)
class RankingAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Published rankings are a public record: shown, never edited here."""

    list_display = ("month", "subject", "published_at", "published_by")
    list_filter = ("subject",)
    deletable = True
