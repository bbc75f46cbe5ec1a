"""The go-live findings as text, for `civicloop city check`."""
from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from civicloop.golive import checks


def print_report(out, *, timings: bool = False) -> bool:
    """Write every finding to `out`; True when one of them blocks going live."""
    report = checks.run()
    for finding in report.findings:
        _write(out, finding)
    out.write(_("%(blocking)d blocking, %(warnings)d warnings.") % {
        "blocking": len(report.blocking), "warnings": len(report.warnings)})
    if timings:
        for name, seconds in report.seconds.items():
            out.write(f"  {name}: {seconds:.3f} s")
    return bool(report.blocking)


def _write(out, finding: checks.Finding) -> None:
    severity = _("BLOCKING") if finding.blocking else _("WARNING")
    out.write(f"[{severity}] {finding.title}")
    out.write(f"    {finding.explanation}")
    if finding.examples:
        out.write("    " + _("Examples:") + " " + "; ".join(finding.examples))
    for fix in finding.fixes:
        where = fix.command or _path(fix.url_name)
        if where:
            out.write(f"    → {fix.label}: {where}")


def _path(url_name: str) -> str:
    try:
        return reverse(url_name) if url_name else ""
    except NoReverseMatch:
        return ""
