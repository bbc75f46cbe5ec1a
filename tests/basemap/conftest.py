"""A second city far from the demo one, a signed-in citizen, and caches that follow the test's data."""
from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from civicloop.citizens.models import Citizen
from civicloop.citizens.services import SESSION_KEY

# 杭州市西湖区 (330106): another province, ~1,500 km from the demo city. Shapes are schematic.
OTHER_COUNTY = "330106"
OTHER_STREET = "330106001"
OTHER_COMMUNITY = "330106001001"
OTHER_GRID = "330106001001001"
STREET_BOX = (120.10, 30.24, 120.16, 30.29)
GRID_BOX = (120.12, 30.26, 120.13, 30.27)


def square(x0, y0, x1, y1) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]})


@pytest.fixture(autouse=True)
def fresh_map_caches():
    """A rolled-back test leaves the revision numbers as they were: rebuild from the database."""
    from civicloop.basemap import queries
    from civicloop.geo import extent, jurisdiction

    yield
    extent.invalidate()
    queries.invalidate()
    jurisdiction._cache.invalidate()


@pytest.fixture
def other_city(db):
    """A county of another province with one street (its boundary), a community and a grid; no county boundary."""
    from civicloop.geo.models import Division, Grid

    county = Division.objects.create(code=OTHER_COUNTY, name="西湖区", level="county")
    street = Division.objects.create(code=OTHER_STREET, name="北山街道", level="street", parent=county,
                                     geometry=square(*STREET_BOX))
    community = Division.objects.create(code=OTHER_COMMUNITY, name="宝石社区", level="community", parent=street)
    x0, y0, x1, y1 = GRID_BOX
    Grid.objects.create(code=OTHER_GRID, name="宝石社区 第001网格", community=community, geometry=square(*GRID_BOX),
                        min_lon=x0, min_lat=y0, max_lon=x1, max_lat=y1)
    return county


@pytest.fixture
def citizen_client(db):
    citizen, _ = Citizen.objects.get_or_create(phone="13800138123")
    client = Client()
    session = client.session
    session[SESSION_KEY] = citizen.pk
    session.save()
    return client


def page_map_config(response) -> dict:
    """The map configuration a page hands its script (data-tiles="…")."""
    import html

    assert response.status_code == 200, response.status_code
    found = re.search(r'data-tiles="([^"]*)"', response.content.decode())
    assert found, "no map on the page"
    return json.loads(html.unescape(found.group(1)))
