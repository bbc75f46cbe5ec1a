import time

from django.db import connection
from django.http import JsonResponse

from civicloop import __version__


def healthz(request):
    """Load balancers call this: 200 when the database answers, 503 when it does not."""
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
    return JsonResponse(
        {"status": "ok", "version": __version__, "database": {"ok": True, "vendor": connection.vendor, "ms": ms}}
    )
