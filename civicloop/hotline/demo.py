"""The demo city's hotline: one 12345 system (its key printed once) and a few orders from today."""
from __future__ import annotations

from civicloop.hotline import services
from civicloop.hotline.models import HotlineSystem

SYSTEM = "蒙自市12345政务服务便民热线"
ORDERS = [
    ("MZ12345-DEMO-0001", "天马路与银河路口垃圾桶满溢，异味很大", "06010", 103.3893, 23.3697, "张女士", "13988730001"),
    ("MZ12345-DEMO-0002", "红河大道人行道井盖松动，行人容易绊倒", "", 103.3925, 23.3668, "李先生", "13988730002"),
    ("MZ12345-DEMO-0003", "学府路夜间施工噪声扰民", "噪声扰民", 103.3861, 23.3712, "王先生", "13988730003"),
]


def seed(stdout) -> None:
    if HotlineSystem.objects.filter(name=SYSTEM).exists():
        return
    # Callbacks go nowhere until an administrator sets the hotline's URL (console → 热线 → 热线系统).
    system, key = services.create_system(name=SYSTEM, webhook_url="", via="command")
    stdout.write(f"hotline: {SYSTEM} API key (shown once): {key}")
    for order_id, content, category, lon, lat, name, phone in ORDERS:
        services.receive_order(system, order_id=order_id, content=content, category=category, lon=lon, lat=lat,
                               crs="gcj02", caller_name=name, caller_phone=phone, address="")
