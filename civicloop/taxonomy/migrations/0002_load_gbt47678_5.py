"""Loads the GB/T 47678.5-2026 list (153 components, 250 matters) and city-default time limits."""
from django.db import migrations

DEFAULT_LIMITS = [  # (stage, amount, unit): a starting point each city edits in the admin
    ("verify", "0.5", "WH"),
    ("file", "0.5", "WH"),
    ("dispatch", "0.5", "WH"),
    ("handle", "1", "WD"),
    ("check", "0.5", "WH"),
    ("close", "1", "WH"),
]


def load(apps, schema_editor):
    from civicloop.taxonomy.loading import load_standard

    load_standard(apps.get_model("taxonomy", "Component"), apps.get_model("taxonomy", "Category"))
    TimeLimit = apps.get_model("taxonomy", "TimeLimit")
    for stage, amount, unit in DEFAULT_LIMITS:
        TimeLimit.objects.get_or_create(category=None, condition="", stage=stage,
                                        defaults={"amount": amount, "unit": unit})


class Migration(migrations.Migration):
    dependencies = [("taxonomy", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
