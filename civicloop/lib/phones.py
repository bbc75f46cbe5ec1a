"""Phone numbers inside free text (a case's description shown in public), found and masked in place.

A reporter types a number however the phone's keyboard or habit gives it: ASCII or full-width digits
(１３８…, what a Chinese input method in full-width mode writes), grouped by a space, a full-width space,
a dash of any width, a dot or a middle dot, or one digit at a time — and sometimes several of these in
one number. So a number here is its digits with at most one separator between any two of them, and
masking replaces only the middle digits: the separators and the text around stay as they were.

Mainland numbers only (GB/T and MIIT numbering): a mobile is 11 digits, 1[3-9]…; a landline has an
area code, 010 and 02x followed by 8 digits, every other 0xxx by 7 or 8, and a subscriber number
never begins with 0 or 1. Either may carry the country code (+86, 0086; a bare 86 before a mobile,
as `citizens.services.normalise_phone` accepts). A landline without its area code is not looked for:
7–8 bare digits are as often an amount or a count.
"""
from __future__ import annotations

import re

_DIGIT = "0-9\uff10-\uff19"  # ASCII and full-width ０-９ (not \d: that is any script's digits)
# One character between two digits of a number: spaces (ASCII, no-break, thin, full-width), hyphens
# and dashes (- ‐ ‑ ‒ – — ― − ﹣ －), dots (. ． · • ・ ･). Not / or : (dates and times), not , (amounts).
_SEPARATORS = " \t\u00a0\u2009\u202f\u3000\\-\u2010-\u2015\u2212\ufe63\uff0d.\uff0e\u00b7\u2022\u30fb\uff65"
_DECIMAL_POINTS = frozenset(".\uff0e")

D = f"[{_DIGIT}]"
S = f"[{_SEPARATORS}]"


def _digit(chars: str) -> str:
    """A class of the given ASCII digits and their full-width forms: _digit("3-9") → [3-9３-９]."""
    wide = re.sub(r"\d", lambda m: chr(ord(m.group()) - ord("0") + 0xFF10), chars)
    return f"[{chars}{wide}]"


def _digits(count: str) -> str:
    """More digits, each optionally after one separator; `count` is a regex repeat such as {9}."""
    return f"(?:{S}?{D}){count}"


_PLUS_OR_00 = f"(?:[+\uff0b]|{_digit('0')}{S}?{_digit('0')})"
_86 = f"{_digit('8')}{S}?{_digit('6')}"
_MOBILE = f"(?:(?:{_PLUS_OR_00}{S}?)?{_86}{S}?)?(?P<mobile>{_digit('1')}{S}?{_digit('3-9')}{_digits('{9}')})"
# The area code without its trunk 0: 10, 2x, or three digits from 3xx to 9xx.
_AREA = f"(?:{_digit('1')}{S}?{_digit('0')}|{_digit('2')}{S}?{D}|{_digit('3-9')}{_digits('{2}')})"
_OPEN, _CLOSE = "[(\uff08]", "[)\uff09]"  # (0571) and （0571）
_LANDLINE = (f"(?:{_PLUS_OR_00}{S}?{_86}{S}?{_OPEN}?(?P<area_intl>{_AREA})"
             f"|{_OPEN}?(?P<area>{_digit('0')}{S}?{_AREA})){_CLOSE}?{S}?"
             f"(?P<subscriber>{_digit('2-9')}{_digits('{6,7}')})")
# Not inside a longer run of digits: no digit right before or after. The first lookahead only makes
# the scan cheap: most characters of a description cannot begin a number.
PHONE = re.compile(f"(?=[+\uff0b(\uff08{_DIGIT}])(?<!{D})(?:{_MOBILE}|{_LANDLINE})(?!{D})")
_IS_DIGIT = re.compile(D)


def mask_phones(text: str) -> str:
    """`text` with the middle digits of every phone number in it replaced by '*': a mobile keeps its
    first three and last four digits, a landline its area code and last four."""
    return PHONE.sub(_masked, text) if text else text


def _masked(match: re.Match) -> str:
    if _is_decimal(match.group()):
        return match.group()
    if match.group("mobile") is not None:
        return _mask_span(match, "mobile", keep_first=3)
    area = _IS_DIGIT.findall(match.group("area_intl") or match.group("area")[1:])  # without the trunk 0
    if int(area[0]) in (1, 2) and len(_IS_DIGIT.findall(match.group("subscriber"))) != 8:
        return match.group()  # 010 and 02x numbers have 8 digits: anything else is not a phone
    return _mask_span(match, "subscriber", keep_first=0)


def _is_decimal(found: str) -> bool:
    """138000000.00 is an amount, not 138 0000 0.00: one decimal point as the only separator, and no
    leading 0 or + (0571.88888888 is an area code and a number)."""
    if not _IS_DIGIT.match(found[0]) or int(found[0]) == 0:
        return False
    separators = [char for char in found if not _IS_DIGIT.match(char)]
    return len(separators) == 1 and separators[0] in _DECIMAL_POINTS


def _mask_span(match: re.Match, group: str, *, keep_first: int) -> str:
    """The match with the digits of `group` starred, except its first `keep_first` and last four."""
    start, end = match.span(group)
    part = match.string[start:end]
    positions = [i for i, char in enumerate(part) if _IS_DIGIT.match(char)]
    hidden = set(positions[keep_first:-4])
    starred = "".join("*" if i in hidden else char for i, char in enumerate(part))
    offset = match.start()
    return match.group()[:start - offset] + starred + match.group()[end - offset:]
