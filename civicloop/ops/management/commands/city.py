"""civicloop city init CODE [--dry-run]: the divisions of a jurisdiction from the national list.

CODE is a province (37), a prefecture-level city (3708 济宁市) or a county-level unit (350582
晋江市). Re-running updates names and adds what is new; nothing is deleted.
civicloop city check: the go-live check (civicloop.golive); exit code 1 when anything blocks.
A site command (ops): it sets up geo and asks golive, which sits above geo.
"""
from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from civicloop.core.errors import ServiceError
from civicloop.geo import services
from civicloop.golive.report import print_report


class Command(BaseCommand):
    help = "从全国区划表载入辖区的区划 / load a jurisdiction's divisions from the national list"

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["init", "check"])
        parser.add_argument("code", nargs="?", help="省(2位)、地级市(4位)或区县(6位)代码 / a 2-, 4- or 6-digit division code")
        parser.add_argument("--dry-run", action="store_true", help="只报告，不保存 / report only, save nothing")

    def handle(self, *args, what, code, dry_run: bool, **options):
        if what == "check":
            if print_report(self.stdout):
                raise SystemExit(1)
            return
        if not code:
            raise CommandError("city init CODE: 缺少区划代码 / a division code is needed")
        started = time.perf_counter()
        try:
            report = services.init_divisions(code, stdout=self.stdout, dry_run=dry_run)
        except ServiceError as exc:
            raise CommandError(exc.errors[0]["message"] if exc.errors else exc.message) from None
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(f"  {time.perf_counter() - started:.1f} s")
        if not report.code.startswith(settings.JURISDICTION):
            self.stdout.write(f"注意：本系统的辖区是 {settings.JURISDICTION}；要管理 {report.code}，请设置 "
                              f"CIVICLOOP_JURISDICTION={report.code} / note: the jurisdiction is "
                              f"{settings.JURISDICTION}; set CIVICLOOP_JURISDICTION={report.code} to serve these")
