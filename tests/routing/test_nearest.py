"""The nearest worker index: in scope only, distance weighed against workload, same as brute force."""
from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from civicloop.routing.nearest import Worker, WorkerIndex

GRID = "532503001001003"
LON, LAT = 103.385, 23.367
M = 1 / 111_320  # about a metre of latitude, in degrees


def test_the_nearest_worker_in_scope_is_first():
    index = WorkerIndex([Worker(1, "far", LON, LAT + 500 * M, "532503001"), Worker(2, "near", LON, LAT + 100 * M, GRID),
                         Worker(3, "other street", LON, LAT + 10 * M, "532503102")])
    best = index.suggest(LON, LAT, grid=GRID, workload_m=0)
    assert [s.worker.name for s in best] == ["near", "far"]
    assert round(best[0].metres) == 100


def test_a_busy_worker_loses_to_a_free_one_a_little_further():
    index = WorkerIndex([Worker(1, "busy", LON, LAT + 100 * M, GRID, workload=3),
                         Worker(2, "free", LON, LAT + 600 * M, GRID, workload=0)])
    assert index.suggest(LON, LAT, grid=GRID, workload_m=500)[0].worker.name == "free"
    assert index.suggest(LON, LAT, grid=GRID, workload_m=100)[0].worker.name == "busy"


def test_city_wide_workers_cover_every_grid_and_an_empty_index_answers_nothing():
    assert WorkerIndex([Worker(1, "city", LON, LAT, "")]).suggest(LON, LAT, grid="532503204001001", workload_m=0)
    assert WorkerIndex([]).suggest(LON, LAT, grid=GRID, workload_m=0) == []


workers = st.lists(st.builds(Worker, st.integers(1, 10**6), st.just("w"),
                             st.floats(LON - 0.05, LON + 0.05), st.floats(LAT - 0.05, LAT + 0.05),
                             st.sampled_from(["", "532503001", "532503001001", GRID, "532503102", "532503001002"]),
                             st.integers(0, 5)), max_size=60, unique_by=lambda w: w.id)


@given(workers, st.floats(0, 2000))
def test_it_agrees_with_brute_force(found, k):
    index = WorkerIndex(found)
    got = index.suggest(LON, LAT, grid=GRID, workload_m=k, limit=3)
    in_scope = [w for w in found if GRID.startswith(w.area)]
    cos = math.cos(math.radians(index.lat0))

    def score(w):
        return math.hypot((w.lon - LON) * 111_320 * cos, (w.lat - LAT) * 111_320) + k * w.workload

    expected = sorted(in_scope, key=lambda w: (score(w), w.id))[:3]
    assert [round(s.score, 3) for s in got] == [round(score(w), 3) for w in expected]
