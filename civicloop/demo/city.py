"""The demo city 蒙自市 (532503): real division codes and names, schematic grids, its departments,
local category configuration and a staff member for every role. Deterministic; idempotent."""
from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction

from civicloop.core import revisions
from civicloop.geo import demo_geography
from civicloop.geo.index import REVISION, as_geojson
from civicloop.geo.models import Division, Grid
from civicloop.org.models import Department, User
from civicloop.org.roles import Role, Scope
from civicloop.taxonomy.loading import ensure_default_limits, load_standard
from civicloop.taxonomy.models import Category, Component, DepartmentRoute, Priority, TimeLimit

DEMO_PASSWORD = "civicloop-demo"
URBAN_STREETS = ["532503001", "532503002", "532503003", "532503004", "532503005"]

DEPARTMENTS = [  # code, name
    ("cgj", "城市管理局"),
    ("hwz", "环境卫生管理站"),
    ("zjj", "住房和城乡建设局"),
    ("scjg", "市场监督管理局"),
    ("jtys", "交通运输局"),
    ("swj", "水务局"),
    ("gdj", "供电局"),
    ("yls", "园林绿化所"),
    ("szgs", "市政工程公司"),
]

# Default department by major class, then by single category (local configuration, not the standard).
BY_MAJOR = {"01": "szgs", "02": "jtys", "03": "hwz", "04": "yls", "05": "cgj", "06": "cgj", "07": "cgj",
            "08": "zjj", "09": "cgj", "10": "cgj"}
BY_CATEGORY = {
    "01001": "swj", "01002": "swj", "01003": "swj", "01004": "swj", "01005": "gdj",
    "06010": "hwz", "06011": "hwz", "06012": "hwz", "06014": "hwz", "06041": "hwz", "06042": "hwz",
    "06013": "szgs", "06049": "szgs", "06050": "szgs", "06051": "szgs",
    "06017": "yls", "06018": "yls", "06021": "yls", "06022": "yls", "06045": "yls",
    "06026": "swj", "06030": "swj", "09015": "scjg", "09020": "scjg", "09009": "jtys",
}
# Rural towns have no sanitation station of their own: their street office cleans up.
RURAL_SANITATION = ["06010", "06011", "06012", "06042"]

# Handling limits (domain.md §2 examples): (category, condition, amount, unit)
HANDLE_LIMITS = [
    ("06010", "", "4", "WH"), ("06010", "成堆、成片", "1", "WD"), ("06011", "", "1", "WD"),
    ("06012", "", "3", "WH"), ("06042", "", "4", "WH"), ("06013", "", "5", "WD"),
    ("06001", "", "15", "WD"), ("06001", "停工", "4", "WH"), ("07001", "", "1", "WD"),
    ("09005", "", "2", "WH"), ("09006", "", "2", "WH"), ("09009", "", "2", "WH"),
]
MANHOLE_PREFIX = "01"  # 井盖异常: on site within 2 hours, fix at once; top priority


def build_city(*, stdout=None) -> None:
    with transaction.atomic():
        _geography(stdout)
        _departments()
        _categories()
        _staff()


def _say(stdout, text: str) -> None:
    if stdout:
        stdout.write(text)


def _geography(stdout) -> None:
    geo = demo_geography.build()
    polygons = {d.code: d.polygon for d in geo.divisions}
    for code, name, level, parent in demo_geography.load_divisions():
        Division.objects.update_or_create(code=code, defaults={
            "name": name, "level": level, "parent_id": parent,
            "geometry": as_geojson(polygons[code]) if code in polygons else "",
        })
    existing = set(Grid.objects.values_list("code", flat=True))
    new = [Grid(code=g.code, name=g.name, community_id=g.community_code, geometry=as_geojson(g.polygon),
                min_lon=g.polygon.bounds[0], min_lat=g.polygon.bounds[1], max_lon=g.polygon.bounds[2],
                max_lat=g.polygon.bounds[3]) for g in geo.grids if g.code not in existing]
    Grid.objects.bulk_create(new, batch_size=1000)
    if new:
        revisions.bump(REVISION)  # bulk_create sends no signals
    _say(stdout, f"  区划 {len(polygons)}，网格 {len(geo.grids)} (divisions, grids)\n")


def _departments() -> None:
    for code, name in DEPARTMENTS:
        Department.objects.update_or_create(code=code, defaults={"name": name, "kind": Department.Kind.PROFESSIONAL})
    for street in Division.objects.filter(level=Division.Level.STREET):
        Department.objects.update_or_create(code=f"jd-{street.code}", defaults={
            "name": f"{street.name}办事处", "kind": Department.Kind.STREET_OFFICE, "division": street})


def _categories() -> None:
    if not Category.objects.exists():  # e.g. after a test flushed the migration's rows
        load_standard(Component, Category)
        ensure_default_limits(TimeLimit)
    for category in Category.objects.filter(is_local=False):
        category.department_id = BY_CATEGORY.get(category.code, BY_MAJOR.get(category.major_code))
        category.priority = Priority.CRITICAL if _is_manhole(category) else Priority.NORMAL
        category.keywords = category.name.replace("异常", "")
        category.save(update_fields=["department", "priority", "keywords"])
    rural = Division.objects.filter(level=Division.Level.STREET).exclude(code__in=URBAN_STREETS)
    for street in rural:
        for code in RURAL_SANITATION:
            DepartmentRoute.objects.update_or_create(category_id=code, street=street,
                                                     defaults={"department_id": f"jd-{street.code}"})
    for code, condition, amount, unit in HANDLE_LIMITS:
        TimeLimit.objects.update_or_create(category_id=code, condition=condition, stage="handle",
                                           defaults={"amount": amount, "unit": unit})
    for category in Category.objects.filter(name__contains="井盖"):
        TimeLimit.objects.update_or_create(category=category, condition="", stage="handle",
                                           defaults={"amount": "2", "unit": "NH"})


def _is_manhole(category) -> bool:
    return category.major_code == MANHOLE_PREFIX and "井盖" in category.name


def _staff() -> None:
    """Named personas for the demo and the tests: every role, several scopes."""
    people = [
        ("admin", "系统管理员", Role.ADMIN, Scope.CITY, {}),
        ("operator", "受理员 李娜", Role.OPERATOR, Scope.CITY, {}),
        ("operator_wenlan", "文澜受理员 张敏", Role.OPERATOR, Scope.STREET, {"scope_division_id": "532503001"}),
        ("operator_caoba", "草坝受理员 王强", Role.OPERATOR, Scope.STREET, {"scope_division_id": "532503102"}),
        ("leader", "值班长 陈刚", Role.SHIFT_LEADER, Scope.CITY, {}),
        ("dispatcher", "派遣员 刘洋", Role.DISPATCHER, Scope.CITY, {}),
        ("commander", "指挥长 赵磊", Role.COMMANDER, Scope.CITY, {}),
    ]
    for street in Division.objects.filter(level=Division.Level.STREET):
        people.append((f"inspector_{street.code[-3:]}", f"{street.name}监督员", Role.INSPECTOR, Scope.STREET,
                       {"scope_division_id": street.code}))
        people.append((f"handler_jd{street.code[-3:]}", f"{street.name}办事处处置员", Role.HANDLER, Scope.DEPARTMENT,
                       {"department_id": f"jd-{street.code}"}))
    for code, name in DEPARTMENTS:
        people.append((f"handler_{code}", f"{name}处置员", Role.HANDLER, Scope.DEPARTMENT, {"department_id": code}))
    first_grid = Grid.objects.filter(community__parent_id="532503001").order_by("code").first()
    people.append(("gridworker", "网格员 杨芳", Role.GRID_WORKER, Scope.GRID, {"scope_grid_id": first_grid.code}))
    password = make_password(DEMO_PASSWORD)  # hashing is slow on purpose: do it once for all
    for username, name, role, scope, extra in people:
        _person(username, name, role, scope, extra, password)
    first_grid.workers.add(User.objects.get(username="gridworker"))


def _person(username, name, role, scope, extra, password) -> User:
    user, created = User.objects.update_or_create(username=username, defaults={
        "display_name": name, "role": role, "scope": scope, "is_staff": role == Role.ADMIN,
        "is_superuser": role == Role.ADMIN, **extra})
    if created:
        user.password = password
        user.save(update_fields=["password"])
    return user
