from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from civicloop.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = ("备份数据库和照片到一个文件 / back up the database and the photos to one archive "
            "(SQLite online backup or pg_dump; with a manifest and checksums)")

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="archive to write (default: <backup dir>/civicloop-<time>.tar)")

    def handle(self, *args, output=None, **options):
        target = Path(output) if output else Path(settings.BACKUP_DIR) / f"civicloop-{timezone.now():%Y%m%d-%H%M%S}.tar"
        try:
            manifest = backup(target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        size = sum(member["bytes"] for member in manifest["members"])
        self.stdout.write(f"backup written: {target} ({manifest['vendor']}, {len(manifest['members']) - 1} files, "
                          f"{size / 1e6:.1f} MB)")
