"""Reports made on patrol carry the patrol: report_case(refs={"patrol": id}) → a PatrolReport row."""
from django.dispatch import receiver

from civicloop.cases.rules import Action
from civicloop.cases.signals import case_changed
from civicloop.patrols.models import Patrol, PatrolReport


@receiver(case_changed)
def remember_patrol_report(sender, case, event, refs, **kwargs):
    patrol_id = (refs or {}).get("patrol")
    if event.action != Action.REPORT or patrol_id is None:
        return
    # Only the reporter's own patrol: a forged or stale id is ignored, never an error for the case.
    patrol = Patrol.objects.filter(pk=patrol_id if str(patrol_id).isdigit() else None, worker_id=case.reporter_id).first()
    if patrol is not None:
        PatrolReport.objects.get_or_create(case=case, defaults={"patrol": patrol, "created_at": event.created_at})
