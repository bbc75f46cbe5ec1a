from django.core.management.base import BaseCommand

from civicloop.duplicates.services import reindex


class Command(BaseCommand):
    help = "重建重复案件索引 / rebuild the duplicate finder's index of open cases (after a bulk import)"

    def handle(self, *args, **options):
        count = reindex(progress=lambda n: self.stdout.write(f"  {n:,}"))
        self.stdout.write(f"indexed {count:,} open cases\n")
