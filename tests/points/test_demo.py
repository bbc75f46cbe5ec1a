"""The demo seed gives a clicking visitor a mall, a keeper, a citizen with history and volunteer activities."""
from __future__ import annotations

import io

import pytest

from civicloop.points import demo, queries
from civicloop.points.models import Item, Order
from civicloop.volunteers import demo as volunteers_demo
from civicloop.volunteers.models import Activity

pytestmark = pytest.mark.django_db


def test_the_demo_seed_is_complete_and_idempotent():
    out = io.StringIO()
    demo.seed(out)
    volunteers_demo.seed(out)
    demo.seed(out)
    volunteers_demo.seed(out)
    assert Item.objects.count() == 6 and Activity.objects.count() == 3
    order = Order.objects.get(citizen__phone="13800138000")
    assert order.status == "placed"
    assert queries.balances_agree() == []
    from civicloop.org.models import User

    assert User.objects.get(username="mallkeeper").has_perm("points.keep_mall")
    assert User.objects.get(username="leader").has_perm("points.manage_points")
