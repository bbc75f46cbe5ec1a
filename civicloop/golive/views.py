"""The go-live check page: every finding of checks.run(), blocking first, each with where it is fixed."""
from __future__ import annotations

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from civicloop.core.guards import staff_page
from civicloop.golive import checks
from civicloop.org.roles import Role, Scope

# Administrators fix what the page lists; city-wide leaders see it to know what to ask for.
_CITY_LEADERS = frozenset({Role.COMMANDER, Role.SHIFT_LEADER})


def can_view(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.scope == Scope.CITY and (user.role == Role.ADMIN or user.role in _CITY_LEADERS)


@staff_page(can_view, refused="golive/refused.html")
def page(request):
    report = checks.run()
    rows = [{"finding": f, "fixes": _fixes(f)} for f in report.findings]
    return render(request, "golive/page.html", {
        "rows": rows, "blocking": len(report.blocking), "warnings": len(report.warnings),
        "seconds": sum(report.seconds.values())})


def _fixes(finding: checks.Finding) -> list[dict]:
    """A fix's page as a URL (left out when the page is not installed), or its command as text."""
    fixes = []
    for fix in finding.fixes:
        url = _reverse(fix.url_name) if fix.url_name else ""
        if url or fix.command:
            fixes.append({"label": fix.label, "url": url, "command": fix.command})
    return fixes


def _reverse(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""
