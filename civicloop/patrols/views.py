"""Patrol pages: the worker's phone page (start, GPS track, end), the coverage page for the
desk and leaders (per grid per day, missed patrols), and one patrol's track."""
from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicloop.patrols import queries, rules, services
from civicloop.patrols.models import Patrol, PatrolReport


def can_see_coverage(user) -> bool:
    return queries.area_prefix(user) is not None


@login_required
@require_GET
def phone(request):
    """The field worker's patrol page (phone layout); the track is sent by static/patrols/patrol.js."""
    user = request.user
    if not services.is_field_worker(user):
        raise PermissionDenied(_("Only inspectors and grid workers patrol."))
    today = timezone.localdate()
    start, end = services.day_bounds(today)
    config = {
        "start": reverse("patrols:api_start"), "points": reverse("patrols:api_points", args=[0]),
        "end": reverse("patrols:api_end", args=[0]), "duty": reverse("patrols:api_duty"),
        "report": reverse("console:report"), "batch": min(50, settings.PATROL_BATCH_MAX),
        "maxAccuracy": settings.PATROL_MAX_ACCURACY_M,
    }
    return render(request, "patrols/phone.html", {
        "active": services.active_patrol(user), "on_duty": services.open_shift(user) is not None,
        "today": Patrol.objects.filter(worker=user, started_at__gte=start, started_at__lt=end),
        "config": config,
    })


def _day(text: str | None) -> date:
    if not text:
        return timezone.localdate()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Http404(_("No such day.")) from None


@login_required
@require_GET
def coverage(request):
    prefix = queries.area_prefix(request.user)
    if prefix is None:
        raise PermissionDenied(_("Your role does not see patrol coverage."))
    day = _day(request.GET.get("day"))
    return render(request, "patrols/coverage.html", {
        "day": day, "previous": day - timedelta(days=1), "next": day + timedelta(days=1),
        "rows": queries.day_table(prefix, day), "missed": queries.missed_recent(prefix),
        "patrols": queries.patrols_on(prefix, day),
    })


@login_required
@require_GET
def patrol_page(request, patrol_id: int):
    patrol = Patrol.objects.filter(pk=patrol_id).select_related("worker", "grid").first()
    if patrol is None or not queries.can_see_patrol(request.user, patrol):
        raise Http404(_("Patrol not found."))
    points = list(patrol.points.order_by("at").values_list("lon", "lat"))
    reports = PatrolReport.objects.filter(patrol=patrol).select_related("case").order_by("created_at")
    return render(request, "patrols/patrol.html", {"patrol": patrol, "svg": _svg(patrol, points), "reports": reports})


def _svg(patrol: Patrol, points: list[tuple[float, float]]) -> dict | None:
    """The track (and the worker's grid) as SVG paths in metres; no map tiles needed."""
    shapes = [p for p in [patrol.grid.polygon() if patrol.grid_id else None] if p is not None]
    if not points and not shapes:
        return None
    lon0, lat0 = points[0] if points else shapes[0].centroid.coords[0]
    proj = rules.Projection(lon0, lat0)
    xs, ys = proj.xy([p[0] for p in points], [p[1] for p in points])
    track = " ".join(f"{x:.1f},{-y:.1f}" for x, y in zip(xs, ys))
    outline = ""
    all_x, all_y = list(xs), [-y for y in ys]
    for shape in shapes:
        ring = proj.geometry(shape).exterior.coords if shape.geom_type == "Polygon" else []
        outline = " ".join(f"{x:.1f},{-y:.1f}" for x, y in ring)
        all_x += [x for x, _y in ring]
        all_y += [-y for _x, y in ring]
    pad = 20
    minx, maxx, miny, maxy = min(all_x) - pad, max(all_x) + pad, min(all_y) - pad, max(all_y) + pad
    return {"view": f"{minx:.1f} {miny:.1f} {maxx - minx:.1f} {maxy - miny:.1f}", "track": track, "outline": outline,
            "stroke": max(2.0, (maxx - minx) / 150)}
