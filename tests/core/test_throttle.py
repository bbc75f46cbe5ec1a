"""One table of counted tries (core.Throttle) for every limit: tries in a window, a lockout after N
failures, a fixed-window rate limit; and the worker forgets old ones."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone as tz

import pytest

from civicloop.core import throttle
from civicloop.core.models import Throttle

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 10, 0, 30, tzinfo=tz.utc)
MINUTE = timedelta(minutes=1)


def test_tries_are_counted_in_their_window_only():
    for seconds in (-90, -50, -10, 0):
        throttle.hit("k", now=NOW + timedelta(seconds=seconds))
    assert throttle.hits("k", MINUTE, now=NOW) == 3
    assert throttle.hits("other", MINUTE, now=NOW) == 0


def test_tries_at_the_same_instant_all_count():
    for _ in range(3):
        throttle.hit("k", now=NOW)
    assert throttle.hits("k", MINUTE, now=NOW) == 3 and Throttle.objects.count() == 1
    assert throttle.oldest_within("k", MINUTE, 3, now=NOW) == NOW


def test_a_key_is_locked_a_window_after_the_failure_that_reached_the_limit():
    window = timedelta(minutes=15)
    for minutes in (0, 1, 2):
        throttle.hit("login-user:x", now=NOW + timedelta(minutes=minutes))
    later = NOW + timedelta(minutes=3)
    assert throttle.locked_until("login-user:x", window, 4, now=later) is None
    assert throttle.locked_until("login-user:x", window, 3, now=later) == NOW + window
    assert throttle.locked_until("login-user:x", window, 3, now=NOW + window + timedelta(seconds=1)) is None
    throttle.clear("login-user:x")
    assert throttle.locked_until("login-user:x", window, 3, now=later) is None


def test_a_fixed_window_admits_the_limit_and_turns_over():
    assert [throttle.take("o", window=MINUTE, limit=2, now=NOW) for _ in range(3)] == [True, True, False]
    assert throttle.take("p", window=MINUTE, limit=2, now=NOW)  # each key its own window
    assert throttle.take("o", window=MINUTE, limit=2, now=NOW + MINUTE)  # the next minute
    assert throttle.totals("o", NOW - MINUTE) == {"o": 3}
    assert Throttle.objects.filter(key="o").count() == 2  # one row a window


def test_the_staff_lockout_counts_failures_since_the_last_success(settings):
    from civicloop.org import services

    settings.LOGIN_MAX_FAILURES, settings.LOGIN_MAX_FAILURES_PER_IP = 3, 5
    for n in range(2):
        services.record_login("Operator", "10.0.0.1", succeeded=False, now=NOW + timedelta(seconds=n))
    services.record_login("operator", "10.0.0.1", succeeded=True, now=NOW + timedelta(seconds=2))
    for n in range(2):
        services.record_login("operator", "10.0.0.1", succeeded=False, now=NOW + timedelta(seconds=3 + n))
    assert services.lockout("operator", "10.0.0.2", now=NOW + timedelta(seconds=10)) is None
    services.record_login("operator", "10.0.0.1", succeeded=False, now=NOW + timedelta(seconds=5))
    locked = services.lockout("OPERATOR", "10.0.0.2", now=NOW + timedelta(seconds=10))
    assert locked.until == NOW + timedelta(seconds=3, minutes=settings.LOGIN_LOCK_MINUTES)
    # The address counted all five failures, the success between them too.
    assert services.lockout("someone", "10.0.0.1", now=NOW + timedelta(seconds=10)) is not None


def test_the_worker_forgets_old_tries():
    throttle.hit("old", now=NOW - timedelta(days=3))
    throttle.take("o", window=MINUTE, limit=5, now=NOW - timedelta(days=3))
    throttle.hit("new", now=NOW)
    assert throttle.forget_old(now=NOW) == 2
    assert list(Throttle.objects.values_list("key", flat=True)) == ["new"]
