"""civicloop calendar load FILE | show YEAR: a year's holiday arrangement (节假日安排).

load reads the State Council's arrangement from a TOML file (docs/calendar.md) and enters it through
taxonomy.services.save_arrangement; a file with any mistake is refused whole. show prints how the
working calendar treats a year: where its days come from, the statutory holidays, the weekdays off
and the weekend days worked.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicloop.lib import holidays
from civicloop.lib.workcal import official_year_known
from civicloop.org.models import User
from civicloop.taxonomy import services
from civicloop.taxonomy.models import CalendarDay, CalendarYear
from civicloop.taxonomy.queries import config

WEEKDAYS = "一二三四五六日"


class Command(BaseCommand):
    help = "Load or show a year's holiday arrangement (节假日安排)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        load = sub.add_parser("load", help="enter a year's arrangement from a TOML file")
        load.add_argument("file")
        load.add_argument("--by", help="the staff member's username recorded as having entered it")
        show = sub.add_parser("show", help="print how the calendar treats a year")
        show.add_argument("year", type=int)

    def handle(self, *args, what, **options):
        if what == "load":
            self._load(Path(options["file"]), options.get("by"))
        else:
            self._show(options["year"])

    def _load(self, path: Path, username: str | None) -> None:
        by = None
        if username:
            by = User.objects.filter(username=username).first()
            if by is None:
                raise CommandError(f"no staff member with username {username!r}")
        try:
            arrangement = holidays.parse_arrangement(path.read_text(encoding="utf-8"))
            saved = services.save_arrangement(arrangement, by=by, via="command")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        except holidays.ArrangementError as exc:
            raise CommandError(f"{path}: {exc}. Nothing was saved.") from None
        state = "confirmed" if arrangement.confirmed else "a draft (the warning stays until it is confirmed)"
        self.stdout.write(f"{arrangement.year}: {len(arrangement.days_off)} days off, "
                          f"{len(arrangement.working_days)} weekend days worked; {state}.\n")
        if saved.replaced_overrides:
            self.stdout.write(f"{saved.replaced_overrides} earlier one-day overrides on these dates were replaced.\n")

    def _show(self, year: int) -> None:
        entered = CalendarYear.objects.filter(year=year).select_related("entered_by").first()
        self.stdout.write(f"{year}: {_origin(year, entered)}\n")
        statutory = holidays.statutory_holidays(year) if year >= holidays.FIRST_YEAR else {}
        if statutory:
            self.stdout.write("Statutory holidays (by law):\n")
            for d, festival in statutory.items():
                self.stdout.write(f"  {d} 星期{WEEKDAYS[d.weekday()]}  {festival.label_zh}\n")
        notes = {d: f.label_zh for d, f in statutory.items()}
        notes.update(CalendarDay.objects.filter(date__year=year).values_list("date", "note"))
        calendar = config().calendar
        off = [d for d in _days_of(year) if d.weekday() < 5 and not calendar.is_workday(d)]
        worked = [d for d in _days_of(year) if d.weekday() >= 5 and calendar.is_workday(d)]
        for title, days in (("Weekdays off", off), ("Weekend days worked (调休上班)", worked)):
            self.stdout.write(f"{title}: {len(days)}\n")
            for d in days:
                self.stdout.write(f"  {d} 星期{WEEKDAYS[d.weekday()]}  {notes.get(d, '')}\n")


def _origin(year: int, entered: CalendarYear | None) -> str:
    if entered is not None:
        who = f" by {entered.entered_by}" if entered.entered_by else ""
        state = "confirmed" if entered.confirmed else "DRAFT, not confirmed"
        return (f"entered arrangement ({state}), {entered.source or 'no notice given'}; "
                f"entered{who} at {entered.entered_at:%Y-%m-%d %H:%M}")
    if official_year_known(year):
        return "the chinesecalendar package's copy of the State Council's arrangement"
    return "NO ARRANGEMENT: statutory holidays computed from the law, then Monday–Friday (no 调休)"


def _days_of(year: int):
    d = date(year, 1, 1)
    while d.year == year:
        yield d
        d += timedelta(days=1)
