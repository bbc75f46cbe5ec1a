"""Case lists: filters, sort, keyset pages, saved views, and export of the same list as CSV or Excel.

Every list, page and export reads through cases.filters.CaseFilter (the API's list reads the same
one), so all three show the same cases, scoped by org.scoping through Case.objects.visible_to(user).
Pages are keyset pages for every sort (as fast on page 1,000 as on page 1); the newest-first default
walks the (scope, -reported_at, -id) indexes.
"""
from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.forms.utils import flatatt
from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from civicloop.cases.filters import CaseFilter
from civicloop.cases.models import Case, Channel
from civicloop.cases.rules import Kind, Pending, State
from civicloop.console.models import SavedView
from civicloop.core import extensions
from civicloop.core.errors import InvalidInput
from civicloop.geo.models import Division, Grid
from civicloop.lib.i18n import pick
from civicloop.lib.workcal import light
from civicloop.org.models import Department
from civicloop.org import scoping
from civicloop.org.roles import Scope
from civicloop.taxonomy.queries import config

PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 50
COUNT_CAP = 10_000  # "more than 10,000" is all a person needs; counting further costs a scan
XLSX_MAX_ROWS = 100_000  # Excel opens this comfortably; narrower filters or CSV for more
CSV_MAX_ROWS = 300_000  # streamed at ~17,000 rows/s here; a gunicorn worker is cut off at 60 s
MAX_SAVED_VIEWS = 50
# Query keys a list understands; anything else (cursors, stray parameters) is not saved or exported.
# The same names as the API's list (cases.filters.CaseFilter).
FILTER_KEYS = ("q", "state", "kind", "light", "street", "community", "grid", "road", "category", "department",
               "channel", "supervised", "pending", "reported_from", "reported_to")
VIEW_KEYS = FILTER_KEYS + ("sort", "limit")


# ---------------------------------------------------------------------------- sort orders and keyset pages


@dataclass(frozen=True)
class Sort:
    name: str
    label: str
    key: str
    descending: bool
    running_only: bool = False  # only a running clock has a deadline to sort by

    def restrict(self, qs: QuerySet) -> QuerySet:
        if self.running_only:
            # kind=open leads the (kind, stage_deadline) index; a paused or finished case has no deadline.
            return qs.filter(kind=Kind.OPEN, stage_deadline__isnull=False)
        return qs

    def order(self, *, forward: bool = True) -> tuple[str, str]:
        down = self.descending == forward
        return (f"-{self.key}", "-id") if down else (self.key, "id")


SORTS: dict[str, Sort] = {s.name: s for s in [
    Sort("newest", gettext_lazy("Newest first"), "reported_at", descending=True),
    Sort("oldest", gettext_lazy("Oldest first"), "reported_at", descending=False),
    Sort("deadline", gettext_lazy("Nearest deadline first"), "stage_deadline", descending=False, running_only=True),
]}
DEFAULT_SORT = "newest"


@dataclass
class Page:
    rows: list[Case]
    next_cursor: str | None
    prev_cursor: str | None


def keyset_page(qs: QuerySet, sort: Sort, *, after: str = "", before: str = "", limit: int) -> Page:
    """One page after (or before) a cursor, in the sort's order, with cursors to both neighbours.

    The redundant `key <= value` bound (as in queries.page) lets both databases walk the index as
    a range; the OR alone makes them scan from the first row.
    """
    forward, cursor = not before, before or after
    qs = sort.restrict(qs)
    if cursor:
        value, pk = _decode(cursor, sort)
        qs = qs.filter(_beyond(sort, value, pk, forward=forward))
    rows = list(qs.select_related("category", "department", "street").order_by(*sort.order(forward=forward))[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if not forward:
        rows.reverse()
        return Page(rows, _encode(rows[-1], sort) if rows else None, _encode(rows[0], sort) if more else None)
    return Page(rows, _encode(rows[-1], sort) if more else None, _encode(rows[0], sort) if after and rows else None)


def _beyond(sort: Sort, value: datetime, pk: int, *, forward: bool) -> Q:
    down = sort.descending == forward
    inclusive, strict = ("lte", "lt") if down else ("gte", "gt")
    key = sort.key
    return Q(**{f"{key}__{inclusive}": value}) & (
        Q(**{f"{key}__{strict}": value}) | Q(**{key: value, f"id__{strict}": pk}))


def _encode(case: Case, sort: Sort) -> str:
    raw = f"{sort.name}|{getattr(case, sort.key).isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, sort: Sort) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        name, at, pk = raw.split("|")
        if name != sort.name:
            raise ValueError(name)
        return datetime.fromisoformat(at), int(pk)
    except Exception:
        raise InvalidInput.field("cursor", "分页位置无效，已回到第一页 / invalid page position, back to the first page") from None


# ---------------------------------------------------------------------------- the filter form


class Select(forms.Select):
    """A select rendered in Python: the category and community lists have hundreds of options,
    and Django's one-template-per-option rendering made the page several times slower."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        attrs = {**self.build_attrs(self.attrs, attrs), "name": name}

        def option(v, label) -> str:
            return format_html('<option value="{}"{}>{}</option>', v, " selected" if str(v) in chosen else "", label)

        parts = []
        for v, label in self.choices:
            if isinstance(label, (list, tuple)):
                parts.append(format_html('<optgroup label="{}">{}</optgroup>', v,
                                         mark_safe("".join(option(*o) for o in label))))
            else:
                parts.append(option(v, label))
        return format_html("<select{}>{}</select>", flatatt(attrs), mark_safe("".join(parts)))


def _choices(label_choices, language) -> list[tuple[str, str]]:
    return [(value, pick(str(label), language)) for value, label in label_choices if value != ""]


class ListForm(forms.Form):
    """The list's GET form. Values stay strings until CaseFilter.problems() judges them, so a bad
    value comes back beside its field with the same message the API gives, and stays shown."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100, widget=forms.TextInput(attrs={
        "type": "search", "placeholder": gettext_lazy("Case number, description or address")}))
    state = forms.CharField(label=gettext_lazy("State"), required=False, widget=Select)
    light = forms.CharField(label=gettext_lazy("Light"), required=False, widget=Select)
    kind = forms.CharField(label=gettext_lazy("Open or finished"), required=False, widget=Select)
    street = forms.CharField(label=gettext_lazy("Street / town"), required=False, widget=Select)
    community = forms.CharField(label=gettext_lazy("Community"), required=False, widget=Select)
    grid = forms.CharField(label=gettext_lazy("Grid code"), required=False, max_length=15,
                           widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    # Holds the road's code; gazetteer/search.js shows a box for its name with the gazetteer's suggestions.
    road = forms.CharField(label=gettext_lazy("Road"), required=False, max_length=40, widget=forms.TextInput(attrs={
        "placeholder": gettext_lazy("As in the gazetteer"), "data-road-search": reverse_lazy("api:geocode"),
        "data-geocode-label": gettext_lazy("Road"), "data-geocode-placeholder": gettext_lazy("Type the road's name"),
        "data-geocode-empty": gettext_lazy("No such road in the gazetteer")}))
    category = forms.CharField(label=gettext_lazy("Category"), required=False, widget=Select)
    department = forms.CharField(label=gettext_lazy("Department"), required=False, widget=Select)
    channel = forms.CharField(label=gettext_lazy("Channel"), required=False, widget=Select)
    supervised = forms.CharField(label=gettext_lazy("Supervision"), required=False, widget=Select)
    pending = forms.CharField(label=gettext_lazy("Waiting for approval"), required=False, widget=Select)
    reported_from = forms.DateField(label=gettext_lazy("Reported from"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reported_to = forms.DateField(label=gettext_lazy("Reported to"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    sort = forms.CharField(label=gettext_lazy("Sort"), required=False, widget=Select)
    limit = forms.CharField(label=gettext_lazy("Rows per page"), required=False, widget=Select)

    MAIN = ("q", "state", "light", "sort")  # the first row; the rest sit under it

    def __init__(self, data, *, user):
        data = data.copy()  # a list without sort or size shows the defaults in their selects
        for key, default in (("sort", DEFAULT_SORT), ("limit", str(DEFAULT_PAGE_SIZE))):
            if not data.get(key):
                data[key] = default
        super().__init__(data)
        self.user = user
        language = get_language()
        anything = [("", _("All"))]
        self.fields["state"].widget.choices = anything + _choices(State.choices, language)
        self.fields["kind"].widget.choices = anything + _choices(Kind.choices, language)
        self.fields["light"].widget.choices = anything + [
            ("green", _("Green: in time")), ("yellow", _("Yellow: near the deadline")), ("red", _("Red: overdue"))]
        self.fields["street"].widget.choices = anything + [(d.code, d.name) for d in self._streets()]
        self.fields["community"].widget.choices = anything + self._communities()
        self.fields["category"].widget.choices = anything + _category_choices()
        self.fields["department"].widget.choices = anything + [
            (d.code, d.name) for d in Department.objects.filter(active=True).order_by("kind", "code")]
        self.fields["channel"].widget.choices = anything + _choices(Channel.choices, language)
        self.fields["supervised"].widget.choices = anything + [("1", _("Supervised")), ("0", _("Not supervised"))]
        self.fields["pending"].widget.choices = anything + [("any", _("Any request"))] + _choices(Pending.choices, language)
        self.fields["sort"].widget.choices = [(s.name, s.label) for s in SORTS.values()]
        self.fields["limit"].widget.choices = [(str(n), str(n)) for n in PAGE_SIZES]
        self._known = {name: _option_values(field.widget.choices) for name, field in self.fields.items()
                       if isinstance(field.widget, forms.Select)}
        self._keep_unknown_values()
        self._name_the_road()

    # -- choices limited to the person's area

    def _name_the_road(self) -> None:
        code = (self.data.get("road") or "").strip()
        if code:
            self.fields["road"].widget.attrs["data-road-name"] = extensions.road_name(code) or code

    def _area(self) -> tuple[str | None, str | None]:
        """(street code, community code) the user is confined to, or None for the whole city."""
        area = scoping.own_area(self.user)
        level = area.level if area else ""
        if level == Scope.STREET:
            return area.code, None
        if level == Scope.COMMUNITY:
            return area.code[:9], area.code
        if level == Scope.GRID:
            community = Grid.objects.filter(pk=area.code).values_list("community_id", flat=True).first() or ""
            return community[:9], community
        return None, None

    def _streets(self) -> list[Division]:
        street, _community = self._area()
        qs = Division.objects.filter(level=Division.Level.STREET)
        return list(qs.filter(code=street) if street else qs)

    def _communities(self) -> list:
        street, community = self._area()
        qs = Division.objects.filter(level=Division.Level.COMMUNITY).select_related("parent")
        if community:
            qs = qs.filter(code=community)
        elif street:
            qs = qs.filter(parent_id=street)
        groups: dict[str, list] = {}
        for d in qs.order_by("code"):
            groups.setdefault(d.parent.name if d.parent_id else "", []).append((d.code, d.name))
        return list(groups.items())

    def _keep_unknown_values(self) -> None:
        """A value not among a select's options (an edited address, a removed category) stays shown."""
        for name, known in self._known.items():
            value = self.data.get(name, "")
            if value and value not in known:
                widget = self.fields[name].widget
                widget.choices = list(widget.choices) + [(value, value)]

    # -- checks the query helpers do not make

    def _among(self, name: str, message: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        if value and value not in self._known[name]:
            raise forms.ValidationError(message)
        return value

    def clean_street(self):
        return self._among("street", "不是您范围内的街道（乡镇）/ not a street or town in your area")

    def clean_community(self):
        return self._among("community", "不是您范围内的社区（村）/ not a community in your area")

    def clean_supervised(self):
        return self._among("supervised", "督办筛选须为“是”或“否” / supervision must be yes or no")

    def clean_sort(self):
        return self._among("sort", "未知的排序方式 / unknown sort order") or DEFAULT_SORT

    def clean_limit(self):
        value = self._among("limit", f"每页条数须为 {'/'.join(map(str, PAGE_SIZES))} / rows per page must be one of "
                                     f"{', '.join(map(str, PAGE_SIZES))}")
        return int(value) if value else DEFAULT_PAGE_SIZE

    def clean(self):
        data = super().clean()
        sort = SORTS.get(data.get("sort") or DEFAULT_SORT)
        if sort and sort.running_only and data.get("kind") in (Kind.CLOSED, Kind.VOID):
            self.add_error("sort", "按时限排序只适用于办理中的案件 / sorting by deadline applies to open cases only")
        return data

    # -- results

    def case_filter(self) -> CaseFilter:
        """The filter the API reads too, from the values this form has not already refused."""
        d = self.cleaned_data
        supervised = {"1": True, "0": False}.get(d.get("supervised") or "")
        return CaseFilter(
            state=d.get("state") or None, kind=d.get("kind") or None, category=d.get("category") or None,
            community=d.get("community") or None, street=d.get("street") or None,
            grid=(d.get("grid") or "").strip() or None,
            road=(d.get("road") or "").strip() or None,
            department=d.get("department") or None, channel=d.get("channel") or None, light=d.get("light") or None,
            supervised=supervised, pending=d.get("pending") or None, reported_from=d.get("reported_from"),
            reported_to=d.get("reported_to"), q=(d.get("q") or "").strip() or None)

    def sort_order(self) -> Sort:
        return SORTS.get(self.cleaned_data.get("sort") or DEFAULT_SORT, SORTS[DEFAULT_SORT])

    def fields_in(self, names) -> list:
        return [self[n] for n in names]

    def main_fields(self) -> list:
        return self.fields_in(self.MAIN)

    def more_fields(self) -> list:
        return self.fields_in([n for n in self.fields if n not in self.MAIN])

    def has_more_filters(self) -> bool:
        return any(self.data.get(n) for n in FILTER_KEYS if n not in self.MAIN)


def _option_values(choices) -> set[str]:
    values = set()
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            values.update(str(v) for v, _l in label)
        else:
            values.add(str(value))
    return values


def _category_choices() -> list:
    groups: dict[str, list] = {}
    for c in sorted(config().categories.values(), key=lambda c: c.code):
        groups.setdefault(f"{c.code[:2]} {c.major_name}", []).append((c.code, f"{c.code} {c.name}"))
    return list(groups.items())


def _listing(data: QueryDict, user) -> tuple[ListForm, QuerySet | None]:
    """The bound form and the scoped, filtered cases; None when a filter has to be corrected first."""
    form = ListForm(data, user=user)
    form.is_valid()
    wanted = form.case_filter()  # without the values the form already refused
    for problem in wanted.problems():
        form.add_error(problem["field"] if problem["field"] in form.fields else None, problem["message"])
    return form, (wanted.cases(user) if form.is_valid() else None)


def clean_query(data: QueryDict) -> str:
    """The list's own query string: known keys with non-default values, always in the same order,
    so one set of filters has one address (saved views compare by it)."""
    defaults = {"sort": DEFAULT_SORT, "limit": str(DEFAULT_PAGE_SIZE)}
    out = QueryDict(mutable=True)
    for key in VIEW_KEYS:
        value = data.get(key, "").strip()
        if value and value != defaults.get(key):
            out[key] = value[:200]
    return out.urlencode()


# ---------------------------------------------------------------------------- the page


class SaveViewForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of this view"), max_length=60, widget=forms.TextInput(
        attrs={"placeholder": gettext_lazy("e.g. Red cases in my street")}))
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self):
        name = re.sub(r"\s+", " ", self.cleaned_data["name"]).strip()
        if not name:
            raise forms.ValidationError("请填写名称 / a name is required")
        mine = SavedView.objects.filter(owner=self.user)
        if mine.count() >= MAX_SAVED_VIEWS and not mine.filter(name=name).exists():
            raise forms.ValidationError(f"最多保存 {MAX_SAVED_VIEWS} 个常用筛选，请先删除不用的 / "
                                        f"at most {MAX_SAVED_VIEWS} saved views; delete one first")
        return name


@login_required
@require_GET
def case_list(request):
    return _render_list(request, request.GET, save_form=None)


def _render_list(request, data: QueryDict, *, save_form: SaveViewForm | None, status: int = 200):
    form, qs = _listing(data, request.user)
    query = clean_query(data)
    sort = form.sort_order()
    page, total = None, None
    if qs is not None:
        limit = form.cleaned_data["limit"]
        try:
            page = keyset_page(qs, sort, after=data.get("after", ""), before=data.get("before", ""), limit=limit)
        except InvalidInput as e:  # a stale or edited cursor: say so and show the first page
            messages.warning(request, pick(e.errors[0]["message"], get_language()))
            page = keyset_page(qs, sort, limit=limit)
        total = sort.restrict(qs).order_by()[: COUNT_CAP + 1].count()
        _light_up(page.rows)
    if status == 200 and form.errors:
        status = 422
    views = list(SavedView.objects.filter(owner=request.user).order_by("name"))
    context = {
        "form": form, "page": page, "total": total, "count_cap": COUNT_CAP, "sort": sort, "query": query,
        "views": views, "current_view": next((v for v in views if v.query == query), None),
        "save_form": save_form or SaveViewForm(initial={"query": query}, user=request.user),
        "xlsx_max": XLSX_MAX_ROWS,
    }
    return render(request, "console/case_list.html", context, status=status)


def _light_up(cases: list[Case]) -> None:
    now = timezone.now()
    for case in cases:
        case.light_now = _light_of(now, case.kind, case.stage_warn_at, case.stage_deadline)


def _light_of(now, kind, warn_at, deadline) -> str | None:
    if kind != Kind.OPEN:
        return None
    lit = light(now, warn_at, deadline)
    return lit.value if lit else None


# ---------------------------------------------------------------------------- saved views


@login_required
@require_POST
def save_view(request):
    query = clean_query(QueryDict(request.POST.get("query", "")))
    form = SaveViewForm(request.POST, user=request.user)
    if form.is_valid() and _listing(QueryDict(query), request.user)[1] is None:
        form.add_error("name", "当前筛选条件有误，请先修正再保存 / correct the filters before saving them")
    if not form.is_valid():
        return _render_list(request, QueryDict(query), save_form=form, status=422)
    view, created = SavedView.objects.update_or_create(owner=request.user, name=form.cleaned_data["name"],
                                                       defaults={"query": query})
    text = _("Saved the view “%(name)s”.") if created else _("Updated the view “%(name)s”.")
    messages.success(request, text % {"name": view.name})
    return redirect(_list_url(query))


@login_required
@require_POST
def delete_view(request, view_id: int):
    view = get_object_or_404(SavedView, pk=view_id, owner=request.user)  # someone else's: 404, never revealed
    view.delete()
    messages.success(request, _("Deleted the view “%(name)s”.") % {"name": view.name})
    return redirect(_list_url(clean_query(QueryDict(request.POST.get("query", "")))))


def _list_url(query: str) -> str:
    url = reverse("console:case_list")
    return f"{url}?{query}" if query else url


# ---------------------------------------------------------------------------- export


@dataclass(frozen=True)
class Column:
    label: str  # '中文 / English'
    value: object  # the row dict → a cell value
    width: int = 14


def _label(field: str) -> str:
    return str(Case._meta.get_field(field).verbose_name)


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if value else None


def _columns(language: str) -> list[Column]:
    state = {v: pick(str(label), language) for v, label in State.choices}
    channel = {v: pick(str(label), language) for v, label in Channel.choices}
    pending = {v: pick(str(label), language) for v, label in Pending.choices if v}
    lights = {"green": pick("绿灯 / green", language), "yellow": pick("黄灯 / yellow", language),
              "red": pick("红灯 / red", language)}
    yes = pick("是 / yes", language)
    return [
        Column(_label("reference"), lambda r: r["reference"], 24),
        Column(_label("state"), lambda r: state.get(r["state"], r["state"]), 14),
        Column("亮灯 / light", lambda r: lights.get(r["light"] or "", ""), 8),
        Column(_label("pending"), lambda r: pending.get(r["pending"], ""), 12),
        Column("事项代码 / category code", lambda r: r["category_id"] or "", 10),
        Column(_label("category"), lambda r: r["category__name"] or "", 18),
        Column(_label("description"), lambda r: r["description"], 40),
        Column(_label("address"), lambda r: r["address"], 24),
        Column(_label("street"), lambda r: r["street__name"], 12),
        Column(_label("community"), lambda r: r["community__name"], 14),
        Column(_label("grid"), lambda r: r["grid_id"], 17),
        Column(_label("department"), lambda r: r["department__name"] or "", 16),
        Column(_label("channel"), lambda r: channel.get(r["channel"], r["channel"]), 12),
        Column(_label("supervised"), lambda r: yes if r["supervised"] else "", 6),
        Column(_label("reported_at"), lambda r: _local(r["reported_at"]), 17),
        Column(_label("stage_deadline"), lambda r: _local(r["stage_deadline"]), 17),
        Column(_label("closed_at"), lambda r: _local(r["closed_at"]), 17),
    ]


EXPORT_FIELDS = ("reference", "state", "kind", "pending", "category_id", "category__name", "description", "address",
                 "street__name", "community__name", "grid_id", "department__name", "channel", "supervised",
                 "reported_at", "stage_warn_at", "stage_deadline", "closed_at")


def _heading(label: str, language: str) -> str:
    text = pick(label, language)
    return text[:1].upper() + text[1:]


def _export_rows(qs: QuerySet, sort: Sort, cap: int) -> Iterator[dict]:
    """The cases in the list's order, one dict each, read in chunks; one extra row tells of a cut."""
    now = timezone.now()
    rows = sort.restrict(qs).order_by(*sort.order()).values(*EXPORT_FIELDS)[: cap + 1]
    for row in rows.iterator(chunk_size=2000):
        row["light"] = _light_of(now, row["kind"], row["stage_warn_at"], row["stage_deadline"])
        yield row


_FORMULA = re.compile(r"^[=+\-@\t\r]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _safe_text(value: str) -> str:
    """Citizens write descriptions: a leading = + - @ would run as a formula in Excel (CSV injection)."""
    value = _CONTROL.sub("", value)
    return "'" + value if _FORMULA.match(value) else value


def _cell(value):
    if isinstance(value, str):
        return _safe_text(value)
    return value


def _truncated_note(cap: int, language: str) -> str:
    return pick(f"仅导出了前 {cap} 条，请缩小筛选范围后分批导出 / only the first {cap} rows were exported; "
                f"narrow the filters and export in parts", language)


@login_required
@require_GET
def export(request, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404("csv or xlsx")
    form, qs = _listing(request.GET, request.user)
    if qs is None:  # the list shows what to correct
        return redirect(_list_url(clean_query(request.GET)))
    language = get_language()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        return _csv(qs, form.sort_order(), language, f"civicloop-cases-{stamp}.csv")
    return _xlsx(qs, form.sort_order(), language, f"civicloop-cases-{stamp}.xlsx")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(qs: QuerySet, sort: Sort, language: str, filename: str) -> StreamingHttpResponse:
    columns = _columns(language)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        # The BOM makes Excel read the file as UTF-8 instead of the system's GBK.
        yield "\ufeff" + writer.writerow([_heading(c.label, language) for c in columns])
        batch: list[str] = []
        for n, row in enumerate(_export_rows(qs, sort, CSV_MAX_ROWS), start=1):
            if n > CSV_MAX_ROWS:
                batch.append(writer.writerow([_truncated_note(CSV_MAX_ROWS, language)]))
                break
            batch.append(writer.writerow([_csv_value(c.value(row)) for c in columns]))
            if len(batch) >= 500:
                yield "".join(batch)
                batch = []
        yield "".join(batch)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return _cell(str(value))


def _xlsx(qs: QuerySet, sort: Sort, language: str, filename: str) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = _columns(language)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(pick("案件 / cases", language))
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=_heading(column.label, language))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for n, row in enumerate(_export_rows(qs, sort, XLSX_MAX_ROWS), start=1):
        if n > XLSX_MAX_ROWS:
            sheet.append([_truncated_note(XLSX_MAX_ROWS, language)])
            break
        sheet.append([_xlsx_value(column.value(row)) for column in columns])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_value(value):
    return _cell(value) if value is not None else None
