"""The site's health answer for load balancers: it asks the database, the working-day calendar and the
worker's job runs (ops/health.py)."""
import time

from django.db import connection
from django.http import JsonResponse

from civicloop import __version__
from civicloop.ops.health import jobs_health
from civicloop.taxonomy.queries import calendar_status


def healthz(request):
    """Load balancers call this: 200 when the database answers, 503 when it does not; "degraded"
    (still 200) while the coming year's holiday arrangement is unknown or a background job is late."""
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not healthy", never a 500 page
        return JsonResponse(
            {"status": "error", "database": {"ok": False, "vendor": connection.vendor, "error": str(exc)[:200]}},
            status=503,
        )
    ms = round((time.perf_counter() - started) * 1000, 2)
    # Still 200 when degraded: the instance serves; someone has work to do (docs/calendar.md).
    cal, worker = calendar_status(), jobs_health()
    return JsonResponse({
        "status": "ok" if cal.ok and worker.ok else "degraded", "version": __version__,
        "database": {"ok": True, "vendor": connection.vendor, "ms": ms},
        "calendar": {"ok": cal.ok, "year": cal.year, **({"reason": cal.problem} if not cal.ok else {})},
        "worker": {"ok": worker.ok, **worker.detail},
    })
