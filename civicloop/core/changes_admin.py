"""The admin's door into the configuration change log: a mixin for the ModelAdmin of every
configuration model, so a save or delete in the admin writes one ChangeRecord (before/after of the
changed fields) in the admin's own transaction, and the object's history page shows its records."""
from __future__ import annotations

from django.contrib.admin.utils import unquote

from civicloop.core import changes

_BEFORE = "_change_log_before"


class ChangeLoggedAdmin:
    """Put first in the bases: `class RuleAdmin(ChangeLoggedAdmin, admin.ModelAdmin)`."""

    object_history_template = "admin/core/change_history.html"
    # False where save_model hands the change to a service that records it itself.
    records_changes = True

    def save_model(self, request, obj, form, change):
        # The form has already written the new values into `obj`, so "before" is read from the row.
        setattr(obj, _BEFORE, changes.stored(obj) if change else None)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        """Inline rows (a category's time limits) are configuration too: one record per row changed."""
        befores = {f.instance.pk: changes.stored(f.instance) for f in formset.initial_forms
                   if f.instance.pk is not None and f.has_changed()}
        for doomed in getattr(formset, "deleted_forms", []):
            if doomed.instance.pk is not None:
                self._record(request, doomed.instance, changes.Action.DELETE)
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            self._record(request, obj, changes.Action.CREATE)
        for obj, _fields in formset.changed_objects:
            self._record(request, obj, changes.Action.UPDATE, befores.get(obj.pk, {}), changes.snapshot(obj))

    # The log_* hooks run once per save, after save_related, so many-to-many values are in "after".
    def log_addition(self, request, obj, message):
        self._record(request, obj, changes.Action.CREATE)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        before = getattr(obj, _BEFORE, None)
        if before is not None:
            self._record(request, obj, changes.Action.UPDATE, before, changes.snapshot(obj))
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        # Called before the rows are deleted (the delete page and the bulk action alike).
        for obj in queryset:
            self._record(request, obj, changes.Action.DELETE)
        return super().log_deletions(request, queryset)

    def _record(self, request, obj, action, before=None, after=None):
        if self.records_changes:
            changes.record(request.user, obj, action, before, after, via=changes.Via.ADMIN)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        records = list(changes.for_object(obj)[:200]) if obj is not None else []
        return super().history_view(request, object_id, {**(extra_context or {}), "change_records": records})
