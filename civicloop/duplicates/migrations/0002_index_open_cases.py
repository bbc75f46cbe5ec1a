"""Index the cases that were already open when the duplicate finder was installed."""
from django.db import migrations

from civicloop.duplicates.rules import cell_of


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    OpenCase = apps.get_model("duplicates", "OpenCase")
    rows = (Case.objects.filter(kind="open", duplicate_of__isnull=True).order_by("pk")
            .values_list("pk", "lon", "lat", "category_id", "reported_at", "description"))
    last = 0
    while batch := list(rows.filter(pk__gt=last)[:20_000]):
        OpenCase.objects.bulk_create([
            OpenCase(case_id=pk, cell=cell_of(lon, lat), lon=lon, lat=lat, category_id=category or "",
                     reported_at=at, text=(text or "")[:200], screened=True)
            for pk, lon, lat, category, at, text in batch], batch_size=5000)
        last = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [("duplicates", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
