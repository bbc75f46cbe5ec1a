"""Inserts that share a round trip (civicloop/core/bulk.py, batch): on PostgreSQL a report's rows go out
as one statement; whatever runs in between still reads them; a block that raises leaves nothing.
SQLite sends each row at once (its statements are function calls), with the same results."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from civicloop.cases import services
from civicloop.cases.models import Case, CaseEvent
from civicloop.core import bulk
from civicloop.duplicates.models import OpenCase
from civicloop.org.models import User
from tests.conftest import WENLAN

SH = ZoneInfo("Asia/Shanghai")


def report(**kwargs):
    return services.report_case(actor=User.objects.get(username="operator"), channel="hotline", lon=WENLAN[0],
                                lat=WENLAN[1], description="垃圾满溢", now=datetime(2031, 6, 1, 10, tzinfo=SH), **kwargs)


def statements_writing(captured, table: str) -> list[str]:
    return [q["sql"] for q in captured if f'INSERT INTO "{table}"' in q["sql"]]


@pytest.mark.django_db
def test_a_report_and_its_index_row_go_out_as_one_statement_on_postgresql():
    with CaptureQueriesContext(connection) as captured:
        case = report()
    case_inserts = statements_writing(captured, "cases_case")
    assert len(case_inserts) == 1
    if connection.vendor == "postgresql":
        # The case, its first event and the duplicates index row (a receiver's) in the same statement.
        assert 'INSERT INTO "cases_caseevent"' in case_inserts[0]
        assert 'INSERT INTO "duplicates_opencase"' in case_inserts[0]
    else:
        assert len(statements_writing(captured, "cases_caseevent")) == 1
        assert len(statements_writing(captured, "duplicates_opencase")) == 1
    stored = Case.objects.get(pk=case.pk)
    assert stored.reference == case.reference
    assert CaseEvent.objects.get(case=stored, seq=1).pk == case.events.get().pk
    assert OpenCase.objects.filter(case_id=case.pk).exists()


@pytest.mark.django_db
def test_a_query_inside_the_batch_reads_the_rows_waiting_to_be_sent():
    with transaction.atomic(), bulk.batch():
        case = report()
        # Nothing has been sent for the case yet on PostgreSQL: this query sends it first.
        assert Case.objects.filter(pk=case.pk, reference=case.reference).exists()
        assert OpenCase.objects.filter(case_id=case.pk).count() == 1
        later = report()
    assert Case.objects.filter(pk__in=[case.pk, later.pk]).count() == 2


@pytest.mark.django_db
def test_a_batch_that_raises_leaves_no_rows():
    before = Case.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic(), bulk.batch():
        report()
        raise RuntimeError("the caller failed after the report")
    assert Case.objects.count() == before
    assert not OpenCase.objects.exists()
    assert report().pk is not None  # the connection is left as it was


@pytest.mark.django_db
def test_a_repeated_client_key_inside_a_callers_batch_still_answers_with_the_first_case():
    first = report(client_key="call-7")
    with transaction.atomic(), bulk.batch():
        again = report(client_key="call-7")
    assert again.pk == first.pk
    assert Case.objects.filter(client_key="call-7").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.transactional
def test_a_batch_outside_a_transaction_is_refused_on_postgresql():
    if connection.vendor == "postgresql":  # its rows would otherwise wait past the end of the work
        with pytest.raises(RuntimeError, match="transaction"), bulk.batch():
            pass
    else:
        with bulk.batch():  # SQLite: nothing waits, so nothing needs one
            pass
    assert bulk.execute_after("SELECT 1", []) == [(1,)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.transactional
def test_two_open311_posts_with_one_client_key_at_once_make_one_case():
    """B's lookups miss A's uncommitted case; on PostgreSQL B's batched insert then waits on the unique
    client key and fails when A commits, and B answers with A's case (SQLite: B waits for A's write
    lock and finds it)."""
    import threading
    import time

    from django.db import connections

    from civicloop.demo import city as demo_city
    from civicloop.geo.models import Grid
    from civicloop.open311 import services as open311

    if not Grid.objects.exists():  # an earlier transactional test flushed it
        demo_city.build_city()
    key, _raw = open311.issue_key(name="twice", rate_per_minute=100)
    sub = open311.Submission(service_code="06010", lat=str(WENLAN[1]), lon=str(WENLAN[0]), address="",
                             description="井盖破损", reporter_name="", reporter_phone="", device_id="", media_url="",
                             attributes={}, client_key=open311.client_key_for(key, "retry-1"))
    a_sent, answers, errors = threading.Event(), {}, []

    def poster(name):
        try:
            if name == "a":
                with transaction.atomic():
                    answers["a"] = open311.submit(key, sub)
                    a_sent.set()
                    time.sleep(0.5)  # B is now waiting on A's row (PostgreSQL) or on the write lock
            else:
                a_sent.wait(timeout=30)
                answers["b"] = open311.submit(key, sub)
        except Exception as exc:  # noqa: BLE001 - reported below, with the thread's name
            errors.append((name, exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=poster, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    (case_a, _row_a, new_a), (case_b, _row_b, new_b) = answers["a"], answers["b"]
    assert (new_a, new_b) == (True, False)
    assert case_b.reference == case_a.reference
    assert Case.objects.filter(client_key=sub.client_key).count() == 1
