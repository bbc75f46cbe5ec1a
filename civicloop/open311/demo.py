"""Demo: a key for a partner app and a few requests it sent, so the Open311 feed and the case
panel show something. The key is printed once, as the admin would show it."""
from __future__ import annotations

from civicloop.geo.index import locate
from civicloop.geo.models import Grid
from civicloop.open311 import services
from civicloop.open311.models import ApiKey

DEMO_NAME = "演示合作方 demo partner app"
REPORTS = [
    ("06010", "人行道上有一堆建筑垃圾，已经放了三天", "天马路与银河路口"),
    ("01001", "井盖松动，车经过时响声很大", "红河大道中段"),
    ("other", "路灯杆上贴满了小广告", "朝阳路"),
]


def seed(stdout) -> None:
    if ApiKey.objects.filter(name=DEMO_NAME).exists():
        return
    key, raw = services.issue_key(name=DEMO_NAME, contact="demo@example.invalid", rate_per_minute=600,
                                  via="command")
    points = _points(len(REPORTS))
    for n, ((code, text, address), (lon, lat)) in enumerate(zip(REPORTS, points), 1):
        services.submit(key, services.Submission(
            service_code=code, lat=str(lat), lon=str(lon), address=address, description=text, reporter_name="",
            reporter_phone="", device_id="demo", media_url="", attributes={}, client_key=f"o311:demo:{n}"))
    stdout.write(f"open311: demo key (shown once) {raw}; {len(points)} requests at /open311/v2/requests.json\n")


def _points(n: int) -> list[tuple[float, float]]:
    found = []
    for grid in Grid.objects.order_by("code")[:200]:
        lon, lat = (grid.min_lon + grid.max_lon) / 2, (grid.min_lat + grid.max_lat) / 2
        if locate(lon, lat) is not None:
            found.append((round(lon, 6), round(lat, 6)))
        if len(found) == n:
            break
    return found
