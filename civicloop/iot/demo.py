"""The demo city's cameras and sensors: bins watched by AI cameras, public toilets that report
odour, and the rules that turn their events into cases (重点自动识别)."""
from __future__ import annotations

from civicloop.iot import services
from civicloop.iot.models import Device, Rule

# device id, name, kind, lon, lat (WGS-84, inside 文澜街道), facility id, address
DEVICES = [
    ("cam-tianma-01", "天马路垃圾箱摄像头", "camera", 103.3850, 23.3670, "", "天马路与银河路口"),
    ("cam-honghe-02", "红河大道垃圾箱摄像头", "camera", 103.3878, 23.3652, "", "红河大道 88 号"),
    ("toilet-nanhu-01", "南湖公园公厕异味传感器", "sensor", 103.3832, 23.3688, "WC-NANHU-01", "南湖公园东门公厕"),
]
RULES = [
    # name, event type, category, threshold, cool-down minutes, facility id
    ("垃圾满溢识别", "bin_overflow", "03005", None, 120, ""),
    ("公厕异味超标", "odour", "03001", 5.0, 60, ""),
    ("暴露垃圾识别", "exposed_garbage", "06010", None, 240, ""),
]


def seed(stdout) -> None:
    if Device.objects.exists():
        return
    for device_id, name, kind, lon, lat, facility, address in DEVICES:
        _, token = services.register_device(device_id=device_id, name=name, kind=kind, lon=lon, lat=lat,
                                            facility_id=facility, address=address, via="command")
        stdout.write(f"iot: device {device_id} token (shown once): {token}")
    for name, event_type, category, threshold, cooldown, facility in RULES:
        Rule.objects.create(name=name, event_type=event_type, category=category, threshold=threshold,
                            cooldown_minutes=cooldown, facility_id=facility)
    # A small storm on one camera: one case with its evidence, as the console shows it.
    storm = [("cam-tianma-01", {"event_id": f"demo-{n}", "type": "bin_overflow", "value": 0.9}) for n in range(5)]
    services.ingest(storm + [("toilet-nanhu-01", {"event_id": "demo-odour-1", "type": "odour", "value": 3.2})], via="http")
    services.process_pending()
