"""Steps a person takes in the consoles, shared by the browser tests (Playwright, UI only)."""
from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

from playwright.sync_api import Page, expect


def png_file(folder: Path, name: str, colour: tuple[int, int, int]) -> Path:
    """A real 32×24 PNG photo stand-in (solid colour), as a phone would upload a file."""
    width, height = 32, 24
    raw = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    body = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    path = folder / name
    path.write_bytes(body)
    return path


def open_from_queue(page: Page, site: str, queue: str, reference: str) -> None:
    """Go to the queue and click the case in the list (the list refreshes itself)."""
    if f"/console/q/{queue}/" not in page.url:
        page.goto(f"{site}/console/q/{queue}/")
    item = page.locator(f'.queue-list li[data-reference="{reference}"] a')
    expect(item).to_be_visible(timeout=10_000)
    with page.expect_response(lambda r: f"/cases/{reference}/panel" in r.url):
        item.click()
    page.wait_for_timeout(50)  # let htmx settle the swap before typing
    expect(page.locator(f'#panel .case[data-reference="{reference}"]')).to_be_visible()


def open_action(page: Page, action: str) -> None:
    details = page.locator(f'#panel details[data-action="{action}"]')
    if not details.evaluate("d => d.open"):
        details.locator("summary").click()


def submit_action(page: Page, action: str) -> None:
    page.locator(f'#panel details[data-action="{action}"] button[type=submit]').click()


def expect_done(page: Page, label: str, reference: str) -> None:
    expect(page.locator("#panel .notice")).to_contain_text(re.compile(f"{label}[:：] ?{reference}"))


def click_simple(page: Page, action: str) -> None:
    page.locator(f'#panel button[data-action="{action}"]').click()


def file_case(page: Page, site: str, reference: str, category: str = "01001") -> None:
    """受理员: 立案 with the keyboard shortcut."""
    open_from_queue(page, site, "intake", reference)
    page.keyboard.press("f")
    page.locator('#panel details[data-action="file"] select[name=category]').select_option(category)
    submit_action(page, "file")
    expect_done(page, "立案", reference)


def dispatch_case(page: Page, site: str, reference: str, department: str) -> None:
    """派遣员: dispatch to a named department."""
    open_from_queue(page, site, "dispatch", reference)
    open_action(page, "dispatch")
    page.locator('#panel details[data-action="dispatch"] select[name=department]').select_option(department)
    submit_action(page, "dispatch")
    expect_done(page, "派遣", reference)


def sign_case(page: Page, site: str, reference: str) -> None:
    open_from_queue(page, site, "tasks", reference)
    click_simple(page, "sign")
    expect_done(page, "签收", reference)


def handle_case(page: Page, site: str, reference: str, photo: Path, note: str = "已清理完毕，恢复原状") -> None:
    open_from_queue(page, site, "tasks", reference)
    open_action(page, "handle")
    form = page.locator('#panel details[data-action="handle"]')
    form.get_by_label("处置情况").fill(note)
    form.locator("input[type=file]").set_input_files(str(photo))
    submit_action(page, "handle")
    expect_done(page, "处置反馈", reference)


def check_fix(page: Page, site: str, reference: str, *, passed: bool, note: str = "") -> None:
    open_from_queue(page, site, "checks", reference)
    open_action(page, "check")
    form = page.locator('#panel details[data-action="check"]')
    form.get_by_label("是" if passed else "否", exact=True).check()
    if note:
        form.locator("textarea[name=note]").fill(note)
    submit_action(page, "check")
    expect_done(page, "核查", reference)
