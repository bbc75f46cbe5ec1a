"""Demo seed: the index of the history's open cases, and one fresh report that repeats an open one."""
from __future__ import annotations

from civicloop.cases import services
from civicloop.cases.models import Case
from civicloop.cases.rules import Kind, State
from civicloop.duplicates.models import OpenCase
from civicloop.duplicates.services import reindex


def seed(stdout) -> None:
    open_cases = Case.objects.filter(kind=Kind.OPEN, duplicate_of__isnull=True).count()
    if OpenCase.objects.count() != open_cases:  # the history is bulk-inserted without signals
        stdout.write(f"  重复案件索引 {reindex():,} (open cases indexed)\n")
    if Case.objects.filter(client_key="demo-duplicate-1").exists():
        return
    original = (Case.objects.filter(state=State.REPORTED, street_id="532503001", duplicate_of__isnull=True)
                .order_by("-reported_at").first())
    if original is None:
        return
    again = services.report_case(actor=None, channel="citizen", lon=original.lon + 0.0002, lat=original.lat,
                                 description=f"{original.description}，又有人反映", client_key="demo-duplicate-1")
    stdout.write(f"  重复上报示例 {again.reference} → {original.reference} (a duplicate to merge)\n")
