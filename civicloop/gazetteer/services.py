"""Console edits of the gazetteer: one door each for saving and deleting an entry, with its history row.

Imports (importing.py) write in bulk and name their file in `source` instead of a history row each.
"""
from __future__ import annotations

from django.db import transaction

from civicloop.core import revisions
from civicloop.gazetteer.models import REVISION, Entry, EntryChange

# What a history row keeps: the fields a person edits, plus where the entry was found to lie.
SKIPPED = {"id", "updated_at", "search_text", "min_lon", "min_lat", "max_lon", "max_lat"}


def snapshot(entry: Entry) -> dict:
    values = {}
    for f in entry._meta.concrete_fields:
        if f.attname in SKIPPED:
            continue
        value = getattr(entry, f.attname)
        values[f.attname] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
    return values


def save_entry(entry: Entry, *, user, source: str = "console") -> EntryChange | None:
    """Create or change an entry; the history row says who, when, and the fields before and after.
    Nothing is written when nothing changed."""
    with transaction.atomic():
        stored = type(entry).objects.select_for_update().filter(pk=entry.pk).first() if entry.pk else None
        before = snapshot(stored) if stored is not None else {}
        entry.source = entry.source or source
        entry.save()
        after = snapshot(entry)
        if before == after:
            return None
        revisions.bump(REVISION)
        changed = {k for k in after if before.get(k) != after[k]} if before else set(after)
        return EntryChange.objects.create(
            model=entry._meta.model_name, entry_id=entry.pk, label=str(entry)[:200], user=user,
            action=EntryChange.Action.CHANGED if stored is not None else EntryChange.Action.CREATED,
            before={k: before[k] for k in changed if k in before}, after={k: after[k] for k in changed})


def delete_entry(entry: Entry, *, user) -> EntryChange:
    with transaction.atomic():
        change = EntryChange.objects.create(model=entry._meta.model_name, entry_id=entry.pk, label=str(entry)[:200],
                                            user=user, action=EntryChange.Action.DELETED, before=snapshot(entry))
        entry.delete()
        revisions.bump(REVISION)
        return change


def history(entry: Entry):
    return EntryChange.objects.filter(model=entry._meta.model_name, entry_id=entry.pk).select_related("user")

