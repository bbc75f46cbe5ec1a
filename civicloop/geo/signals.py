from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicloop.core import revisions
from civicloop.geo.index import REVISION
from civicloop.geo.models import Grid


@receiver(post_save, sender=Grid)
@receiver(post_delete, sender=Grid)
def grid_changed(sender, **kwargs):
    revisions.bump(REVISION)
