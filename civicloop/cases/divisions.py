"""What geo asks of cases before a division goes (CasesConfig.division_cases): geo sits below cases."""
from __future__ import annotations

from django.db.models import QuerySet

from civicloop.cases.models import Case


def cases_under(root: str) -> QuerySet:
    """The cases whose community is the division `root` or lies within it."""
    return Case.objects.filter(community__code__startswith=root)
