"""The admin's read-only pages: rows that one door writes (a case's service, the points ledger, the
outbox, the logs kept as evidence) are shown to administrators and never added or edited there.

    class DeliveryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
        deletable = True  # sent and failed deliveries may be cleared by hand

Without change permission Django shows every field of the change page as text, offers no save
button and refuses a POST (403); the add page answers 403. Deleting stays refused unless the admin
says `deletable = True`, and then it still needs the user's delete permission.
"""
from __future__ import annotations


class ReadOnlyAdmin:
    """Put before admin.ModelAdmin (or an inline) in the bases."""

    deletable = False

    def has_add_permission(self, request, obj=None):  # obj: inlines are asked with the parent
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.deletable and super().has_delete_permission(request, obj)
