from django.contrib import admin

from civicloop.console.models import SavedView
from civicloop.core.readonly_admin import ReadOnlyAdmin


@admin.register(SavedView)
class SavedViewAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """People's saved case-list filters; kept by their owners in the console, removable here."""

    list_display = ("owner", "name", "query", "created_at")
    search_fields = ("owner__username", "name")
    list_select_related = ("owner",)
    readonly_fields = ("owner", "name", "query", "created_at")
    deletable = True
