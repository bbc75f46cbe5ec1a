"""配置变更记录: the configuration change log for city administrators — who changed which routing rule,
time limit, points rule or staff role, when and through which door — with filters and a CSV/XLSX export
that reads the same filtered list; beside it, the same export of the personal-data access log
(core.AccessLog), so an audit takes both logs for one period from one page."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from civicloop.console.views.lists import _cell
from civicloop.core.guards import staff_page
from civicloop.core.models import AccessLog, ChangeRecord
from civicloop.org.roles import Role, Scope

PER_PAGE = 100
EXPORT_MAX_ROWS = 50_000


def can_view(user) -> bool:
    """City administrators: the log names every configuration change in the city."""
    return bool(user.is_authenticated) and (user.is_superuser or (user.role == Role.ADMIN and user.scope == Scope.CITY))


class ChangeFilter(forms.Form):
    kind = forms.TypedChoiceField(label=gettext_lazy("Kind"), required=False, coerce=int, empty_value=None)
    actor = forms.CharField(label=gettext_lazy("Changed by"), required=False, max_length=150)
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    subject = forms.CharField(label=gettext_lazy("Object"), required=False, max_length=200,
                              help_text=gettext_lazy("Its id or part of its name"))
    via = forms.ChoiceField(label=gettext_lazy("Through"), required=False,
                            choices=[("", "—"), *ChangeRecord.Via.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "—"), *_kinds()]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end date is before the start date."))
        return data

    def records(self) -> QuerySet:
        data = self.cleaned_data
        qs = ChangeRecord.objects.select_related("content_type", "user")
        if data.get("kind"):
            qs = qs.filter(content_type_id=data["kind"])
        if data.get("actor"):
            qs = qs.filter(actor__iexact=data["actor"].strip())
        if data.get("via"):
            qs = qs.filter(via=data["via"])
        if data.get("subject"):
            subject = data["subject"].strip()
            qs = qs.filter(Q(object_id=subject) | Q(object_repr__icontains=subject))
        if data.get("start"):
            qs = qs.filter(at__gte=_local_midnight(data["start"]))
        if data.get("end"):
            qs = qs.filter(at__lt=_local_midnight(data["end"]) + timedelta(days=1))
        return qs.order_by("-at", "-id")


def _kinds() -> list[tuple[int, str]]:
    """The kinds of configuration that have records, by their (translated) model name."""
    ids = ChangeRecord.objects.exclude(content_type=None).values_list("content_type", flat=True).distinct()
    kinds = ContentType.objects.filter(pk__in=list(ids))
    return sorted(((ct.pk, _kind_name(ct)) for ct in kinds), key=lambda pair: pair[1])


def _kind_name(content_type: ContentType | None) -> str:
    model = content_type.model_class() if content_type is not None else None
    return str(model._meta.verbose_name) if model is not None else (content_type.model if content_type else "")


def _local_midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@staff_page(can_view, refused="console/changes_refused.html")
@require_GET
def change_log(request):
    form = ChangeFilter(request.GET)  # no filter: every record, newest first
    records = form.records() if form.is_valid() else ChangeRecord.objects.none()
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    rows = [_row(record) for record in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "console/changes.html", {"form": form, "page": page, "rows": rows,
                                                    "query": query.urlencode()},
                  status=422 if form.errors else 200)


@staff_page(can_view, refused="console/changes_refused.html")
@require_GET
def change_log_export(request, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404("csv or xlsx")
    form = ChangeFilter(request.GET)
    if not form.is_valid():  # the page shows what to correct
        return change_log(request)
    records = form.records()
    rows = (_cells(record) for record in _limited(records))
    return _file(fmt, "changes", _headings(), rows, sheet=_("Configuration changes"))


@staff_page(can_view, refused="console/changes_refused.html")
@require_GET
def access_log_export(request, fmt: str):
    """The access log for the same person and dates as the change log's filters."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("csv or xlsx")
    form = ChangeFilter(request.GET)
    if not form.is_valid():
        return change_log(request)
    rows = ([timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.username, e.what, e.subject, e.where,
             e.request_id] for e in _limited(_access_entries(form.cleaned_data)))
    headings = [_("At"), _("Viewer"), _("Data seen"), _("Subject"), _("Where"), _("Request id")]
    return _file(fmt, "access-log", headings, rows, sheet=_("Personal data access log"))


def _access_entries(data: dict) -> QuerySet:
    qs = AccessLog.objects.order_by("-at", "-id")
    if data.get("actor"):
        qs = qs.filter(username__iexact=data["actor"].strip())
    if data.get("start"):
        qs = qs.filter(at__gte=_local_midnight(data["start"]))
    if data.get("end"):
        qs = qs.filter(at__lt=_local_midnight(data["end"]) + timedelta(days=1))
    return qs


# ---------------------------------------------------------------------------- rows and files


def _row(record: ChangeRecord) -> dict:
    model = record.content_type.model_class() if record.content_type_id else None
    return {"record": record, "kind": _kind_name(record.content_type), "before": _fields(record.before, model),
            "after": _fields(record.after, model)}


def _fields(values: dict, model=None) -> str:
    """name=value pairs; on the page a field goes by its label, in the file by its stable name."""
    return "; ".join(f"{_label(model, name)}={_value(value)}" for name, value in values.items())


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name) if model is not None else name
    except FieldDoesNotExist:  # a field removed since, or a computed entry such as a year's days
        return name


def _value(value) -> str:
    if value is None:
        return "∅"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _headings() -> list[str]:
    return [_("At"), _("Changed by"), _("Kind"), _("Object id"), _("Object"), _("Action"), _("Through"),
            _("Before"), _("After"), _("Reason"), _("Request id")]


def _cells(record: ChangeRecord) -> list:
    return [timezone.localtime(record.at).strftime("%Y-%m-%d %H:%M:%S"), record.actor, _kind_name(record.content_type),
            record.object_id, record.object_repr, record.get_action_display(), record.get_via_display(),
            _fields(record.before), _fields(record.after), record.reason, record.request_id]


def _limited(records: QuerySet) -> Iterator:
    return records[:EXPORT_MAX_ROWS].iterator(chunk_size=1000)


def _file(fmt: str, what: str, headings: list[str], rows: Iterator[list], *, sheet: str):
    name = f"civicloop-{what}-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{fmt}"
    return _csv(headings, rows, name) if fmt == "csv" else _xlsx(headings, rows, name, sheet)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(headings: list[str], rows: Iterator[list], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        # The BOM makes Excel read the file as UTF-8 instead of the system's GBK (as the case export).
        yield "\ufeff" + writer.writerow(headings)
        for row in rows:
            yield writer.writerow([_cell(str(value)) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx(headings: list[str], rows: Iterator[list], filename: str, title: str) -> HttpResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])  # Excel's limit on a sheet's name
    sheet.freeze_panes = "A2"
    sheet.append(headings)
    for row in rows:
        sheet.append([_cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
