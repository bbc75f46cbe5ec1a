"""Set-up data from a city's own files: departments, staff, routing rules, local categories.

One service function per kind (`import_departments`, `import_staff`, `import_routes`,
`import_categories`); each takes the file's rows and saves them in one transaction. The file is the
unit: when any row is refused, nothing is saved — unless the caller asks for the good rows. Re-runs
update in place, keyed by department code, staff username (or phone), category code, and a rule's
category × area (with its conditions). Every row gets an outcome: added, updated, unchanged, refused
(with the reason in the active language) or skipped (the template's example row). The taxonomy and
routing revisions move in the same transaction, so every process's cached configuration follows.

Checks are the models' own (full_clean: org.User's scope rules as `createstaff` uses them, the
routing rule's, the category's); what is checked here is only what a file adds: codes that must
name existing rows of this city, and labels typed for choices.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicloop.citizens.services import normalise_phone
from civicloop.core import changes, revisions
from civicloop.core.errors import ServiceError
from civicloop.geo.models import Division, Grid
from civicloop.lib import tabular
from civicloop.lib.i18n import pick
from civicloop.org.models import Department, User
from civicloop.org.roles import Role, Scope
from civicloop.routing.models import RoutingRule
from civicloop.routing.queries import REVISION as ROUTING
from civicloop.setupdata import columns, invites
from civicloop.setupdata.allowed import jurisdiction_divisions
from civicloop.setupdata.columns import code_text, text
from civicloop.taxonomy.models import Category, Priority
from civicloop.taxonomy.queries import REVISION as TAXONOMY

SUFFIXES = (".xlsx", ".xlsm", ".ods", ".csv")
WRONG_TYPE = gettext_lazy("Upload a workbook (Excel .xlsx or OpenDocument .ods) or a CSV file.")
MAX_ROWS = 5000  # a city's departments, staff or rules; a file this long is a mistake, not a city
ADDED, UPDATED, UNCHANGED, REFUSED, SKIPPED = "added", "updated", "unchanged", "refused", "skipped"
IMPORT_ACTOR = "import:setupdata"  # the change log's actor when no staff member is named
_SOURCE = "set-up data file: %(kind)s"


class BadRow(Exception):
    """This row's reason, in the active language; `column` is the column key at fault, when the check
    is about one column (the report names it by the file's own header)."""

    def __init__(self, message: str, *, column: str = ""):
        super().__init__(message)
        self.column = column


class FileRefused(Exception):
    """The whole file cannot be read or does not fit the template."""


@dataclass
class RowResult:
    row: int
    key: str
    outcome: str
    reason: str = ""
    link: str = ""  # staff: the one-time set-password link, when the account has no password yet
    problem: tabular.Problem | None = None  # a refused row, in the one shape every importer reports


@dataclass
class Report:
    kind: str
    rows: list[RowResult] = field(default_factory=list)
    problem: str = ""  # the file itself was refused
    applied: bool = False  # saved (not a dry run, and not refused whole)
    dry_run: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def refused(self) -> int:
        return self.count(REFUSED)

    @property
    def counts(self) -> dict[str, int]:
        return {o: self.count(o) for o in (ADDED, UPDATED, UNCHANGED, REFUSED, SKIPPED)}

    @property
    def problems(self) -> list[tabular.Problem]:
        return [r.problem for r in self.rows if r.problem is not None]

    @property
    def links(self) -> list[RowResult]:
        return [r for r in self.rows if r.link]


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, dict]]


# ---------------------------------------------------------------------------- reading


def read(path: str | Path) -> Table:
    """The file's header and rows through the shared reader (lib/tabular), or FileRefused."""
    path = Path(path)
    if not tabular.accepts(path.name):
        raise FileRefused(str(WRONG_TYPE))
    try:
        source = tabular.read(path)
        rows = []
        for number, raw in source.rows:
            rows.append((number, raw))
            if len(rows) > MAX_ROWS:
                raise FileRefused(_("The file has more than %(n)s rows.") % {"n": MAX_ROWS})
    except FileRefused:
        raise
    except tabular.TableError as problem:
        raise FileRefused(problem.text(_)) from None
    except Exception:  # openpyxl and odfpy raise many kinds for a cell they cannot read
        raise FileRefused(_("The file cannot be read: it is empty, damaged or not a workbook.")) from None
    return Table(source.header, rows)


def import_file(kind: str, path: str | Path, *, dry_run: bool = False, good_rows: bool = False,
                actor=IMPORT_ACTOR) -> Report:
    try:
        table = read(path)
    except FileRefused as exc:
        return Report(kind, problem=str(exc), dry_run=dry_run)
    return IMPORTERS[kind](table, dry_run=dry_run, good_rows=good_rows, actor=actor)


# ---------------------------------------------------------------------------- the four services


def import_departments(table: Table, *, dry_run: bool = False, good_rows: bool = False, actor=IMPORT_ACTOR) -> Report:
    # A department switched off stops routing to it: both caches read departments.
    return _run("departments", table, DepartmentRows(), dry_run=dry_run, good_rows=good_rows, bumps=(TAXONOMY, ROUTING),
                actor=actor)


def import_staff(table: Table, *, dry_run: bool = False, good_rows: bool = False, actor=IMPORT_ACTOR) -> Report:
    return _run("staff", table, StaffRows(), dry_run=dry_run, good_rows=good_rows, bumps=(), actor=actor)


def import_routes(table: Table, *, dry_run: bool = False, good_rows: bool = False, actor=IMPORT_ACTOR) -> Report:
    return _run("routes", table, RouteRows(), dry_run=dry_run, good_rows=good_rows, bumps=(ROUTING,), actor=actor)


def import_categories(table: Table, *, dry_run: bool = False, good_rows: bool = False, actor=IMPORT_ACTOR) -> Report:
    return _run("categories", table, CategoryRows(), dry_run=dry_run, good_rows=good_rows, bumps=(TAXONOMY,),
                actor=actor)


IMPORTERS: dict[str, Callable[..., Report]] = {
    "departments": import_departments, "staff": import_staff, "routes": import_routes, "categories": import_categories,
}


class _Rollback(Exception):
    pass


def _run(kind_name: str, table: Table, rows, *, dry_run: bool, good_rows: bool, bumps: tuple[str, ...],
         actor=IMPORT_ACTOR) -> Report:
    kind = columns.KINDS[kind_name]
    rows.actor = actor
    report = Report(kind_name, dry_run=dry_run)
    mapped, unknown, missing = columns.match_header(kind, table.header)
    if unknown or missing:
        report.problem = _header_problem(kind, unknown, missing)
        return report
    examples = _examples(kind_name)
    try:
        with transaction.atomic():
            _apply_rows(table, mapped, rows, examples, report)
            if dry_run or (report.refused and not good_rows):
                raise _Rollback
            if report.count(ADDED) or report.count(UPDATED):
                for name in bumps:
                    revisions.bump(name)
            rows.finish(report)
            report.applied = True
    except _Rollback:
        pass
    return report


def _apply_rows(table: Table, mapped: dict, rows, examples: list[dict], report: Report) -> None:
    seen: dict[object, int] = {}
    for number, raw in table.rows:
        values = columns.row_values(mapped, raw)
        if any(_is_example(values, e) for e in examples):
            report.rows.append(RowResult(number, "", SKIPPED, _("the template's example row")))
            continue
        shown = ""
        try:
            key = rows.key(values)
            shown = rows.shown(key)
            if key in seen:
                raise BadRow(_("the same key as row %(row)s") % {"row": seen[key]})
            seen[key] = number
            outcome = rows.apply(values, key)
        except BadRow as exc:
            report.rows.append(RowResult(number, shown, REFUSED, str(exc),
                                         problem=_row_problem(number, shown, exc, mapped, values)))
            continue
        report.rows.append(RowResult(number, shown, outcome))


def _row_problem(number: int, shown: str, exc: BadRow, mapped: dict[str, str], values: dict) -> tabular.Problem:
    """The refusal as the user sees it in the file: the file's own header for the column at fault."""
    header = next((h for h, key in mapped.items() if key == exc.column), "") if exc.column else ""
    return tabular.Problem(row=number, message=str(exc), key=shown, column=header,
                           value=text(values, exc.column) if header else "")


def _header_problem(kind: columns.Kind, unknown: list[str], missing: list[str]) -> str:
    parts = []
    if missing:
        parts.append(_("Required columns missing: %(names)s.") % {"names": _join(missing)})
    if unknown:
        parts.append(_("Columns not in the template: %(names)s.") % {"names": _join(unknown)})
    expected = _join(columns.header_text(c, get_language()) for c in kind.columns)
    parts.append(_("The template's columns are: %(names)s.") % {"names": expected})
    return " ".join(parts)


def _join(items) -> str:
    """A list as the reader writes one: 、 between Chinese items."""
    return (", " if get_language().startswith("en") else "、").join(items)


def _examples(kind_name: str) -> list[dict]:
    from django.utils import translation

    from civicloop.setupdata.workbooks import example  # openpyxl loads only when a template's example is needed

    found = []
    for language in columns.languages():
        with translation.override(language):
            found.append(example(kind_name))
    return found


def _is_example(values: dict, example: dict) -> bool:
    return all(text(values, key) == str(example.get(key) or "") for key in values) and bool(values)


# ---------------------------------------------------------------------------- helpers for rows


def _label(kind: str, key: str) -> str:
    return str(columns.KINDS[kind].column(key).label)


def _required(kind: str, values: dict, key: str) -> str:
    value = text(values, key)
    if not value:
        raise BadRow(_("%(column)s is required") % {"column": _label(kind, key)}, column=key)
    return value


def _choice(kind: str, values: dict, key: str, choices, *, default=None):
    value = text(values, key)
    if not value:
        if default is None:
            raise BadRow(_("%(column)s is required") % {"column": _label(kind, key)}, column=key)
        return default
    found = columns.choice_names(choices).get(value.casefold())
    if found is None:
        allowed = _join(pick(str(label), get_language()) for _value, label in choices)
        raise BadRow(_("%(column)s: unknown value %(value)s (allowed: %(allowed)s)")
                     % {"column": _label(kind, key), "value": value, "allowed": allowed}, column=key)
    return found


def _flag(kind: str, values: dict, key: str, *, default: bool) -> bool:
    value = text(values, key)
    if not value:
        return default
    found = columns.yes_no(value)
    if found is None:
        raise BadRow(_("%(column)s: write %(yes)s or %(no)s, not %(value)s")
                     % {"column": _label(kind, key), "yes": _("Yes"), "no": _("No"), "value": value}, column=key)
    return found


def _department(kind: str, values: dict, key: str, known: set[str], *, required: bool = False) -> str | None:
    code = _required(kind, values, key) if required else text(values, key)
    if code and code not in known:
        raise BadRow(_("unknown department code %(code)s") % {"code": code}, column=key)
    return code or None


def _invalid(exc: ValidationError, labels: dict[str, str]) -> BadRow:
    """A model's own check, in the reader's language, named by the file's column."""
    language = get_language()
    parts = []
    for name, messages in exc.message_dict.items():
        said = " ".join(pick(str(m), language) for m in messages)
        parts.append(f"{labels[name]}: {said}" if name in labels else said)
    return BadRow("; ".join(parts))


class Rows:
    """What the four kinds share: which column each model field comes from, and saving one object."""

    kind = ""
    actor = IMPORT_ACTOR  # who loaded the file, for the configuration change log
    COLUMNS: dict[str, str] = {}  # model field name → the column it comes from
    # Foreign keys this class has already looked up in the codes it loaded once: full_clean need not
    # ask the database again for each row (the model's clean() still runs).
    RESOLVED: tuple[str, ...] = ()

    def labels(self) -> dict[str, str]:
        return {name: _label(self.kind, key) for name, key in self.COLUMNS.items()}

    def shown(self, key) -> str:
        return key

    def finish(self, report: Report) -> None:
        pass

    def save(self, obj, fields: dict, values: dict, *, validate_unique: bool = False,
             before_create: Callable | None = None) -> str:
        """Sets what changed, runs the model's checks, saves only the changed columns.

        An existing row keeps the fields whose column the file does not have: a file of codes and
        departments only must not reset every priority to its default."""
        new = obj._state.adding
        if not new:
            fields = {name: value for name, value in fields.items()
                      if self.COLUMNS.get(name.removesuffix("_id"), name) in values}
        changed = [name for name, value in fields.items() if getattr(obj, name) != value]
        if not new and not changed:
            return UNCHANGED
        before = {} if new else changes.snapshot(obj)
        for name in changed:
            setattr(obj, name, fields[name])
        if new and before_create:
            before_create(obj)
        try:
            obj.full_clean(exclude=self.RESOLVED, validate_unique=validate_unique)
        except ValidationError as exc:
            raise _invalid(exc, self.labels()) from None
        try:
            with transaction.atomic():  # a row that fails here leaves the file's other rows as they were
                obj.save() if new else obj.save(update_fields=changed)
                self._record(obj, new, before)
        except IntegrityError:  # saved by someone else since this file's codes were read
            raise BadRow(_("this row clashes with data saved meanwhile: check the file again")) from None
        return ADDED if new else UPDATED

    def _record(self, obj, new: bool, before: dict) -> None:
        # One record per row saved; a dry run or a refused file rolls them back with the rows.
        action, after = (changes.Action.CREATE, None) if new else (changes.Action.UPDATE, changes.snapshot(obj))
        changes.record(self.actor, obj, action, before, after, via=changes.Via.IMPORT,
                       reason=_SOURCE % {"kind": self.kind})


def _areas() -> dict[str, str]:
    """Every district, street, community and grid code of this city → its level."""
    found = dict(jurisdiction_divisions().values_list("code", "level"))
    grids = Grid.objects.filter(code__startswith=settings.JURISDICTION).values_list("code", flat=True)
    return found | dict.fromkeys(grids, "grid")


# ---------------------------------------------------------------------------- departments


class DepartmentRows(Rows):
    kind = "departments"
    COLUMNS = {"code": "code", "name": "name", "kind": "kind", "division": "division", "active": "active"}
    RESOLVED = ("division",)

    def __init__(self):
        self.divisions = dict(jurisdiction_divisions().values_list("code", "level"))

    def key(self, values: dict) -> str:
        return _required("departments", values, "code")

    def apply(self, values: dict, code: str) -> str:
        name = _required("departments", values, "name")
        kind = _choice("departments", values, "kind", Department.Kind.choices)
        division = text(values, "division")
        self._check_division(kind, division)
        clash = Department.objects.filter(name=name).exclude(pk=code).values_list("pk", flat=True).first()
        if clash:
            raise BadRow(_("department %(other)s already has the name %(name)s") % {"other": clash, "name": name})
        fields = {"name": name, "kind": kind, "division_id": division or None,
                  "active": _flag("departments", values, "active", default=True)}
        existing = Department.objects.filter(pk=code).first()
        return self.save(existing or Department(code=code), fields, values)

    def _check_division(self, kind: str, division: str) -> None:
        if not division:
            return  # a street office's or community's missing division: Department.clean says so
        level = self.divisions.get(division)
        if level is None:
            raise BadRow(_("unknown division code %(code)s: not a district, street or community of this city")
                         % {"code": division}, column="division")
        expected = {Department.Kind.STREET_OFFICE: Division.Level.STREET,
                    Department.Kind.COMMUNITY: Division.Level.COMMUNITY}.get(kind)
        if expected and level != expected:
            raise BadRow(_("a street office's division is a street, a community's is a community"), column="division")


# ---------------------------------------------------------------------------- staff


class StaffRows(Rows):
    kind = "staff"
    COLUMNS = {"username": "username", "display_name": "name", "phone": "phone", "role": "role", "scope": "scope",
               "scope_division": "area", "scope_grid": "area", "department": "department", "is_active": "active",
               "is_staff": "role", "is_superuser": "role"}
    RESOLVED = ("scope_division", "scope_grid", "department")

    def __init__(self):
        self.areas = _areas()
        self.departments = set(Department.objects.values_list("code", flat=True))
        self.accounts: dict[str, int] = {}
        self.users = User.objects.in_bulk()  # a city's staff: thousands, read once rather than once a row
        self.usernames: dict[str, int] = {}
        self.phones: dict[str, list[int]] = {}
        for pk, user in self.users.items():
            self.usernames[user.username] = pk
            self.phones.setdefault(user.phone, []).append(pk)

    def key(self, values: dict) -> str:
        username, phone = text(values, "username"), self._phone(values)
        if not username and not phone:
            raise BadRow(_("give a username or a mobile phone number"))
        return username or phone

    def _phone(self, values: dict) -> str:
        raw = text(values, "phone")
        if not raw:
            return ""
        try:
            return normalise_phone(raw)
        except ServiceError:
            raise BadRow(_("%(column)s: %(value)s is not a mobile number")
                         % {"column": _label("staff", "phone"), "value": raw}, column="phone") from None

    def apply(self, values: dict, key: str) -> str:
        username, phone = text(values, "username"), self._phone(values)
        role = _choice("staff", values, "role", Role.choices)
        scope = _choice("staff", values, "scope", Scope.choices)
        existing = self._existing(username, phone)
        fields = {"display_name": _required("staff", values, "name"), "phone": phone, "role": role, "scope": scope,
                  **self._place(scope, text(values, "area")),
                  "department_id": _department("staff", values, "department", self.departments),
                  "is_active": _flag("staff", values, "active", default=True),
                  # As createstaff: the administrator role is the admin site's superuser, no other is.
                  "is_staff": role == Role.ADMIN, "is_superuser": role == Role.ADMIN}
        user = existing or User(username=username or phone)
        # A new account whose username is taken: the model's own unique check says so.
        outcome = self.save(user, fields, values, validate_unique=existing is None and user.username in self.usernames,
                            before_create=lambda u: u.set_unusable_password())
        self.accounts[key] = user.pk
        self.users[user.pk] = user
        self.usernames[user.username] = user.pk
        if outcome == ADDED and phone:
            self.phones.setdefault(phone, []).append(user.pk)
        return outcome

    def _existing(self, username: str, phone: str) -> User | None:
        if username:
            pk = self.usernames.get(username)
            return None if pk is None else self.users[pk]
        found = self.phones.get(phone, [])
        if len(found) > 1:
            raise BadRow(_("several accounts have the phone %(phone)s: give the username") % {"phone": phone})
        return self.users[found[0]] if found else None

    def _place(self, scope: str, area: str) -> dict:
        """The scope's division or grid from the area code; the level rules are User.clean's."""
        place = {"scope_division_id": None, "scope_grid_id": None}
        if not area:
            return place
        level = self.areas.get(area)
        if level is None:
            raise BadRow(_("unknown division or grid code %(code)s") % {"code": area}, column="area")
        if scope in (Scope.DISTRICT, Scope.STREET, Scope.COMMUNITY) and level != "grid":
            place["scope_division_id"] = area
        elif scope == Scope.GRID and level == "grid":
            place["scope_grid_id"] = area
        else:
            raise BadRow(_("the scope %(scope)s does not take the area %(code)s")
                         % {"scope": pick(Scope(scope).label, get_language()), "code": area}, column="area")
        return place

    def finish(self, report: Report) -> None:
        users = {u.pk: u for u in User.objects.filter(pk__in=self.accounts.values())}
        for row in report.rows:
            user = users.get(self.accounts.get(row.key))
            if row.outcome != REFUSED and user is not None and invites.needs_link(user):
                row.link = invites.link(user)


# ---------------------------------------------------------------------------- routing rules


class RouteRows(Rows):
    kind = "routes"
    COLUMNS = {"category": "category", "category_group": "category", "area": "area", "min_priority": "priority",
               "supervised_only": "supervised", "department": "department", "note": "note", "active": "active"}
    RESOLVED = ("category", "department")

    def __init__(self):
        self.categories = set(Category.objects.values_list("code", flat=True))
        self.groups = set(Category.objects.values_list("major_code", flat=True))
        self.areas = _areas()
        self.departments = set(Department.objects.values_list("code", flat=True))
        self.rules: dict[tuple, RoutingRule] = {}
        for rule in RoutingRule.objects.order_by("-pk"):  # the oldest last, so it wins ties as in routing
            self.rules[(rule.category_id or "", rule.category_group, rule.area, rule.min_priority,
                        rule.supervised_only)] = rule

    def key(self, values: dict) -> tuple:
        """(category, group, area, min_priority, supervised): the rule's when, which re-runs match on."""
        raw = values.get("category")
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            code = str(int(raw)).zfill(2 if raw < 100 else 5)  # Excel dropped the leading zero
        else:
            code = text(values, "category")
        if len(code) not in (0, 2, 5) or (code and not code.isdigit()):
            raise BadRow(_("%(column)s: a category code is 5 digits, a category group 2")
                         % {"column": _label("routes", "category")}, column="category")
        conditions = [p for p in Priority.choices if p[0] > Priority.NORMAL] + [(0, Priority.NORMAL.label)]
        min_priority = _choice("routes", values, "priority", conditions, default=0) or None
        return (code if len(code) == 5 else "", code if len(code) == 2 else "", text(values, "area"), min_priority,
                _flag("routes", values, "supervised", default=False))

    def shown(self, key: tuple) -> str:
        category, group, area, min_priority, supervised = key
        what = category or (f"{group}**" if group else "*")
        extra = (f" ≥{min_priority}" if min_priority else "") + (" ⚑" if supervised else "")
        return f"{what} × {area or _('whole city')}{extra}"

    def apply(self, values: dict, key: tuple) -> str:
        category, group, area, min_priority, supervised = key
        if category and category not in self.categories:
            raise BadRow(_("unknown category code %(code)s") % {"code": category}, column="category")
        if group and group not in self.groups:
            raise BadRow(_("unknown category group %(code)s") % {"code": group}, column="category")
        if area and area not in self.areas:
            raise BadRow(_("unknown division or grid code %(code)s") % {"code": area}, column="area")
        fields = {"department_id": _department("routes", values, "department", self.departments, required=True),
                  "note": text(values, "note"), "active": _flag("routes", values, "active", default=True)}
        rule = self.rules.get(key) or RoutingRule(category_id=category or None, category_group=group, area=area,
                                                  min_priority=min_priority, supervised_only=supervised)
        outcome = self.save(rule, fields, values)
        self.rules.setdefault(key, rule)
        return outcome


# ---------------------------------------------------------------------------- categories


class CategoryRows(Rows):
    kind = "categories"
    COLUMNS = {"code": "code", "major_code": "code", "is_local": "code", "name": "name", "major_name": "major_name",
               "national": "national", "department": "department", "priority": "priority", "keywords": "keywords",
               "allow_anonymous": "anonymous", "active": "active"}
    RESOLVED = ("department", "national")

    def __init__(self):
        self.codes = set(Category.objects.values_list("code", flat=True))
        self.major_names = dict(Category.objects.order_by("-code").values_list("major_code", "major_name"))
        self.departments = set(Department.objects.values_list("code", flat=True))

    def key(self, values: dict) -> str:
        _required("categories", values, "code")
        return code_text(values, "code", 5)

    def apply(self, values: dict, code: str) -> str:
        national = code_text(values, "national", 5)
        if national and national not in self.codes:
            raise BadRow(_("unknown national category code %(code)s") % {"code": national}, column="national")
        fields = {"national_id": national or None,
                  "department_id": _department("categories", values, "department", self.departments),
                  "priority": _choice("categories", values, "priority", Priority.choices, default=Priority.NORMAL),
                  "keywords": text(values, "keywords"),
                  "allow_anonymous": _flag("categories", values, "anonymous", default=True),
                  "active": _flag("categories", values, "active", default=True)}
        name = _required("categories", values, "name")
        existing = Category.objects.filter(pk=code).first()
        if existing is not None and not existing.is_local:
            # The standard's own category: only its local configuration comes from the file.
            if name != existing.name:
                raise BadRow(_("%(code)s is a national category named %(name)s; its name cannot change")
                             % {"code": code, "name": existing.name}, column="name")
            return self.save(existing, fields, values)
        major = code[:2]
        major_name = text(values, "major_name") or self.major_names.get(major, "")
        if not major_name:
            raise BadRow(_("%(column)s is required for the new major class %(major)s")
                         % {"column": _label("categories", "major_name"), "major": major}, column="major_name")
        fields |= {"name": name, "major_code": major, "major_name": major_name, "is_local": True}
        outcome = self.save(existing or Category(code=code), fields, values)
        self.codes.add(code)
        self.major_names.setdefault(major, major_name)
        return outcome
