"""Seed the score rules and grades with domain.md §4's defaults (admins edit them afterwards)."""
from django.db import migrations


def seed(apps, schema_editor):
    # The app's code is imported when this step runs, not whenever the migrations are loaded.
    from civicloop.evaluation import rules

    ScoreConfig = apps.get_model("evaluation", "ScoreConfig")
    GradeBand = apps.get_model("evaluation", "GradeBand")
    for subject, (weights, bands) in rules.DEFAULTS.items():
        ScoreConfig.objects.get_or_create(subject=subject, defaults={"weights": weights, "bands": bands})
    for letter, lowest in rules.GRADES:
        GradeBand.objects.get_or_create(letter=letter, defaults={"min_score": lowest})


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_counters_and_rankings")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
