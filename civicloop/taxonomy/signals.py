from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicloop.core import revisions
from civicloop.taxonomy.models import CalendarDay, CalendarYear, Category, DepartmentRoute, TimeLimit
from civicloop.taxonomy.queries import REVISION


@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
@receiver(post_save, sender=DepartmentRoute)
@receiver(post_delete, sender=DepartmentRoute)
@receiver(post_save, sender=TimeLimit)
@receiver(post_delete, sender=TimeLimit)
@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
@receiver(post_save, sender=CalendarYear)
@receiver(post_delete, sender=CalendarYear)
def configuration_changed(sender, **kwargs):
    revisions.bump(REVISION)
