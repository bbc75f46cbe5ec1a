"""Demo registry for 蒙自: toilets with their 所长, bins with their 桶长, spread over the city's grids."""
from __future__ import annotations

import json
import random

from django.db import transaction
from shapely.geometry import Point, shape

from civicloop.cases.services import report_case
from civicloop.facilities import services
from civicloop.facilities.models import Facility, Keeper
from civicloop.geo.models import Grid

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何罗高林"
GIVEN = "建华国平秀英丽芳志强海燕晓明春梅红军玉兰永福德文"
STREETS = ("天马路", "银河路", "红竹路", "凤凰路", "学府路", "新安所路", "观澜路", "碧色寨路")
PER_GRID = {"03005": 2, "03001": 1}  # two bins and (every third grid) a toilet
TARGET = 400
DEMO_KEEPER = "13708730000"  # the first keeper: two bins, one of them with open reports


def seed(stdout) -> None:
    if Facility.objects.exists():
        stdout.write("  部件已存在，跳过 / facilities exist; skipped\n")
        return
    rng = random.Random(7503)
    grids = list(Grid.objects.filter(active=True).order_by("code").values_list("code", "geometry"))
    rng.shuffle(grids)
    made = 0
    with transaction.atomic():
        for n, (code, geometry) in enumerate(grids):
            polygon = shape(json.loads(geometry))
            for component, count in PER_GRID.items():
                if component == "03001" and n % 3:
                    continue
                for _ in range(count):
                    made += _one(rng, polygon, component, made)
            if made >= TARGET:
                break
        _scanned_reports()
    stdout.write(f"  {made} 个部件及管护人 / facilities with keepers; 桶长 {DEMO_KEEPER} has open cases "
                 "(sign in to /m/ with that number, then 我管护的设施)\n")


def _scanned_reports() -> None:
    """A few QR reports about the first keeper's bins, so 我管护的设施 and the case panel show something."""
    for facility in Facility.objects.filter(keeper__phone=DEMO_KEEPER)[:2]:
        report_case(actor=None, channel="citizen", lon=facility.lon, lat=facility.lat, crs="wgs84",
                    description=f"{facility.name}破损，垃圾散落", category=facility.component_id,
                    address=facility.address, client_key=f"demo-scan-{facility.pk}", refs={"facility": facility.pk})


def _one(rng: random.Random, polygon, component: str, n: int) -> int:
    west, south, east, north = polygon.bounds
    for _try in range(30):
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if polygon.contains(Point(lon, lat)):
            break
    else:
        return 0
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    keeper, _ = Keeper.objects.get_or_create(phone=f"1370873{n // 2:04d}", defaults={"name": name, "unit": "社区"})
    street = rng.choice(STREETS)
    label = f"{street}{'公厕' if component == '03001' else '垃圾箱'}{n + 1:03d}号"
    try:
        services.register_facility(component=component, name=label, lon=lon, lat=lat, keeper=keeper,
                                   address=f"{street}{rng.randint(1, 300)}号旁", competent_name="蒙自市城市管理局",
                                   owner_unit="蒙自市城市管理局", maintainer_unit="蒙自市环境卫生管理站", data_source="普查")
    except Exception:  # a point on a grid's edge outside the index: skip it
        return 0
    return 1
