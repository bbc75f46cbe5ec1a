"""Loads the GB/T 47678.5-2026 list (153 components, 250 matters) and city-default time limits."""
from django.db import migrations


def load(apps, schema_editor):
    # The app's code is imported when this step runs, not whenever the migrations are loaded.
    from civicloop.taxonomy.loading import ensure_default_limits, load_standard

    load_standard(apps.get_model("taxonomy", "Component"), apps.get_model("taxonomy", "Category"))
    ensure_default_limits(apps.get_model("taxonomy", "TimeLimit"))


class Migration(migrations.Migration):
    dependencies = [("taxonomy", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
