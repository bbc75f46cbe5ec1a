"""What other apps hear when a case changes: points, facilities, hotline callbacks and the rest.

`case_changed` is sent by the one transition door (services._create and services._act) *inside*
the transaction that saves the change, after its event row is written. A receiver's rows therefore
commit or roll back with the case: points are never earned for a transition that did not happen,
and never lost for one that did. Receivers write rows only (a ledger entry, an outbox row, a state
flag); anything slow or external goes through the worker. A receiver that raises undoes the
transition, so receivers must not raise for cases that are none of their business.

Arguments: case (the Case after the change), event (the CaseEvent just written: action,
from_state, to_state, actor, data), refs (what the report came from, see services.report_case;
the REPORT event's data["refs"], {} otherwise).
"""
from django.dispatch import Signal

case_changed = Signal()
