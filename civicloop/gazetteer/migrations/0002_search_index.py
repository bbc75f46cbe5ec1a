"""Trigram indexes on search_text: pg_trgm GIN on PostgreSQL, FTS5 trigram + triggers on SQLite
(civicloop/gazetteer/search_index.py). Vendor-specific, so RunPython rather than model state."""
from django.db import migrations


def forwards(apps, schema_editor):
    # The app's code is imported when this step runs, not whenever the migrations are loaded.
    from civicloop.gazetteer import search_index

    search_index.ensure(schema_editor.connection)


def backwards(apps, schema_editor):
    from civicloop.gazetteer import search_index

    search_index.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("gazetteer", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
