from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicloop.core import revisions
from civicloop.routing.models import RoutingRule
from civicloop.routing.queries import REVISION


@receiver(post_save, sender=RoutingRule)
@receiver(post_delete, sender=RoutingRule)
def rules_changed(sender, **kwargs):
    revisions.bump(REVISION)
