from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicloop.core import revisions
from civicloop.org.models import CommandCentre

# cases.command caches which districts have a centre; the name is its revision (org sits below cases).
COMMAND_CENTRES = "command_centres"


@receiver(post_save, sender=CommandCentre)
@receiver(post_delete, sender=CommandCentre)
def command_centre_changed(sender, **kwargs):
    revisions.bump(COMMAND_CENTRES)
