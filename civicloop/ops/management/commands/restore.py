from django.core.management.base import BaseCommand, CommandError

from civicloop.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = ("从备份恢复数据库和照片 / restore the database and the photos from a `civicloop backup` archive; "
            "refuses a non-empty database unless --force")

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--force", action="store_true", help="replace a database that already holds data")

    def handle(self, *args, archive, force, **options):
        try:
            done = restore(archive, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored {done.vendor} database from {done.created_at} and {done.files} files")
