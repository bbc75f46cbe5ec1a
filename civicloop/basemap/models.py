"""Reference layers a city imports to draw its own basemap when there are no map tiles (docs/maps.md)."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferenceFeature(models.Model):
    """One road, water body or building: public geography, drawn under the markers on every map."""

    class Layer(models.TextChoices):
        ROAD = "road", _("Roads")
        WATER = "water", _("Water")
        BUILDING = "building", _("Buildings")

    layer = models.CharField(_("layer"), max_length=16, choices=Layer.choices)
    name = models.CharField(_("name"), max_length=120, blank=True, default="")
    geometry = models.TextField(_("geometry (GeoJSON, WGS-84)"))
    # The feature's box, so a view's features come from an index range, not a scan.
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    source = models.CharField(_("source file"), max_length=255, blank=True, default="")

    class Meta:
        ordering = ["layer", "id"]
        indexes = [models.Index(fields=["layer", "min_lon", "max_lon"], name="basemap_layer_lon")]
        verbose_name = _("reference feature")
        verbose_name_plural = _("reference features")

    def __str__(self) -> str:
        return f"{self.get_layer_display()} {self.name or self.pk}"
