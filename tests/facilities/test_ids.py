"""部件标识码 (GB/T 47678.5): 17 digits = 6 division + 2 major + 3 minor + 6 serial; made and checked."""
from __future__ import annotations

import pytest

from civicloop.core.errors import InvalidInput
from civicloop.facilities import rules, services
from civicloop.lib import codes
from tests.conftest import WENLAN

COMPONENTS = frozenset({"03005", "03001", "01001"})


def test_an_id_is_division_then_component_then_serial():
    assert codes.component_id("532503", "03005", 17) == "53250303005000017"
    assert rules.split_id("53250303005000017") == {"division": "532503", "major": "03", "component": "03005", "serial": 17}


def test_the_next_id_follows_the_highest_serial_in_use():
    assert rules.next_id("532503", "03005", None) == "53250303005000001"
    assert rules.next_id("532503", "03005", "53250303005000041") == "53250303005000042"
    with pytest.raises(ValueError):
        rules.next_id("532503", "03005", "53250303005999999")


@pytest.mark.parametrize("code, reason", [
    ("5325030300500001", "17位"),  # 16 digits
    ("53250303005000001X", "17位"),
    ("5325030300500000A", "17位"),
    ("53250306005000001", "01–05"),  # 06 is a matter class, not a component
    ("53250303005000000", "000000"),
    ("53250203005000001", "532503"),  # another county (个旧市 532501 would be refused too)
    ("53250103005000001", "532503"),
    ("53250303099000001", "03099"),  # no such component
])
def test_a_malformed_or_foreign_id_is_refused_with_its_reason(code, reason):
    problem = rules.facility_id_problem(code, county="532503", components=COMPONENTS)
    assert problem is not None and reason in problem


def test_a_good_id_passes():
    assert rules.facility_id_problem("53250303005000001", county="532503", components=COMPONENTS) is None


def test_a_legacy_16_digit_id_gains_a_digit_in_the_minor_class():
    assert codes.upgrade_legacy_component_id("5325030305000001") == "53250303005000001"
    assert codes.upgrade_legacy_component_id("53250303005000001") == "53250303005000001"


def test_registering_gives_consecutive_ids_and_the_place(db):
    first = services.register_facility(component="03005", name="垃圾箱A", lon=WENLAN[0], lat=WENLAN[1])
    second = services.register_facility(component="03005", name="垃圾箱B", lon=WENLAN[0], lat=WENLAN[1])
    toilet = services.register_facility(component="03001", name="公厕A", lon=WENLAN[0], lat=WENLAN[1])
    assert first.id.startswith("53250303005") and int(second.id) == int(first.id) + 1
    assert toilet.id.startswith("53250303001")
    assert first.street_id == "532503001" and len(first.grid_id) == 15 and first.grid_id.startswith(first.community_id)
    assert first.state == "intact" and first.initial_date is not None
    assert len(first.qr_token) >= 12 and first.qr_token != second.qr_token


def test_registering_with_a_wrong_county_or_category_id_is_refused(db):
    with pytest.raises(InvalidInput, match="532503"):
        services.register_facility(id="53250103005000001", component="03005", name="x", lon=WENLAN[0], lat=WENLAN[1])
    with pytest.raises(InvalidInput, match="部件代码"):
        services.register_facility(id="53250303001000001", component="03005", name="x", lon=WENLAN[0], lat=WENLAN[1])
    with pytest.raises(InvalidInput, match="03099"):
        services.register_facility(id="53250303099000001", component="03099", name="x", lon=WENLAN[0], lat=WENLAN[1])


def test_a_point_outside_the_city_is_refused(db):
    with pytest.raises(InvalidInput, match="网格"):
        services.register_facility(component="03005", name="x", lon=116.4, lat=39.9)


def test_keepers_titles_follow_the_component():
    assert rules.keeper_title("03001") == "所长"
    assert rules.keeper_title("03005") == "桶长"
    assert rules.keeper_title("05099", "洗手台") == "台长"
    assert rules.keeper_title("01001", "供水井盖") == "管护人"
