"""Phone numbers in public descriptions are masked however they are written (security probe finding):
full-width digits, any single separator between digits, mixes of both, +86/0086 in front; and
ordinary numbers (house numbers, dates, case references, amounts) are left alone."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicloop.cases import services as cases
from civicloop.open311 import queries
from civicloop.open311.rules import mask_phones  # what the Open311 feed shows
from tests.conftest import WENLAN

WIDE = {str(n): chr(0xFF10 + n) for n in range(10)}  # 0 → ０
SEPARATORS = [" ", "-", "\u3000", "\uff0d", "\u2014", "\u2013", ".", "\u00b7", "\uff0e", "\u30fb", "\u00a0"]


# ---------------------------------------------------------------------------- named examples

@pytest.mark.parametrize(("text", "shown"), [
    ("电话13812345678", "电话138****5678"),
    ("电话１３８１２３４５６７８", "电话１３８****５６７８"),
    ("138 1234 5678", "138 **** 5678"),
    ("138\u30001234\u30005678", "138\u3000****\u30005678"),
    ("138－1234－5678", "138－****－5678"),
    ("138—1234—5678", "138—****—5678"),
    ("138.1234.5678", "138.****.5678"),
    ("138·1234·5678", "138·****·5678"),
    ("1 3 8 1 2 3 4 5 6 7 8", "1 3 8 * * * * 5 6 7 8"),
    ("１38-1234 ５６７８", "１38-**** ５６７８"),
    ("+86 138 1234 5678", "+86 138 **** 5678"),
    ("+8613812345678", "+86138****5678"),
    ("0086-13812345678", "0086-138****5678"),
    ("电话0571-88886666找王师傅", "电话0571-****6666找王师傅"),
    ("（０８７６）８８８６６６６", "（０８７６）***６６６６"),
    ("010 6552 9988", "010 **** 9988"),
    ("+86 10 6552 9988", "+86 10 **** 9988"),
    ("2026-12-05 打13812345678，12号楼", "2026-12-05 打138****5678，12号楼"),
])
def test_a_phone_number_is_masked_in_place_however_it_is_written(text, shown):
    assert mask_phones(text) == shown


@pytest.mark.parametrize("text", [
    "天马路12号3栋1502室",
    "2026-12-05 08:30 发现",
    "2026.12.05、2026年12月5日",
    "案件 532503-20261205-000123 已结案",
    "赔偿金额138000000.00元",
    "共计 13,812,345,678 元",
    "经度 103.38512345，纬度 23.36712345",
    "13812345678901",  # 14 digits: not a phone
])
def test_ordinary_numbers_are_not_masked(text):
    assert mask_phones(text) == text


# ---------------------------------------------------------------------------- properties

# Text around a number: anything but a digit or a separator (those would make it a longer number).
around = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Nd", "Zs", "Pd", "Po", "Sm")),
                 max_size=8)


@st.composite
def written(draw, digits: str) -> tuple[str, list[int]]:
    """`digits` as a person might type them: each digit ASCII or full-width, between two digits
    nothing or one separator. Returns the text and the index in it of each digit."""
    text, where = "", []
    for n, digit in enumerate(digits):
        if n and draw(st.booleans()):
            text += draw(st.sampled_from(SEPARATORS))
        where.append(len(text))
        text += WIDE[digit] if draw(st.booleans()) else digit
    if [char for n, char in enumerate(text) if n not in where] in (["."], ["\uff0e"]):
        # One decimal point and nothing else (1381234.5678) reads as a decimal number, left alone by
        # design: a space in its place keeps every digit where it was.
        text = text.replace(".", " ").replace("\uff0e", " ")
    return text, where


def starred(text: str, where: list[int], hidden: range) -> str:
    chars = list(text)
    for n in hidden:
        chars[where[n]] = "*"
    return "".join(chars)


mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
# An area code (010, 02x, 0xxx) with the subscriber number that goes with it (8 digits; 7 or 8).
landlines = st.one_of(st.from_regex(r"0(10|2[0-9])[2-9][0-9]{7}", fullmatch=True),
                      st.from_regex(r"0[3-9][0-9]{2}[2-9][0-9]{6,7}", fullmatch=True))


@given(number=mobiles, data=st.data(), before=around, after=around)
def test_any_written_mobile_keeps_only_its_first_three_and_last_four_digits(number, data, before, after):
    text, where = data.draw(written(number))
    masked = mask_phones(before + text + after)
    assert masked == before + starred(text, where, range(3, 7)) + after


@given(number=landlines, data=st.data(), before=around, after=around)
def test_any_written_landline_keeps_its_area_code_and_last_four_digits(number, data, before, after):
    text, where = data.draw(written(number))
    area = 3 if number[1] in "12" else 4
    assert mask_phones(before + text + after) == before + starred(text, where, range(area, len(number) - 4)) + after


@given(number=mobiles, prefix=st.sampled_from(["+86", "+86 ", "＋８６", "0086", "0086-", "００８６ ", "86"]))
def test_a_country_code_in_front_does_not_hide_a_mobile(number, prefix):
    assert mask_phones(f"电话{prefix}{number}。") == f"电话{prefix}{number[:3]}****{number[-4:]}。"


@given(text=st.text(max_size=60))
def test_masking_only_ever_stars_digits(text):
    masked = mask_phones(text)
    assert len(masked) == len(text)
    assert all(a == b or (b == "*" and a in "0123456789" + "".join(WIDE.values())) for a, b in zip(text, masked))


@given(year=st.integers(2000, 2099), month=st.integers(1, 12), day=st.integers(1, 28),
       sep=st.sampled_from(["-", ".", "/", " "]), house=st.integers(1, 9999), room=st.integers(101, 3299),
       serial=st.integers(1, 999_999), yuan=st.integers(0, 999_999_999), fen=st.integers(0, 99))
def test_dates_addresses_references_and_amounts_stay_as_written(year, month, day, sep, house, room, serial, yuan, fen):
    text = (f"{year}{sep}{month:02d}{sep}{day:02d} 天马路{house}号{room}室，案件532503-{year}{month:02d}{day:02d}-"
            f"{serial:06d}，金额{yuan}.{fen:02d}元，{yuan:,}元")
    assert mask_phones(text) == text


# ---------------------------------------------------------------------------- through the feed

@pytest.mark.django_db
def test_the_open311_feed_shows_a_full_width_number_masked(client, settings):
    settings.OPEN311_PUBLIC_DESCRIPTIONS, settings.OPEN311_LIST_CACHE_SECONDS = "all", 0
    queries.pages.clear()
    case = cases.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1], category="01001",
                             description="井盖丢失，请联系 １３９ １２３４ ５６７８ 或 0871－6543 2100")
    body = client.get(f"/open311/v2/requests/{case.reference}.json").json()
    queries.pages.clear()
    assert body[0]["description"] == "井盖丢失，请联系 １３９ **** ５６７８ 或 0871－**** 2100"
