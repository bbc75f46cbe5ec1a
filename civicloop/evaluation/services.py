"""Publishing a month's 红黑榜: computed once, then frozen (the published figures never move)."""
from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from civicloop.core import changes
from civicloop.core.errors import Conflict, Forbidden, InvalidInput
from civicloop.evaluation import queries
from civicloop.evaluation.models import Ranking, ScoreConfig
from civicloop.evaluation.periods import Period, parse
from civicloop.org.roles import Role, Scope

PUBLISHERS = frozenset({Role.COMMANDER, Role.ADMIN})  # 指挥长 and the administrator
DEFAULT_LIST_SIZE = 3


def can_publish(user) -> bool:
    return getattr(user, "role", "") in PUBLISHERS and getattr(user, "scope", "") == Scope.CITY


def publish_ranking(month: str | Period, subject: str, user, *, list_size: int = DEFAULT_LIST_SIZE,
                    now: datetime | None = None) -> Ranking:
    """Freeze the month's ranking as it stands. A month is published once; later corrections to
    cases change the live figures, not what was announced."""
    if not can_publish(user):
        raise Forbidden("只有指挥长可以发布红黑榜 / only a city-wide commander publishes rankings")
    period = _month(month)
    if subject not in Ranking.Subject.values:
        raise InvalidInput.field("subject", f"未知的排名对象 {subject} / unknown subject")
    if not 1 <= int(list_size) <= 20:
        raise InvalidInput.field("list_size", "红黑榜人数须在1到20之间 / list size is 1 to 20")
    now = now or timezone.now()
    if period.start > timezone.localdate(now).replace(day=1):
        raise InvalidInput.field("month", "不能发布未来月份 / a future month cannot be published")
    rows = queries.ranking(period, subject)
    try:
        with transaction.atomic():
            return Ranking.objects.create(month=period.start, subject=subject, rows=rows, list_size=int(list_size),
                                          computed_at=now, published_at=now, published_by=user)
    except IntegrityError:
        raise Conflict(f"{period.label} 的红黑榜已发布 / the ranking of {period.label} is already published") from None


def _month(month: str | Period) -> Period:
    period = month if isinstance(month, Period) else parse(month)
    if period.start.day != 1 or period.end.month != period.start.month or period.days < 28:
        raise InvalidInput.field("month", "请选择一个自然月，如 2026-10 / pick a month, e.g. 2026-10")
    return period


def save_score_config(actor, config: ScoreConfig, *, via: str, reason: str = "") -> ScoreConfig:
    """A score's weights and count bands: validated, saved and recorded in the configuration change
    log (the admin's saves record through core.changes_admin)."""
    return changes.save(actor, config, via=via, reason=reason)
