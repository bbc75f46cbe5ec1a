"""State changes of the geography: loading a jurisdiction's divisions from the national list."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count

from civicloop.core import extensions, revisions
from civicloop.core.errors import InvalidInput
from civicloop.geo import division_list, jurisdiction
from civicloop.geo.division_list import Entry
from civicloop.geo.models import Division, Grid
from civicloop.lib import codes
from civicloop.org.models import User

BATCH = 2000  # rows per INSERT: well inside SQLite's and PostgreSQL's parameter limits
LEVEL_NAMES = {"province": "省", "prefecture": "地级市", "county": "区县", "street": "街道/乡镇",
               "community": "社区/村"}


@dataclass(frozen=True)
class Kept:
    """A division we have that the list no longer has: reported, never deleted."""
    code: str
    name: str
    cases: int
    grids: int
    staff: int

    def why(self) -> str:
        uses = [f"{n} {what}" for n, what in ((self.cases, "cases"), (self.grids, "grids"), (self.staff, "staff"))
                if n]
        return ", ".join(uses) or "no cases, grids or staff"


@dataclass
class InitReport:
    code: str
    name: str
    dry_run: bool = False
    added: Counter = field(default_factory=Counter)  # level → how many
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (code, old name, new name)
    moved: int = 0  # parent or level corrected
    unchanged: int = 0
    kept: list[Kept] = field(default_factory=list)

    @property
    def total_added(self) -> int:
        return sum(self.added.values())

    def lines(self) -> list[str]:
        head = f"{self.name} ({self.code})" + ("：试运行，未保存 / dry run, nothing saved" if self.dry_run else "")
        added = "，".join(f"{LEVEL_NAMES[level]} {n}" for level, n in self.added.items() if n) or "0"
        lines = [head, f"  新增 added: {self.total_added} ({added})", f"  改名 renamed: {len(self.renamed)}"]
        lines += [f"    {code} {old} → {new}" for code, old, new in self.renamed[:50]]
        if self.moved:
            lines.append(f"  上级或级别更正 parent or level corrected: {self.moved}")
        lines.append(f"  未变 unchanged: {self.unchanged}")
        lines.append(f"  保留（不在全国区划表中）kept, absent from the list: {len(self.kept)}")
        lines += [f"    {k.code} {k.name}: {k.why()}" for k in self.kept[:200]]
        return lines


def init_divisions(code: str, *, stdout=None, dry_run: bool = False) -> InitReport:
    """Loads the division `code` (a province, prefecture-level city or county-level unit) and every
    division under it from the national list: new ones are added, changed names and parents follow
    the list, and none is ever deleted (one the list lacks is reported, with its cases, grids and
    staff). One transaction for the upper levels, then one per county, each with bulk inserts."""
    code = (code or "").strip()
    problem = codes.jurisdiction_code_problem(code)
    if problem:
        raise InvalidInput.field("code", problem)
    try:
        entries = division_list.entries_under(code)
    except division_list.UnknownCode as exc:
        raise InvalidInput.field("code", str(exc)) from None
    ours = {row[0]: row[1:] for row in Division.objects.filter(code__startswith=code)
            .values_list("code", "name", "level", "parent_id")}
    entries[0] = _linked_root(entries[0], ours)
    report = InitReport(code, entries[0].name, dry_run=dry_run)
    listed = {e.code for e in entries}
    report.kept = _kept(code, [c for c in ours if c not in listed], ours)
    groups = _by_county(entries)
    names = {e.code: e.name for e in entries if len(e.code) <= 6}
    for i, (county, group) in enumerate(groups.items(), 1):
        new, changed = _compare(group, ours, report)
        if not dry_run and (new or changed):
            _save(new, changed)
        if stdout is not None and (new or changed or i == len(groups)):
            stdout.write(f"  [{i}/{len(groups)}] {county or code} {names.get(county or code, '')}: "
                         f"+{len(new)}, ~{len(changed)}\n")
    return report


def _linked_root(root: Entry, ours: dict) -> Entry:
    """The root hangs under the division above it when we have that one (a county loaded before
    its prefecture), else under what it hung under before, else nothing."""
    above = [root.code[:digits] for digits in (2, 4, 6) if digits < len(root.code)]
    present = set(Division.objects.filter(code__in=above).values_list("code", flat=True))
    parent = next((c for c in reversed(above) if c in present), None)
    if parent is None and root.code in ours:
        parent = ours[root.code][2]
    return Entry(root.code, root.name, root.level, parent)


def _by_county(entries: list[Entry]) -> dict[str, list[Entry]]:
    """"" → the province, prefectures and counties; each county → its streets and communities
    (parents before children, as the list gives them)."""
    groups: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        groups[entry.code[:6] if len(entry.code) > 6 else ""].append(entry)
    return dict(sorted(groups.items()))


def _compare(group: list[Entry], ours: dict, report: InitReport) -> tuple[list[Division], list[Division]]:
    new, changed = [], []
    for e in group:
        mine = ours.get(e.code)
        row = Division(code=e.code, name=e.name, level=e.level, parent_id=e.parent)
        if mine is None:
            new.append(row)
            report.added[e.level] += 1
            continue
        if mine == (e.name, e.level, e.parent):
            report.unchanged += 1
            continue
        if mine[0] != e.name:
            report.renamed.append((e.code, mine[0], e.name))
        if mine[1:] != (e.level, e.parent):
            report.moved += 1
        changed.append(row)
    return new, changed


def _save(new: list[Division], changed: list[Division]) -> None:
    with transaction.atomic():
        # Another run at the same moment may have added some: theirs stand, ours are the same rows.
        Division.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
        Division.objects.bulk_update(changed, ["name", "level", "parent"], batch_size=BATCH // 4)
        revisions.bump(jurisdiction.REVISION)  # bulk writes send no signals; the root's name may be new


def _kept(root: str, absent: list[str], ours: dict) -> list[Kept]:
    """What hangs on each division the list lacks: its cases, grids and staff (theirs and below)."""
    if not absent:
        return []
    filed = extensions.division_cases(root)
    cases = _counts(filed, "community_id") if filed is not None else {}
    grids = _counts(Grid.objects.filter(community__code__startswith=root), "community_id")
    staff = _counts(User.objects.filter(scope_division__code__startswith=root), "scope_division_id")
    staff_grids = _counts(User.objects.filter(scope_grid__code__startswith=root), "scope_grid_id")

    def under(counts: dict[str, int], code: str) -> int:
        return sum(n for key, n in counts.items() if key.startswith(code))

    return [Kept(c, ours[c][0], under(cases, c), under(grids, c), under(staff, c) + under(staff_grids, c))
            for c in sorted(absent)]


def _counts(queryset, column: str) -> dict[str, int]:
    return dict(queryset.values_list(column).annotate(n=Count("pk")).values_list(column, "n"))
