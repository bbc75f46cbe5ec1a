"""Reads: a citizen's standing (balance, level, titles, credit), histories, totals by period."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from civicloop.citizens.models import CitizenReport
from civicloop.core import extensions
from civicloop.points import rules
from civicloop.points.models import Account, Entry, FraudFlag

Kind = Entry.Kind
ISSUED = (Kind.EARN, Kind.REVERSAL)  # issued net of what was taken back
REDEEMED = (Kind.SPEND, Kind.REFUND, Kind.DONATION)  # redeemed net of refunds


def account(citizen) -> Account:
    return Account.objects.filter(pk=citizen.pk).first() or Account(citizen=citizen)


def verified_reports(citizen) -> int:
    """记功: the citizen's reports whose fix was checked and the case closed."""
    return CitizenReport.objects.filter(citizen=citizen, followed=False, case__state="closed").count()


def level(citizen) -> rules.Level:
    return rules.level_for(account(citizen).earned, verified_reports(citizen))


def standing(citizen) -> dict:
    acct = account(citizen)
    verified = verified_reports(citizen)
    current = rules.level_for(acct.earned, verified)
    return {"balance": acct.balance, "earned": acct.earned, "verified": verified, "level": current,
            "next": rules.next_level(acct.earned, verified), "titles": list(citizen.titles.select_related("title")),
            "credit": credit_grade(citizen, current)}


def credit_grade(citizen, current: rules.Level | None = None) -> str:
    current = current or level(citizen)
    rejected = FraudFlag.objects.filter(citizen=citizen, status=FraudFlag.Status.REJECTED).count()
    return rules.credit_grade(level=current.rank, volunteer_hours=extensions.volunteer_hours(citizen), rejected_flags=rejected)


def history(citizen, limit: int = 100):
    return Entry.objects.filter(citizen=citizen).select_related("case", "order__item").order_by("-created_at", "-pk")[:limit]


def balances_agree(citizen_ids=None) -> list[int]:
    """Citizens whose balance is not the sum of their entries (there should be none)."""
    accounts = Account.objects.all() if citizen_ids is None else Account.objects.filter(pk__in=citizen_ids)
    sums = dict(Entry.objects.values_list("citizen_id").annotate(s=Sum("amount")).values_list("citizen_id", "s"))
    return [a.pk for a in accounts if a.balance != sums.get(a.pk, 0)]


# ---------------------------------------------------------------------------- totals by period


def totals(start: date, end: date, *, by: str = "day") -> dict:
    """Points issued and redeemed per day (or month) in [start, end], and the period's sums."""
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    trunc = TruncMonth("created_at", tzinfo=tz) if by == "month" else TruncDate("created_at", tzinfo=tz)
    rows = (Entry.objects.filter(created_at__gte=since, created_at__lt=until).annotate(bucket=trunc)
            .values("bucket").annotate(issued=Sum("amount", filter=Q(kind__in=ISSUED)),
                                       redeemed=Sum("amount", filter=Q(kind__in=REDEEMED))).order_by("bucket"))
    series = [{"label": _label(r["bucket"], by), "issued": r["issued"] or 0, "redeemed": -(r["redeemed"] or 0)}
              for r in rows]
    return {"series": series, "issued": sum(r["issued"] for r in series),
            "redeemed": sum(r["redeemed"] for r in series)}


def _label(bucket, by: str) -> str:
    if isinstance(bucket, datetime):
        bucket = bucket.date()
    return f"{bucket:%Y-%m}" if by == "month" else f"{bucket:%Y-%m-%d}"


def all_time() -> dict:
    sums = Entry.objects.aggregate(issued=Sum("amount", filter=Q(kind__in=ISSUED)),
                                   redeemed=Sum("amount", filter=Q(kind__in=REDEEMED)))
    return {"issued": sums["issued"] or 0, "redeemed": -(sums["redeemed"] or 0)}
