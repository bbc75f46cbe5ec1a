from django.contrib import admin

from civicloop.core.changes_admin import ChangeLoggedAdmin
from civicloop.core.readonly_admin import ReadOnlyAdmin
from civicloop.points.models import Account, EarningRule, Entry, FraudFlag, Item, Order, Partner, Pool, Title


@admin.register(Item)
class ItemAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
    list_display = ("name", "price", "stock", "active")
    list_filter = ("active",)
    search_fields = ("name",)


@admin.register(Title)
class TitleAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
    list_display = ("name", "price", "min_level", "active")


@admin.register(Pool)
class PoolAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
    list_display = ("name", "total", "active")
    readonly_fields = ("total",)  # moved only by donations


@admin.register(EarningRule)
class EarningRuleAdmin(ChangeLoggedAdmin, admin.ModelAdmin):
    list_display = ("category", "on_file", "on_verified")


# Below: ledger rows change only through points.services (one door): never edited here.


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("created_at", "citizen", "amount", "kind", "reason", "key")
    list_filter = ("kind",)
    search_fields = ("citizen__phone", "key")
    show_full_result_count = False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("citizen", "balance", "earned", "updated_at")
    search_fields = ("citizen__phone",)


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("created_at", "citizen", "item", "points", "status", "pickup_code")
    list_filter = ("status",)


@admin.register(FraudFlag)
class FraudFlagAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("created_at", "case", "citizen", "status")
    list_filter = ("status",)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    """Keys are issued on /console/points/partners/ (shown once); here a partner is switched off."""

    list_display = ("name", "key", "active")
    list_select_related = ("key",)
    fields = ("name", "active")

    def has_add_permission(self, request):
        return False
