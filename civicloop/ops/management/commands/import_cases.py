import csv
import time

from django.core.management.base import BaseCommand, CommandError

from civicloop.cases import importing


class Command(BaseCommand):
    help = ("导入其他系统的历史案件（CSV 或 Excel）/ import past cases from another system (CSV or Excel); "
            "see docs/import.md")

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (.csv) or Excel (.xlsx) export")
        parser.add_argument("--mapping", required=True, help="TOML mapping of the file's columns (docs/import.md)")
        parser.add_argument("--batch", type=int, default=1000, help="rows per transaction (default 1000)")
        parser.add_argument("--dry-run", action="store_true", help="check every row, save nothing")
        parser.add_argument("--errors", help="also write the bad rows to this CSV file (line, external id, reason)")

    def handle(self, *args, file, mapping, batch, dry_run, errors, **options):
        try:
            rules = importing.load_mapping(mapping)
            self._started = self._last = time.perf_counter()
            result = importing.import_cases(file, rules, batch=max(1, batch), progress=self._progress,
                                            dry_run=dry_run)
        except importing.MappingError as exc:
            raise CommandError("无法导入 / cannot import:\n  " + "\n  ".join(exc.problems)) from None
        self._report(result, dry_run=dry_run)
        if errors:
            self._write_errors(errors, result)

    def _progress(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self._last < 2 and done < total:
            return
        self._last = now
        rate = done / max(now - self._started, 1e-9)
        self.stdout.write(f"  已读 {done:,}/{total:,} 行，每秒 {rate:,.0f} 行 / {done:,}/{total:,} rows, {rate:,.0f} rows/s")

    def _report(self, result: importing.Result, *, dry_run: bool) -> None:
        verb = "可导入 would import" if dry_run else "新增 imported"
        self.stdout.write(self.style.SUCCESS(
            f"完成 / done: 共 {result.total:,} 行 rows；{verb} {result.created:,}（{result.events:,} 条日志 events）；"
            f"已存在 already present {len(result.present):,}；错误 bad {len(result.problems):,}；"
            f"用时 {result.seconds:.1f} s，每秒 {result.rows_per_second:,.0f} 行 rows/s"))
        for line, external_id in result.present[:20]:
            self.stdout.write(f"  第{line}行：外部编号 {external_id} 已导入，跳过 / line {line}: {external_id} already present, skipped")
        if len(result.present) > 20:
            self.stdout.write(f"  …另有 {len(result.present) - 20:,} 行已存在 / … {len(result.present) - 20:,} more already present")
        for placed in result.placed:
            self.stdout.write(f"  {placed}")
        for problem in result.problems:
            self.stdout.write(self.style.ERROR(f"  {problem}"))

    def _write_errors(self, path: str, result: importing.Result) -> None:
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["行号 line", "外部编号 external id", "原因 reason"])
            for p in result.problems:
                writer.writerow([p.line, p.external_id, p.message])
        self.stdout.write(f"错误行已写入 / bad rows written to {path}")
