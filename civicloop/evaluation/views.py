"""Pages: the staff evaluation page in the console, and the public 红黑榜 of published months."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicloop.core.errors import ServiceError
from civicloop.evaluation import queries, rules, services
from civicloop.evaluation.counters import LABELS
from civicloop.evaluation.models import Ranking
from civicloop.evaluation.periods import Period, month, parse
from civicloop.org.roles import Scope

# The rates the staff page shows, in this order.
TABLE_RATES = ("handle_rate", "handle_on_time_rate", "close_rate", "close_on_time_rate", "rework_rate",
               "dispatch_on_time_rate", "filing_on_time_rate", "conclusion_rate")
TABLE_COUNTS = ("reported", "filed", "dispatched", "handled", "should_close", "closed", "closed_on_time")
GROUPINGS = ("department", "street", "community", "category", "channel")


def _period(text: str | None) -> Period:
    if not text:
        return parse("last-month")
    try:
        return parse(text)
    except ServiceError:
        raise Http404(_("No such period.")) from None


@login_required
@require_GET
def staff_page(request):
    """Figures of the chosen period for the user's area; for city-wide staff also the month's 红黑榜."""
    user = request.user
    period = _period(request.GET.get("period"))
    city_wide = user.scope == Scope.CITY
    by = request.GET.get("by") or ("department" if city_wide else None)
    if by not in GROUPINGS and by is not None:
        by = None
    try:
        rows = queries.metrics(period, by, user=user)
        total = queries.metrics(period, user=user)[0]
    except ServiceError:
        rows, total, by = queries.metrics(period, user=user), None, None
    context = {
        "period": period, "by": by, "groupings": GROUPINGS if city_wide else (), "rows": rows, "total": total,
        "rate_names": [(n, rules.RATE_LABELS[n]) for n in TABLE_RATES],
        "count_names": [(n, _count_label(n)) for n in TABLE_COUNTS],
        "city_wide": city_wide, "can_publish": services.can_publish(user),
        "history": queries.published(),
    }
    if city_wide:
        context["rankings"] = _rankings(_month_of(period))
    return render(request, "evaluation/staff.html", context)


def _count_label(name: str) -> str:
    return LABELS.get(name) or rules.DERIVED_LABELS[name]


def _month_of(period: Period) -> Period:
    return month(period.start.year, period.start.month)


def _rankings(period: Period) -> list[dict]:
    out = []
    for subject, label in Ranking.Subject.choices:
        frozen = Ranking.objects.filter(month=period.start, subject=subject, published_at__isnull=False).first()
        rows = frozen.rows if frozen else queries.ranking(period, subject)
        red, black = queries.red_and_black(rows, frozen.list_size if frozen else services.DEFAULT_LIST_SIZE)
        out.append({"subject": subject, "label": label, "month": period, "rows": rows, "red": red, "black": black,
                    "published": frozen, "chart_id": f"{subject}-chart", "chart": {"labels": [r["label"] for r in rows],
                                                   "scores": [float(r["score"]) for r in rows]}})
    return out


@login_required
@require_POST
def publish(request):
    month_text, subject = request.POST.get("month", ""), request.POST.get("subject", "")
    try:
        services.publish_ranking(month_text, subject, request.user, list_size=int(request.POST.get("size") or 3))
        messages.success(request, _("The ranking is published."))
    except (ServiceError, ValueError) as error:
        messages.error(request, str(getattr(error, "message", error)))
    return redirect(f"{_staff_url()}?period={month_text}")


def _staff_url() -> str:
    from django.urls import reverse

    return reverse("evaluation:staff")


@require_GET
def public_index(request):
    """The published months, newest first: anyone may read them (a public record)."""
    return render(request, "evaluation/public_index.html", {"rankings": queries.published()})


@require_GET
def public_month(request, month_text: str, subject: str):
    try:
        period = services._month(month_text)
    except ServiceError:
        raise Http404 from None
    frozen = queries.published(subject).filter(month=period.start).first()
    if frozen is None:
        raise Http404(_("This ranking is not published."))
    red, black = queries.red_and_black(frozen.rows, frozen.list_size)
    return render(request, "evaluation/public_month.html", {
        "ranking": frozen, "period": period, "rows": frozen.rows, "red": red, "black": black,
        "chart": {"labels": [r["label"] for r in frozen.rows], "scores": [float(r["score"]) for r in frozen.rows]},
        "now": timezone.now()})
