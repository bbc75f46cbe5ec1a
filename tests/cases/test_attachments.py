"""Photos on a case: stored as real files, typed by their content, refused with a clear reason."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicloop.cases.models import Attachment
from tests.conftest import WENLAN

pytestmark = pytest.mark.django_db


def png(width: int = 4, height: int = 3) -> bytes:
    """A real, decodable PNG (red pixels), made without an imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.fixture
def case_ref(api):
    body = {"lon": WENLAN[0], "lat": WENLAN[1], "description": "井盖破损", "category": "01002"}
    return api("operator").post("/cases", body).json()["reference"]


def upload(api, ref, name, content, kind="before", who="operator"):
    client = api(who).client
    return client.post(f"/api/cases/{ref}/attachments", {"file": SimpleUploadedFile(name, content), "kind": kind})


def test_a_photo_is_stored_under_the_data_directory_and_served_back(api, case_ref, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = png()
    response = upload(api, case_ref, "photo.png", data)
    assert response.status_code == 201, response.content
    item = Attachment.objects.get(pk=response.json()["id"])
    assert item.content_type == "image/png" and item.size == len(data)
    assert Path(item.file.path).read_bytes() == data and str(tmp_path) in item.file.path
    assert item.event.action == "report"  # attached to the step it documents
    served = api("operator").client.get(f"/api/cases/{case_ref}/attachments/{item.pk}")
    assert served.status_code == 200 and b"".join(served.streaming_content) == data
    detail = api("operator").get(f"/cases/{case_ref}").json()
    assert detail["attachments"][0]["content_type"] == "image/png"


@pytest.mark.parametrize("name, content, words", [
    ("notes.jpg", "这不是图片，只是文字".encode(), "只接受"),
    ("empty.jpg", b"", "为空"),
])
def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_kept(api, case_ref, settings, tmp_path, name, content, words):
    settings.MEDIA_ROOT = tmp_path
    response = upload(api, case_ref, name, content)
    assert response.status_code == 422 and words in response.json()["errors"][0]["message"]
    assert Attachment.objects.count() == 0 and not any(tmp_path.rglob("*.*"))


def test_an_oversized_file_is_refused(api, case_ref, settings, tmp_path):
    settings.MEDIA_ROOT, settings.ATTACHMENT_MAX_BYTES = tmp_path, 1024
    response = upload(api, case_ref, "big.png", png() + b"\x00" * 2048)
    assert response.status_code == 422 and "MB" in response.json()["errors"][0]["message"]


def test_attachments_follow_the_case_scope(api, case_ref, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = upload(api, case_ref, "photo.png", png()).json()
    assert upload(api, case_ref, "x.png", png(), who="operator_caoba").status_code == 404
    assert api("operator_caoba").client.get(f"/api/cases/{case_ref}/attachments/{item['id']}").status_code == 404
