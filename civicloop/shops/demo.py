"""Demo 安心码 shops for 蒙自: restaurants and hotels with checklists, inspections and a rated quarter."""
from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from civicloop.geo.index import grid_index
from civicloop.org.models import User
from civicloop.shops import rules, services
from civicloop.shops.models import ChecklistItem, Kind, Shop

CHECKLISTS = {
    Kind.CATERING: [("证照公示齐全有效", 10), ("从业人员健康证", 10), ("后厨地面墙面清洁", 15), ("生熟分开存放", 15),
                    ("餐具消毒保洁", 15), ("防蝇防鼠设施", 10), ("垃圾分类密闭存放", 10), ("门前三包", 15)],
    Kind.LODGING: [("证照公示齐全有效", 10), ("客房布草一客一换", 20), ("公共用品消毒", 20), ("卫生间清洁", 20),
                   ("消防通道畅通", 15), ("门前三包", 15)],
}
NAMES = {Kind.CATERING: ["过桥米线", "蒙自小锅", "石榴园餐厅", "南湖饭店", "滇南烧烤", "碧色寨咖啡", "红河菜馆", "建水豆腐坊"],
         Kind.LODGING: ["南湖宾馆", "蒙自大酒店", "石榴花酒店", "锦都快捷酒店"]}


def seed(stdout) -> None:
    if Shop.objects.exists():
        stdout.write("  商铺已存在，跳过 / shops exist; skipped\n")
        return
    rng = random.Random(5855)
    inspector = User.objects.filter(role="inspector").order_by("username").first()
    centre = (103.385, 23.367)
    with transaction.atomic():
        for kind, items in CHECKLISTS.items():
            for order, (text, points) in enumerate(items):
                ChecklistItem.objects.create(kind=kind, text=text, points=points, order=order)
        made = 0
        for kind, names in NAMES.items():
            for i, name in enumerate(names * 3):
                lon, lat = centre[0] + rng.uniform(-0.015, 0.015), centre[1] + rng.uniform(-0.012, 0.012)
                if grid_index().locate(lon, lat) is None:
                    continue
                shop = services.register_shop(licence_no=f"JY{25325030000000 + made:014d}", name=name if i < len(names) else f"{name}{i // len(names) + 1}号店",
                                              kind=kind, lon=lon, lat=lat, address=f"蒙自市天马路{rng.randint(1, 400)}号")
                made += 1
                if inspector is None:
                    continue
                _inspect(rng, shop, inspector)
        period = rules.quarter(timezone.localdate())
        rated = services.rate_quarter(period)
    stdout.write(f"  {made} 家商铺，{rated} 家已评级 / shops, rated for {period}\n")


def _inspect(rng, shop, inspector) -> None:
    quality = rng.uniform(0.55, 1.0)
    for days in (40, 5):
        scores = {item.pk: round(item.points * min(1, quality + rng.uniform(-0.1, 0.1)))
                  for item in services.checklist(shop.kind)}
        at = timezone.now() - timedelta(days=days)
        if rules.quarter(timezone.localtime(at).date()) != rules.quarter(timezone.localdate()):
            at = timezone.now() - timedelta(hours=days)
        services.record_inspection(shop, inspector, scores=scores, at=at, note="日常检查")
