from django.contrib import admin

from civicloop.core.changes_admin import ChangeLoggedAdmin
from civicloop.evaluation.models import GradeBand, Ranking, ScoreConfig


@admin.register(ScoreConfig)
class ScoreConfigAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
    list_display = ("subject", "weights", "bands", "note")


@admin.register(GradeBand)
class GradeBandAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
    list_display = ("letter", "min_score")


@admin.register(Ranking)
class RankingAdmin(admin.ModelAdmin):
    """Published rankings are a public record: shown, never edited here."""

    list_display = ("month", "subject", "published_at", "published_by")
    list_filter = ("subject",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
