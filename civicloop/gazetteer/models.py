"""The gazetteer (标准地址库, the data half of CJJ/T 106's 地理编码 subsystem): roads, door plates (门牌),
compounds (小区) and their buildings (楼栋), points of interest — each with its code, names, place and the
grid, community and street it lies in.

Geometry is GeoJSON text in WGS-84 lon/lat with its box in columns, as geo.Grid keeps it (no PostGIS).
`search_text` is every name normalised (rules.search_text), indexed by trigrams: pg_trgm GIN on
PostgreSQL, an FTS5 trigram table kept by triggers on SQLite (migration 0002, docs/gazetteer.md).
Saving an entry fills its derived columns (`fill_derived`); importers call the same function and then
insert in bulk.
"""
from __future__ import annotations

import json
import math

import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicloop.gazetteer import rules
from civicloop.geo import jurisdiction
from civicloop.geo.index import locate as locate_point

# Bumped in the transaction of every write (imports, console edits, the demo seed): the geocoder's
# per-process name index (geocoding.py) follows it as the grid index follows "grids".
REVISION = "gazetteer"
M_PER_DEG = 111_320.0


class Entry(models.Model):
    """What every gazetteer entry has: code, names, place, box, its grid/community/street, search text."""

    code = models.CharField(_("code"), max_length=40, blank=True, default="",
                            help_text=_("The city's code for it (GB/T 47678 geocode, door plate code)."))
    aliases = models.TextField(_("aliases"), blank=True, default="", help_text=_("One a line."))
    former_names = models.TextField(_("former names"), blank=True, default="", help_text=_("One a line."))
    geometry = models.TextField(_("geometry (GeoJSON, WGS-84)"))
    # A representative point (a line's middle, a polygon's inner point): what a lookup answers with.
    lon = models.FloatField(editable=False, default=0)
    lat = models.FloatField(editable=False, default=0)
    min_lon = models.FloatField(editable=False, default=0)
    min_lat = models.FloatField(editable=False, default=0)
    max_lon = models.FloatField(editable=False, default=0)
    max_lat = models.FloatField(editable=False, default=0)
    # Codes, not foreign keys: a grid survey re-imported must not be blocked by the addresses on it.
    grid_code = models.CharField(_("grid"), max_length=15, blank=True, default="", editable=False, db_index=True)
    community_code = models.CharField(_("community"), max_length=12, blank=True, default="", editable=False,
                                      db_index=True)
    street_code = models.CharField(_("street"), max_length=9, blank=True, default="", editable=False)
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)
    source = models.CharField(_("source"), max_length=255, blank=True, default="", editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    ROAD_LIKE = False
    SHAPES: tuple[str, ...] = ("Point",)

    class Meta:
        abstract = True

    def clean(self) -> None:
        """What a console edit must get right (imports judge the same in importing.py)."""
        try:
            geom = self.shape()
        except (shapely.errors.GEOSException, ValueError, TypeError):
            raise ValidationError({"geometry": _("Not valid GeoJSON.")}) from None
        if geom is None or geom.is_empty or geom.geom_type not in self.SHAPES:
            raise ValidationError({"geometry": _("The geometry must be a %(shapes)s.") % {"shapes": " / ".join(self.SHAPES)}})

        point = representative_point(geom)
        if not jurisdiction.contains(point.x, point.y):
            raise ValidationError({"geometry": _("The place is outside the jurisdiction.")})

    def names(self) -> list[str]:
        return [self.display_name(), *rules.split_names(self.aliases), *rules.split_names(self.former_names)]

    def display_name(self) -> str:
        return getattr(self, "name", "")

    def shape(self):
        return shapely.from_geojson(self.geometry)

    def fill_derived(self, *, geometry=None, locate=None) -> None:
        """Box, point, search text and grid/community/street from the geometry and names.
        `locate` is geo.index.locate (passed in so a bulk import resolves it once)."""
        geom = geometry if geometry is not None else self.shape()
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = geom.bounds
        point = representative_point(geom)
        self.lon, self.lat = round(point.x, 7), round(point.y, 7)
        self.search_text = rules.search_text(self.names(), road_like=self.ROAD_LIKE)
        hit = (locate or locate_point)(self.lon, self.lat)
        self.grid_code = hit.code if hit else ""
        self.community_code = hit.community_code if hit else ""
        self.street_code = hit.street_code if hit else ""

    def save(self, *args, **kwargs):
        self.fill_derived()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *DERIVED_FIELDS}
        super().save(*args, **kwargs)


DERIVED_FIELDS = ("lon", "lat", "min_lon", "min_lat", "max_lon", "max_lat", "grid_code", "community_code",
                  "street_code", "search_text")


def representative_point(geom):
    """A line's middle (interpolated along it, so it lies on the road), else a point inside the shape."""
    if geom.geom_type in ("LineString", "MultiLineString"):
        line = geom if geom.geom_type == "LineString" else max(geom.geoms, key=lambda g: g.length)
        return line.interpolate(0.5, normalized=True)
    return geom.representative_point()


def line_metres(geom) -> float:
    """A line's length in metres (equirectangular at its own latitude: exact enough within a city)."""
    middle = (geom.bounds[1] + geom.bounds[3]) / 2
    kx = M_PER_DEG * math.cos(math.radians(middle))
    return float(shapely.length(shapely.transform(geom, lambda xy: xy * (kx, M_PER_DEG))))


def _indexes(prefix: str, *, points: bool = True) -> list[models.Index]:
    """Box columns for reverse lookups (point → nearest entries: a range on lon, then lat)."""
    indexes = [models.Index(fields=["min_lon", "max_lon", "min_lat", "max_lat"], name=f"{prefix}_box")]
    if points:
        indexes.append(models.Index(fields=["lon", "lat"], name=f"{prefix}_point"))
    return indexes


def _code_unique(prefix: str) -> models.UniqueConstraint:
    # Codes are optional (a city without a 门牌 code system); when present they identify the entry.
    return models.UniqueConstraint(fields=["code"], condition=~models.Q(code=""), name=f"{prefix}_code_unique")


class Road(Entry):
    """A road, street or lane (道路/街巷) as a (Multi)LineString."""

    name = models.CharField(_("name"), max_length=120, db_index=True)
    ROAD_LIKE = True
    SHAPES = ("LineString", "MultiLineString")

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("road")
        verbose_name_plural = _("roads")
        indexes = _indexes("gaz_road", points=False)
        constraints = [_code_unique("gaz_road")]

    def __str__(self) -> str:
        return self.name


class RoadSegment(Entry):
    """A part of a road (路段): between two cross streets, or a piece the survey cut, as a line.

    `from_name` and `to_name` are the cross streets at its ends as the city names them ("" at a road's
    open end); an import fills a missing one from the roads that meet that end."""

    road = models.ForeignKey(Road, models.PROTECT, related_name="segments", verbose_name=_("road"))
    from_name = models.CharField(_("start cross street"), max_length=120, blank=True, default="",
                                 help_text=_("The cross street where it starts."))
    to_name = models.CharField(_("end cross street"), max_length=120, blank=True, default="",
                               help_text=_("The cross street where it ends."))
    length_m = models.FloatField(_("length (m)"), editable=False, default=0)
    SHAPES = ("LineString", "MultiLineString")

    class Meta:
        ordering = ["road", "id"]
        verbose_name = _("road segment")
        verbose_name_plural = _("road segments")
        indexes = _indexes("gaz_segment", points=False)
        constraints = [_code_unique("gaz_segment")]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self) -> str:
        road = self.road.name if self.road_id else ""
        return rules.segment_label(road, self.from_name, self.to_name)

    def fill_derived(self, *, geometry=None, locate=None) -> None:
        geom = geometry if geometry is not None else self.shape()
        self.length_m = round(line_metres(geom), 1)
        super().fill_derived(geometry=geom, locate=locate)


class DoorPlate(Entry):
    """A door plate (门牌): a road and a number on it ("12号", "12-3号"), at a point."""

    road = models.ForeignKey(Road, models.PROTECT, related_name="door_plates", verbose_name=_("road"))
    number = models.CharField(_("number"), max_length=20, help_text=_("As the plate shows it: 12号, 12-3号."))
    # The number taken apart: sorting, odd/even side, and matching "12-3" whatever way it was written.
    number_main = models.PositiveIntegerField(_("number"), editable=False, default=0)
    number_sub = models.PositiveIntegerField(_("sub-number"), editable=False, default=0)
    number_key = models.CharField(_("normalised number"), max_length=20, editable=False, default="")

    class Meta:
        ordering = ["road", "number_main", "number_sub"]
        verbose_name = _("door plate")
        verbose_name_plural = _("door plates")
        indexes = [*_indexes("gaz_door"), models.Index(fields=["road", "number_main"], name="gaz_door_road_num")]
        constraints = [_code_unique("gaz_door"),
                       models.UniqueConstraint(fields=["road", "number_key"], name="gaz_door_road_number_unique")]

    def __str__(self) -> str:
        return f"{self.road.name}{self.number}" if self.road_id else self.number

    def display_name(self) -> str:
        return str(self)

    def clean(self) -> None:
        super().clean()
        try:
            rules.parse_door_number(self.number)
        except rules.NumberProblem:
            raise ValidationError({"number": _("Not a door number such as 12号 or 12-3号.")}) from None

    def fill_derived(self, *, geometry=None, locate=None) -> None:
        self.number_main, self.number_sub, self.number_key = rules.parse_door_number(self.number)
        super().fill_derived(geometry=geometry, locate=locate)


class Compound(Entry):
    """A residential compound or walled unit (小区/院落/单位), as a polygon or a point."""

    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("residential compound")
        UNIT = "unit", _("institution or company")
        VILLAGE = "village", _("village")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=120, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.RESIDENTIAL)
    door_plate = models.ForeignKey(DoorPlate, models.SET_NULL, null=True, blank=True, related_name="compounds",
                                   verbose_name=_("door plate"))
    SHAPES = ("Point", "Polygon", "MultiPolygon")

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        indexes = _indexes("gaz_compound")
        constraints = [_code_unique("gaz_compound")]

    def __str__(self) -> str:
        return self.name


class Building(Entry):
    """A building (楼栋), usually in a compound: "3栋", as a polygon or a point."""

    compound = models.ForeignKey(Compound, models.CASCADE, null=True, blank=True, related_name="buildings",
                                 verbose_name=_("compound"))
    number = models.CharField(_("building number"), max_length=20, blank=True, default="",
                              help_text=_("As it is written: 3栋, 3幢, A座."))
    name = models.CharField(_("name"), max_length=120, blank=True, default="")
    door_plate = models.ForeignKey(DoorPlate, models.SET_NULL, null=True, blank=True, related_name="buildings",
                                   verbose_name=_("door plate"))
    SHAPES = ("Point", "Polygon", "MultiPolygon")

    class Meta:
        ordering = ["compound", "number", "id"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        indexes = _indexes("gaz_building")
        constraints = [_code_unique("gaz_building")]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self) -> str:
        if self.name:
            return self.name
        return f"{self.compound.name}{self.number}" if self.compound_id else self.number


class Poi(Entry):
    """A point of interest (兴趣点): a school, market, hospital, station … that people name as a place."""

    class Kind(models.TextChoices):
        SCHOOL = "school", _("school")
        HOSPITAL = "hospital", _("hospital")
        MARKET = "market", _("market")
        STATION = "station", _("station")
        GOVERNMENT = "government", _("government office")
        PARK = "park", _("park or square")
        SHOP = "shop", _("shop or mall")
        HOTEL = "hotel", _("hotel")
        BANK = "bank", _("bank")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=120, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    door_plate = models.ForeignKey(DoorPlate, models.SET_NULL, null=True, blank=True, related_name="pois",
                                   verbose_name=_("door plate"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("point of interest")
        verbose_name_plural = _("points of interest")
        indexes = _indexes("gaz_poi")
        constraints = [_code_unique("gaz_poi")]

    def __str__(self) -> str:
        return self.name


class EntryChange(models.Model):
    """One change to a gazetteer entry made in the console: who, when, the fields before and after.

    Imports do not write one per row (a million door plates); an entry's `source` names its file."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        CHANGED = "changed", _("changed")
        DELETED = "deleted", _("deleted")

    model = models.CharField(_("kind"), max_length=32)
    entry_id = models.BigIntegerField(_("entry"))
    label = models.CharField(_("entry"), max_length=200, blank=True, default="")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("by"))
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "entry_id", "at"], name="gaz_change_entry")]
        verbose_name = _("gazetteer change")
        verbose_name_plural = _("gazetteer changes")

    def __str__(self) -> str:
        return f"{self.model} {self.entry_id} {self.action}"


def geojson_text(geom) -> str:
    return json.dumps(shapely.geometry.mapping(geom), ensure_ascii=False)
