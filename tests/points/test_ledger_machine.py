"""Any sequence of earning, spending (the mall), refunds (cancelled orders), reversals and replayed
idempotency keys keeps every balance equal to the sum of its entries and never below zero; a
replayed key changes nothing. The model below is the truth the database must agree with."""
from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, initialize, invariant, rule, run_state_machine_as_test

from civicloop.citizens.models import Citizen
from civicloop.core.errors import Conflict
from civicloop.points import queries, services
from civicloop.points.models import Entry, Item, Order

pytestmark = pytest.mark.django_db

PEOPLE = 3


class Ledger(RuleBasedStateMachine):
    earned_keys = Bundle("earned_keys")
    orders = Bundle("orders")

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()  # each example in its own savepoint, rolled back after
        self._atomic.__enter__()
        self.expected: dict[int, int] = {}
        self.amount_of: dict[str, tuple[int, int]] = {}  # key → (citizen, amount) as first posted
        self.n = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize()
    def people_and_goods(self):
        Citizen.objects.filter(phone__startswith="1350").delete()
        self.people = [Citizen.objects.create(phone=f"1350000{i:04d}").pk for i in range(PEOPLE)]
        self.expected = {pk: 0 for pk in self.people}
        self.items = [Item.objects.create(name=f"物品{p}", price=p, stock=1000).pk for p in (1, 7, 25)]

    def _key(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}:{self.n}"

    @rule(target=earned_keys, who=st.integers(0, PEOPLE - 1), amount=st.integers(1, 60))
    def earn(self, who, amount):
        pk, key = self.people[who], self._key("earn")
        services.post(citizen_id=pk, amount=amount, kind="earn", key=key, reason="上报立案")
        self.expected[pk] += amount
        self.amount_of[key] = (pk, amount)
        return key

    @rule(key=earned_keys, amount=st.integers(-100, 100).filter(bool))
    def replay_a_key(self, key, amount):
        """The same key again, even with another amount or sign: nothing changes."""
        pk, first = self.amount_of[key]
        entry, created = services.post(citizen_id=pk, amount=amount, kind="earn", key=key, reason="重放")
        assert not created and entry.amount == first

    @rule(target=orders, who=st.integers(0, PEOPLE - 1), item=st.integers(0, 2), tap=st.booleans())
    def spend(self, who, item, tap):
        pk, item_pk = self.people[who], self.items[item]
        price = Item.objects.get(pk=item_pk).price
        citizen = Citizen.objects.get(pk=pk)
        client_key = self._key("tap")
        try:
            order = services.redeem(citizen, item_pk, client_key=client_key)
        except services.InsufficientPoints:
            assert self.expected[pk] < price
            return None
        assert self.expected[pk] >= price
        self.expected[pk] -= price
        if tap:  # a double tap: the same client key orders nothing more
            assert services.redeem(citizen, item_pk, client_key=client_key).pk == order.pk
        return order.pk

    @rule(order=consumes(orders), twice=st.booleans())
    def refund(self, order, twice):
        if order is None:
            return
        cancelled = services.cancel_order(order)
        self.expected[cancelled.citizen_id] += cancelled.points
        if twice:
            with pytest.raises(Conflict):
                services.cancel_order(order)

    @rule(key=earned_keys, replay=st.booleans())
    def reverse(self, key, replay):
        """追回 an earning; refused (and nothing written) when the points are already spent."""
        pk, amount = self.amount_of[key]
        reversal_key = f"reversal:{key}"
        already = Entry.objects.filter(key=reversal_key).exists()
        try:
            _entry, created = services.post(citizen_id=pk, amount=-amount, kind="reversal", key=reversal_key,
                                            reason="作废追回")
        except services.InsufficientPoints:
            assert not already and self.expected[pk] < amount
            return
        assert created != already
        if created:
            self.expected[pk] -= amount
        if replay:
            assert not services.post(citizen_id=pk, amount=-amount, kind="reversal", key=reversal_key, reason="重放")[1]

    @invariant()
    def balances_are_sums_and_never_negative(self):
        if not self.expected:
            return
        for pk, want in self.expected.items():
            got = services.balance(pk)
            assert got == want and got >= 0
        assert queries.balances_agree(self.people) == []
        for item in Item.objects.filter(pk__in=self.items):
            assert item.stock + Order.objects.filter(item=item, status="placed").count() == 1000


def test_any_sequence_keeps_balances_equal_to_entry_sums(db):
    run_state_machine_as_test(Ledger, settings=settings(max_examples=40, stateful_step_count=25, deadline=None,
                                                        database=None, suppress_health_check=list(HealthCheck)))
