from django.conf import settings
from django.core.management.base import BaseCommand

from civicloop.facilities.labels import Sheet, write_sheet
from civicloop.facilities.models import Facility
from civicloop.facilities.views import facility_labels


class Command(BaseCommand):
    help = "打印部件二维码标签（A4 PDF）/ write the A4 QR label sheet of facilities as a PDF"

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True)
        parser.add_argument("--street", help="9-digit street code")
        parser.add_argument("--component", help="5-digit component code")
        parser.add_argument("--columns", type=int, default=settings.FACILITY_LABEL_COLUMNS)
        parser.add_argument("--rows", type=int, default=settings.FACILITY_LABEL_ROWS)

    def handle(self, *args, out, street, component, columns, rows, **options):
        queryset = Facility.objects.select_related("component", "keeper").order_by("id")
        if street:
            queryset = queryset.filter(street_id=street)
        if component:
            queryset = queryset.filter(component_id=component)
        with open(out, "wb") as f:
            count = write_sheet(facility_labels(queryset), f, sheet=Sheet(columns, rows), fast=True)
        self.stdout.write(self.style.SUCCESS(f"{count} 张标签 labels → {out}"))
