"""The score and the cells, without a database."""
from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from civicloop.duplicates import rules
from civicloop.lib.coords import distance_m

WEIGHTS = {"distance": 0.3, "category": 0.2, "time": 0.1, "text": 0.25, "photo": 0.15}


@given(lon=st.floats(97, 135), lat=st.floats(18, 53), bearing=st.floats(0, 2 * math.pi),
       metres=st.floats(0, 100), radius=st.integers(5, 500))
def test_a_point_within_the_radius_is_always_in_a_searched_cell(lon, lat, bearing, metres, radius):
    metres = min(metres, radius)
    dlat = metres * math.cos(bearing) / 111_320
    dlon = metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    other = (lon + dlon, lat + dlat)
    if distance_m(lon, lat, *other) <= radius:
        assert rules.cell_of(*other) in rules.cells_around(lon, lat, radius)


def test_the_same_report_twice_scores_full_marks():
    text = rules.cosine(rules.bigrams("垃圾桶满溢，垃圾散落一地"), rules.bigrams("垃圾桶满溢，垃圾散落一地"))
    s = rules.score(metres=0, radius_m=100, category_a="06042", category_b="06042", hours=0, window_hours=720,
                    text=text, hamming=0, weights=WEIGHTS)
    assert s.total == 1.0 and s.as_percent() == {"distance": 100, "category": 100, "time": 100, "text": 100,
                                                  "photo": 100}


def test_a_missing_photo_is_not_judged_and_does_not_lower_the_score():
    with_photo = rules.score(metres=50, radius_m=100, category_a=None, category_b="06042", hours=24,
                             window_hours=720, text=0.5, hamming=None, weights=WEIGHTS)
    assert with_photo.parts["photo"] is None and with_photo.parts["category"] == 0.5
    expected = (0.3 * 0.5 + 0.2 * 0.5 + 0.1 * (1 - 24 / 720) + 0.25 * 0.5) / 0.85
    assert abs(with_photo.total - expected) < 1e-4


def test_different_words_and_far_apart_score_low():
    text = rules.cosine(rules.bigrams("井盖丢失"), rules.bigrams("夜间噪声扰民"))
    s = rules.score(metres=95, radius_m=100, category_a="01001", category_b="06028", hours=600, window_hours=720,
                    text=text, hamming=40, weights=WEIGHTS)
    assert text == 0 and s.parts["photo"] == 0 and s.total < 0.1


def test_photos_within_ten_bits_are_the_same_picture():
    assert rules.photo_part(10) == 1.0 and rules.photo_part(21) == 0.5 and rules.photo_part(32) == 0.0
