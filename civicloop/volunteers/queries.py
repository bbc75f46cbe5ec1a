"""Hours of service per person and per team (分钟 stored, hours shown)."""
from __future__ import annotations

from django.db.models import Count, Sum

from civicloop.cases.privacy import mask_phone
from civicloop.volunteers.models import SignUp, Team


def hours_of(citizen) -> float:
    minutes = SignUp.objects.filter(citizen=citizen).aggregate(m=Sum("minutes"))["m"] or 0
    return round(minutes / 60, 1)


def team_hours() -> list[dict]:
    """Each team with its members, activities and hours served (by everyone who served its activities)."""
    served = dict(SignUp.objects.values_list("activity__team").annotate(m=Sum("minutes")).values_list("activity__team", "m"))
    teams = Team.objects.annotate(n_members=Count("members", distinct=True), n_activities=Count("activities", distinct=True))
    return [{"team": t, "members": t.n_members, "activities": t.n_activities, "hours": round((served.get(t.pk) or 0) / 60, 1)}
            for t in teams]


def person_hours(activity=None, limit: int = 200) -> list[dict]:
    rows = SignUp.objects.filter(minutes__gt=0)
    if activity is not None:
        rows = rows.filter(activity=activity)
    rows = (rows.values("citizen_id", "citizen__phone", "citizen__display_name").annotate(m=Sum("minutes"))
            .order_by("-m")[:limit])

    return [{"name": r["citizen__display_name"] or mask_phone(r["citizen__phone"]), "hours": round(r["m"] / 60, 1)}
            for r in rows]
