from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicloop.core import revisions
from civicloop.geo import jurisdiction
from civicloop.geo.index import REVISION
from civicloop.geo.models import Division, Grid


@receiver(post_save, sender=Grid)
@receiver(post_delete, sender=Grid)
def grid_changed(sender, **kwargs):
    revisions.bump(REVISION)


@receiver(post_save, sender=Division)
@receiver(post_delete, sender=Division)
def division_changed(sender, **kwargs):
    revisions.bump(jurisdiction.REVISION)  # the root's name or boundary may have changed
