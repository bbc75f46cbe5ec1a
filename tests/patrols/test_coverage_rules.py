"""Coverage as pure functions: cells inside the grid, the cells a walk passed, gaps not bridged."""
from __future__ import annotations

from shapely.geometry import box

from civicloop.patrols import rules


def square(size_m: float):
    return box(0, 0, size_m, size_m)


def test_a_lawn_mower_walk_covers_the_whole_grid_and_half_a_walk_about_half():
    centres = rules.cells(square(100), cell_m=20, max_cells=2500)
    assert len(centres) == 25
    full = [(i, x, y) for i, (x, y) in enumerate((x, y) for y in (10, 50, 90) for x in (0, 100))]
    parts = rules.runs(full, max_gap_s=300, max_jump_m=300)
    assert rules.coverage(centres, rules.track_geometry(parts), see_m=25).fraction == 1.0
    half = rules.runs([(0, 0, 10), (1, 100, 10), (2, 100, 35), (3, 0, 35)], max_gap_s=300, max_jump_m=300)
    result = rules.coverage(centres, rules.track_geometry(half), see_m=25)
    assert 0.3 <= result.fraction <= 0.7


def test_big_rural_grids_get_bigger_cells_and_a_sliver_still_has_one():
    assert 2000 <= len(rules.cells(square(2000), cell_m=20, max_cells=2500)) <= 2500
    assert len(rules.cells(box(0, 0, 5, 5), cell_m=20, max_cells=2500)) == 1


def test_no_line_is_drawn_across_a_lost_signal():
    track = [(0, 0, 0), (10, 10, 0), (1000, 20, 0), (1010, 600, 0), (1020, 610, 0)]
    parts = rules.runs(track, max_gap_s=300, max_jump_m=300)
    assert [len(p) for p in parts] == [2, 1, 2]
    assert rules.path_length(parts) == 20


def test_no_track_covers_nothing():
    centres = rules.cells(square(100), cell_m=20, max_cells=2500)
    assert rules.coverage(centres, None, see_m=25).visited == 0
