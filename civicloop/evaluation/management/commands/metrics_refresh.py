from django.core.management.base import BaseCommand

from civicloop.evaluation import rollup


class Command(BaseCommand):
    help = "统计新的案件日志 / count the case events written since the last refresh"

    def handle(self, *args, **options):
        result = rollup.refresh()
        self.stdout.write(f"counted {result.events:,} events, moved {result.moved} cases, "
                          f"up to id {result.last_event_id}, in {result.seconds:.2f} s")
