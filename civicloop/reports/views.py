"""The console's 统计报表 page: the scheduled reports to download, and a form that builds a
report for any period in the request (a month of the demo city takes well under a second).

Only services.can_see users get anything here; everyone else is refused with 403 on every
view, downloads included (the reports are city-wide figures; docs/reports.md).
"""
from __future__ import annotations


from django import forms
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from civicloop.core.errors import ServiceError
from civicloop.core.guards import staff_page
from civicloop.reports import services
from civicloop.reports.fonts import FontMissing
from civicloop.reports.models import Report

LISTED = 200  # about two months of dailies, weeklies and monthlies in both formats


class MakeForm(forms.Form):
    period = forms.CharField(label=_("Period"), max_length=40,
                             help_text=_("e.g. 2026-10, 2026-W42, 2026-10-05, 2026-Q3, 2026-10-01..2026-10-31, today"))
    format = forms.ChoiceField(label=_("Format"), choices=[("xlsx", "Excel (.xlsx)"), ("pdf", "PDF")], initial="xlsx")


readers_only = staff_page(services.can_see, refused="reports/refused.html")


@readers_only
@require_GET
def index(request):
    return _page(request, MakeForm(initial={"period": "last-month"}))


def _page(request, form: MakeForm, status: int = 200):
    reports = list(Report.objects.all()[:LISTED])
    return render(request, "reports/index.html", {"reports": reports, "form": form}, status=status)


@readers_only
@require_GET
def make(request):
    """Build one report now and send it as a download (not kept: the period may still be running)."""
    form = MakeForm(request.GET)
    if not form.is_valid():
        return _page(request, form=form, status=422)
    try:
        built = services.build(services.period_of(form.cleaned_data["period"]), form.cleaned_data["format"])
    except ServiceError as exc:
        form.add_error("period" if _about_period(exc) else None, exc.errors[0]["message"] if exc.errors else exc.message)
        return _page(request, form=form, status=422)
    except FontMissing as exc:
        form.add_error(None, str(exc))
        return _page(request, form=form, status=500)
    response = HttpResponse(built.content, content_type=built.content_type)
    response["Content-Disposition"] = f'attachment; filename="{built.filename}"'
    return response


def _about_period(exc: ServiceError) -> bool:
    return any(e.get("field") == "period" for e in exc.errors)


@readers_only
@require_GET
def download(request, report_id: int):
    report = get_object_or_404(Report, pk=report_id)
    path = services.path_of(report)
    if not path.is_file():
        raise Http404("报表文件不存在 / the report's file is missing")
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"civicloop-{report.kind}-{report.period}.{report.format}",
                        content_type=services.CONTENT_TYPES[report.format])
