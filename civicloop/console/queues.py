"""Each role's work queues: which cases wait for whom, most urgent first.

A queue is data (a filter and an order); the workbench shows the first queue of a role as its
home. Counts for the header come from the same definitions, so they never disagree with the list.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.cases import command
from civicloop.cases.models import Case
from civicloop.cases.rules import Kind, Pending, State
from civicloop.org.roles import Role, Scope


@dataclass(frozen=True)
class Queue:
    name: str
    label: str
    roles: frozenset[str]
    where: Q | Callable[[], Q]
    mine: bool = False  # only cases of the user's own department
    keys: tuple[str, ...] = field(default=("stage_deadline", "reported_at"))
    stage: str | None = None  # the command stage its work belongs to: the city's or a district's queue

    def cases(self, user) -> QuerySet:
        where = self.where() if callable(self.where) else self.where
        qs = Case.objects.visible_to(user).filter(where, command.queue_filter(user, self.stage))
        if user.scope != Scope.CITY:
            # Every queue holds open cases only. Saying so lets a scoped user's (scope, kind, …)
            # index narrow a street's cases to its open few (SQLite otherwise walked all of a
            # street's cases: 1.4 s at 1,000,000). For the whole city the state index is better,
            # and SQLite would take the kind index instead if told (157 → 314 ms).
            qs = qs.filter(kind=Kind.OPEN)
        if self.mine:
            qs = qs.filter(department_id=user.department_id)
        return qs.order_by(*[F(k).asc(nulls_last=True) for k in self.keys], "id")


_DESK = frozenset({Role.OPERATOR, Role.SHIFT_LEADER})
_FIELD = frozenset({Role.INSPECTOR, Role.GRID_WORKER})
_APPROVERS = frozenset({Role.DISPATCHER, Role.COMMANDER})

QUEUES: dict[str, Queue] = {q.name: q for q in [
    Queue("intake", _("Incoming reports"), _DESK, Q(state=State.REPORTED, pending=""), stage="intake"),
    Queue("verifying", _("Being verified"), _DESK, Q(state=State.VERIFYING), stage="intake"),
    Queue("void-requests", _("Void requests"), frozenset({Role.SHIFT_LEADER}), Q(pending=Pending.VOID),
          stage="close"),
    Queue("to-close", _("To close"), frozenset({Role.SHIFT_LEADER}),
          Q(state__in=[State.CHECKED, State.SELF_HANDLED]), stage="close"),
    Queue("dispatch", _("To dispatch"), frozenset({Role.DISPATCHER}), Q(state=State.FILED), stage="dispatch"),
    Queue("requests", _("Requests to decide"), _APPROVERS,
          Q(pending__in=[Pending.RETURN, Pending.EXTEND, Pending.SUSPEND]), stage="dispatch"),
    Queue("suspended", _("Suspended"), _APPROVERS, Q(state=State.SUSPENDED), keys=("updated_at",),
          stage="dispatch"),
    Queue("tasks", _("My tasks"), frozenset({Role.HANDLER}),
          Q(state__in=[State.DISPATCHED, State.IN_PROGRESS]), mine=True),
    Queue("checks", _("Verify and check"), _FIELD, Q(state__in=[State.VERIFYING, State.HANDLED])),
    # "Overdue" is a moment, not a state: the deadline has passed now.
    Queue("overdue", _("Overdue"), frozenset({Role.COMMANDER, Role.SHIFT_LEADER}),
          lambda: Q(kind=Kind.OPEN, stage_deadline__lt=timezone.now())),
    Queue("supervised", _("Supervised"), frozenset({Role.COMMANDER}), Q(kind=Kind.OPEN, supervised=True)),
]}


def queues_for(user) -> list[Queue]:
    return [q for q in QUEUES.values() if user.role in q.roles]


def counts(queue: Queue, user) -> dict[str, int]:
    """Waiting, yellow (warned) and red (overdue) in one queue, for the header."""
    now = timezone.now()
    return queue.cases(user).order_by().aggregate(
        waiting=Count("pk"),
        yellow=Count("pk", filter=Q(stage_warn_at__lte=now, stage_deadline__gte=now)),
        red=Count("pk", filter=Q(stage_deadline__lt=now)),
    )
