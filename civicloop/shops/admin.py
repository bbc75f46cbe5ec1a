from django.contrib import admin

from civicloop.shops.models import ChecklistItem, Inspection, Rating, Shop


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("name", "licence_no", "kind", "stars", "rated_period", "likes", "active")
    list_filter = ("kind", "stars", "active")
    search_fields = ("name", "licence_no", "address")


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ("kind", "order", "text", "points", "active")
    list_filter = ("kind", "active")
    list_editable = ("order", "points", "active")


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ("shop", "inspected_at", "period", "score", "result", "inspector")
    list_filter = ("period", "result")
    raw_id_fields = ("shop",)


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("shop", "period", "stars", "score", "inspections")
    list_filter = ("period", "stars")
