from django import template

register = template.Library()


@register.filter
def zh(label) -> str:
    """The Chinese half of a bilingual choice label ("已领取 collected" → "已领取"), for citizen pages."""
    return str(label).split(" ", 1)[0]
