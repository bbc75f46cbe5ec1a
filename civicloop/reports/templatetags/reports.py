from django import template

from civicloop.reports.services import can_see

register = template.Library()


@register.filter
def can_see_reports(user) -> bool:
    """The console header shows 统计报表 only to those who may open it."""
    return can_see(user)
