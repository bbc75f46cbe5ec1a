"""The search column and its trigram index exist on whichever database the tests run on."""
from __future__ import annotations

import pytest
from django.db import connection

from civicloop.gazetteer import search_index
from civicloop.gazetteer.models import DoorPlate, Poi, Road

pytestmark = pytest.mark.django_db


def _line(*points) -> str:
    return '{"type": "LineString", "coordinates": %s}' % [list(p) for p in points]


def test_every_entry_table_has_a_search_text_column():
    with connection.cursor() as cursor:
        for table in search_index.TABLES:
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            assert "search_text" in columns, table


def test_the_trigram_index_exists_on_this_database():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'gazetteer_%%'")
            defs = dict(cursor.fetchall())
            for table in search_index.TABLES:
                assert "gin_trgm_ops" in defs[search_index.trigram_index(table)]
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master")
            objects = dict(cursor.fetchall())
            for table in search_index.TABLES:
                assert "trigram" in objects[search_index.fts_table(table)]
                assert {f"{table}_fts_ai", f"{table}_fts_ad", f"{table}_fts_au"} <= set(objects)


def test_a_saved_road_is_found_by_its_alias_through_the_trigram_index():
    road = Road.objects.create(name="天马路", aliases="Ｔｉａｎｍａ大街", former_names="老城路",
                               geometry=_line((103.38, 23.36), (103.39, 23.36)))
    assert "天马大道" in road.search_text and "tianma大街" in road.search_text
    assert road.community_code  # the demo city's grids cover its core
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT id FROM gazetteer_road WHERE search_text LIKE %s", ["%老城路%"])
        else:
            cursor.execute("SELECT rowid FROM gazetteer_road_fts WHERE gazetteer_road_fts MATCH %s", ['"老城路"'])
        assert [row[0] for row in cursor.fetchall()] == [road.pk]
    road.former_names = ""
    road.save()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT rowid FROM gazetteer_road_fts WHERE gazetteer_road_fts MATCH %s", ['"老城路"'])
            assert cursor.fetchall() == []


def test_a_door_plate_number_is_normalised_for_matching():
    road = Road.objects.create(name="银河路", geometry=_line((103.38, 23.36), (103.39, 23.36)))
    plate = DoorPlate.objects.create(road=road, number="１２－３号",
                                     geometry='{"type": "Point", "coordinates": [103.385, 23.36]}')
    assert (plate.number_main, plate.number_sub, plate.number_key) == (12, 3, "12-3")
    assert plate.search_text == "银河路12-3号"


def test_a_lost_sqlite_trigger_is_put_back_and_the_index_rebuilt_after_migrate():
    """Django remakes a SQLite table for most field changes and SQLite drops its triggers with it."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's FTS5 table and triggers")
    with connection.cursor() as cursor:
        cursor.execute('DROP TRIGGER "gazetteer_poi_fts_ai"')
    poi = Poi.objects.create(name="蒙自火车站", geometry='{"type": "Point", "coordinates": [103.385, 23.367]}')
    search_index.ensure(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rowid FROM gazetteer_poi_fts WHERE gazetteer_poi_fts MATCH %s", ['"火车站"'])
        assert [row[0] for row in cursor.fetchall()] == [poi.pk]
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'gazetteer_poi_fts_ai'")
        assert cursor.fetchone()
