"""Photos are made safe before anyone sees them: typed by content, bounded, upright, without EXIF,
with a thumbnail; bad input is refused with a Chinese message and nothing is stored half-way."""
from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, PngImagePlugin

from civicloop.cases import attachments, images
from civicloop.cases.models import Attachment
from civicloop.cases.services import report_case
from civicloop.core.errors import InvalidInput
from tests.conftest import WENLAN

RED, BLUE = (220, 20, 20), (20, 20, 220)
# 蒙自 文澜街道, as a phone writes it: degrees, minutes, seconds.
GPS_DMS = ((23.0, 22.0, 1.2), (103.0, 23.0, 6.0))


# ---------------------------------------------------------------------------- real files, made here


def picture(size=(400, 300), colour=BLUE, mode="RGB") -> Image.Image:
    """A blue picture with a red block in its top-left corner, to see which way up it ends."""
    im = Image.new(mode, size, colour if mode == "RGB" else colour + (255,))
    im.paste(RED if mode == "RGB" else RED + (255,), (0, 0, size[0] // 4, size[1] // 4))
    return im


def phone_exif(orientation: int = 1, gps: bool = True) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F], exif[0x0110] = "HUAWEI", "P60"
    inner = exif.get_ifd(0x8769)
    inner[0x9003], inner[0x9011] = "2026:05:01 09:30:15", "+08:00"
    if gps:
        where = exif.get_ifd(0x8825)
        where[1], where[2], where[3], where[4] = "N", GPS_DMS[0], "E", GPS_DMS[1]
    return exif


def encoded(im: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, fmt, **options)
    return buffer.getvalue()


def phone_jpeg(orientation: int = 6, size=(400, 300)) -> bytes:
    return encoded(picture(size), "JPEG", quality=90, exif=phone_exif(orientation))


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes that declare a huge PNG: the header says width × height, the data is tiny."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def assert_without_metadata(data: bytes) -> None:
    im = opened(data)
    assert not im.getexif(), dict(im.getexif())
    assert not {"exif", "xmp", "icc_profile", "XML:com.adobe.xmp", "Comment", "comment"} & set(im.info), im.info
    assert b"Exif" not in data and b"HUAWEI" not in data and b"2026:05:01" not in data


def is_red(pixel) -> bool:
    r, g, b = pixel[:3]
    return r > 150 and g < 100 and b < 100


# ---------------------------------------------------------------------------- images.process (no database)


def test_a_phone_photo_is_turned_upright_and_loses_its_exif_which_is_kept_apart():
    result = images.process(phone_jpeg(orientation=6))  # orientation 6: shown turned 90° clockwise
    assert result.image.content_type == "image/jpeg"
    assert (result.image.width, result.image.height) == (300, 400)
    shown = opened(result.image.data)
    assert shown.size == (300, 400)
    assert is_red(shown.getpixel((290, 10))) and not is_red(shown.getpixel((10, 10)))  # top-left went top-right
    assert_without_metadata(result.image.data)
    assert_without_metadata(result.thumbnail.data)
    assert result.private_meta["gps"]["lat"] == pytest.approx(23 + 22 / 60 + 1.2 / 3600, abs=1e-6)
    assert result.private_meta["gps"]["lon"] == pytest.approx(103 + 23 / 60 + 6 / 3600, abs=1e-6)
    assert result.private_meta["taken_at"] == "2026-05-01T09:30:15+08:00"
    assert (result.private_meta["make"], result.private_meta["model"]) == ("HUAWEI", "P60")


def test_every_orientation_ends_upright():
    # The same upright picture stored the eight ways a camera may: each must come back the same.
    upright = picture((200, 100))
    inverse = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
               4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90,
               7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_270}
    for orientation, undo in inverse.items():
        stored = upright.transpose(undo) if undo is not None else upright
        result = images.process(encoded(stored, "JPEG", quality=95, exif=phone_exif(orientation, gps=False)))
        shown = opened(result.image.data)
        assert shown.size == (200, 100), orientation
        assert is_red(shown.getpixel((5, 5))) and not is_red(shown.getpixel((195, 95))), orientation


def test_a_large_photo_is_shrunk_to_the_cap_and_a_small_thumbnail_is_made():
    data = encoded(picture((4000, 3000)), "JPEG", quality=85, exif=phone_exif(1))
    result = images.process(data, images.Limits(max_side=2560))
    assert max(result.image.width, result.image.height) <= 2560
    assert opened(result.image.data).size == (result.image.width, result.image.height) == (2000, 1500)
    assert max(opened(result.thumbnail.data).size) == 320
    assert result.sha256 == __import__("hashlib").sha256(data).hexdigest()  # of the photo as sent


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_with_metadata_are_reencoded_without_it(fmt):
    options = {"exif": phone_exif(6)}
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "拍摄于 HUAWEI")
        options["pnginfo"] = text
    result = images.process(encoded(picture(), fmt, **options))
    assert result.original_type == f"image/{fmt.lower()}"
    assert result.image.content_type == "image/jpeg" and (result.image.width, result.image.height) == (300, 400)
    assert_without_metadata(result.image.data)
    assert "gps" in result.private_meta


def test_a_transparent_png_stays_a_png_and_its_thumbnail_is_flattened_on_white():
    im = picture(mode="RGBA")
    im.putpixel((399, 299), (0, 0, 0, 0))
    result = images.process(encoded(im, "PNG", exif=phone_exif(1)))
    assert result.image.content_type == "image/png" and opened(result.image.data).mode == "RGBA"
    assert_without_metadata(result.image.data)
    assert result.thumbnail.content_type == "image/jpeg"


def test_a_clean_small_file_is_kept_byte_for_byte():
    # What a browser's canvas sends after shrinking a photo: JFIF only, no EXIF.
    for data in (encoded(picture(), "JPEG", quality=85), encoded(picture(), "PNG")):
        result = images.process(data)
        assert result.image.data == data and result.private_meta == {}
        assert max(opened(result.thumbnail.data).size) == 320


@pytest.mark.parametrize("extra", [b"<html>appended</html>", b"\xff\xfe\x00\x0eHUAWEI P60!"])
def test_a_jpeg_with_anything_appended_or_a_comment_is_reencoded_without_it(extra):
    clean = encoded(picture(), "JPEG", quality=85)
    data = clean + extra if extra.startswith(b"<") else clean[:2] + extra + clean[2:]
    result = images.process(data)
    assert result.image.data != data
    assert_without_metadata(result.image.data)
    assert b"html" not in result.image.data


@pytest.mark.parametrize("mode, fmt", [("RGB", "JPEG"), ("RGBA", "PNG"), ("RGBA", "WEBP"), ("RGB", "PNG")])
def test_an_icc_profile_is_not_carried_into_the_copy(mode, fmt):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    im = picture(mode=mode)
    if mode == "RGBA":
        im.putpixel((0, 0), (0, 0, 0, 0))
    result = images.process(encoded(im, fmt, icc_profile=profile, exif=phone_exif(1)))
    assert_without_metadata(result.image.data)
    assert_without_metadata(result.thumbnail.data)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_a_photo_whose_exif_is_garbage_is_still_accepted_without_it():
    clean = encoded(picture(), "JPEG", quality=85)
    body = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xff" + b"\x13" * 40
    data = clean[:2] + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + clean[2:]
    result = images.process(data)
    assert result.private_meta == {} and (result.image.width, result.image.height) == (400, 300)
    assert_without_metadata(result.image.data)


def test_a_heic_photo_from_an_iphone_becomes_a_jpeg():
    # Given EXIF bytes, pillow-heif writes the turn into the container (irot) as an iPhone does; HEIF
    # readers follow the container and ignore the EXIF orientation.
    data = encoded(picture(), "HEIF", quality=80, exif=phone_exif(6).tobytes())
    assert images.sniff(data[:16]) == "image/heic"
    result = images.process(data)
    assert result.original_type == "image/heic" and result.image.content_type == "image/jpeg"
    assert (result.image.width, result.image.height) == (300, 400)
    assert is_red(opened(result.image.data).getpixel((290, 10)))
    assert_without_metadata(result.image.data)
    assert result.private_meta["gps"]["lat"] == pytest.approx(23.367, abs=1e-3)


def test_a_50000_by_50000_png_is_refused_from_its_header_at_once():
    data = png_claiming(50_000, 50_000)
    started = time.perf_counter()
    with pytest.raises(images.Refused, match="像素过多"):
        images.process(data)
    assert time.perf_counter() - started < 1.0  # decoding it would need 7.5 GB


def test_the_pixel_limit_is_checked_before_decoding():
    with pytest.raises(images.Refused, match="像素过多"):
        images.process(png_claiming(2000, 1000), images.Limits(max_pixels=1_000_000))
    with pytest.raises(images.Refused, match="像素过多"):
        images.process(encoded(picture((2000, 1000)), "JPEG"), images.Limits(max_pixels=1_000_000))


@pytest.mark.parametrize("data, words", [
    (b"", "文件为空"),
    ("这不是图片，只是文字".encode(), "只接受"),
    (b"GIF89a" + b"\x00" * 64, "只接受"),
    (phone_jpeg()[:3000], "损坏或不完整"),
    (encoded(picture(), "JPEG")[:-600], "损坏或不完整"),
    (encoded(picture(), "PNG")[:-30], "损坏或不完整"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "损坏或不完整"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "损坏或不完整"),
])
def test_bad_files_are_refused_with_a_clear_chinese_message(data, words):
    with pytest.raises(images.Refused) as refused:
        images.process(data)
    assert words in refused.value.message and " / " in refused.value.message  # Chinese, then English


# ---------------------------------------------------------------------------- stored on a case


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PRIVATE_ROOT = tmp_path / "private"
    return tmp_path


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.fixture
def case(db):
    return report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1], description="人行道井盖缺失")


def upload(data: bytes, name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_the_stored_copy_and_thumbnail_carry_no_exif_and_staff_keep_the_position(case, media):
    item = attachments.attach(case, None, upload(phone_jpeg(orientation=6)))
    item.refresh_from_db()
    assert (item.content_type, item.original_type, item.width, item.height) == ("image/jpeg", "image/jpeg", 300, 400)
    for field in (item.file, item.thumbnail):
        assert_without_metadata(field.read())
    assert item.private_meta["gps"]["lat"] == pytest.approx(23.367, abs=1e-3)
    assert item.size == item.file.size and len(stored_files(media)) == 2  # the original is not kept


def test_private_metadata_is_dropped_when_the_city_turns_it_off(case, media, settings):
    settings.IMAGE_KEEP_PRIVATE_META = False
    item = attachments.attach(case, None, upload(phone_jpeg()))
    assert item.private_meta == {}


def test_nine_photos_are_stored_together(case, media):
    items = attachments.attach_many(case, None, [upload(phone_jpeg(size=(40 + n, 30))) for n in range(9)])
    assert len(items) == 9 == case.attachments.count() and len(stored_files(media)) == 18


def test_photos_can_be_prepared_before_the_transaction_and_stored_inside_it(case, media, django_assert_num_queries):
    with django_assert_num_queries(0):
        prepared = attachments.prepare([upload(phone_jpeg()), upload(phone_jpeg(orientation=1))])
    assert stored_files(media) == []
    items = attachments.store(case, None, prepared, kind="after")
    assert [item.kind for item in items] == ["after", "after"] and len(stored_files(media)) == 4


def test_a_tenth_photo_is_refused_and_none_is_stored(case, media):
    with pytest.raises(InvalidInput) as refused:
        attachments.attach_many(case, None, [upload(phone_jpeg()) for _ in range(10)])
    assert "最多上传9张照片" in refused.value.errors[0]["message"]
    assert case.attachments.count() == 0 and stored_files(media) == []


def test_one_bad_photo_among_several_stores_none_and_says_which(case, media):
    photos = [upload(phone_jpeg()) for _ in range(4)] + [upload(b"not a photo", "5.jpg")]
    with pytest.raises(InvalidInput) as refused:
        attachments.attach_many(case, None, photos)
    assert refused.value.errors[0]["message"].startswith("第5张照片：只接受")
    assert case.attachments.count() == 0 and stored_files(media) == []


def test_a_failure_while_storing_removes_the_files_already_written(case, media, monkeypatch):
    saved = []
    original_save = Attachment.save

    def failing_save(self, *args, **kwargs):
        if saved:
            raise RuntimeError("database went away")
        saved.append(self)
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Attachment, "save", failing_save)
    with pytest.raises(RuntimeError):
        attachments.attach_many(case, None, [upload(phone_jpeg()), upload(phone_jpeg(orientation=1))])
    assert case.attachments.count() == 0 and stored_files(media) == []


def test_the_case_wide_cap_of_thirty_stays(case, media):
    tiny = encoded(picture((8, 6)), "PNG")
    for _ in range(3):
        attachments.attach_many(case, None, [upload(tiny, "a.png") for _ in range(9)])
    with pytest.raises(InvalidInput, match="最多30个附件"):
        attachments.attach_many(case, None, [upload(tiny, "a.png") for _ in range(4)])
    assert case.attachments.count() == 27


# ---------------------------------------------------------------------------- through the API


@pytest.fixture
def api_case(api):
    body = {"lon": WENLAN[0], "lat": WENLAN[1], "description": "井盖破损", "category": "01002"}
    return api("operator").post("/cases", body).json()["reference"]


def post(api, reference, name, data):
    return api("operator").client.post(f"/api/cases/{reference}/attachments",
                                       {"file": SimpleUploadedFile(name, data), "kind": "before"})


@pytest.mark.parametrize("name, data, words", [
    ("big.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * (25 * 1024 * 1024), "文件超过20MB"),
    ("notes.jpg", "这不是图片，只是文字".encode(), "只接受 JPEG、PNG、WebP 或 HEIC 图片"),
    ("huge.png", png_claiming(50_000, 50_000), "图片像素过多"),
    ("empty.jpg", b"", "文件为空"),
    ("cut.jpg", phone_jpeg()[:2500], "图片已损坏或不完整"),
])
def test_bad_uploads_get_a_chinese_message_and_nothing_is_stored(api, api_case, media, name, data, words):
    response = post(api, api_case, name, data)
    assert response.status_code == 422, response.content
    assert words in response.json()["errors"][0]["message"]
    assert Attachment.objects.count() == 0 and stored_files(media) == []


def test_the_api_serves_the_clean_copy_and_its_thumbnail(api, api_case, media):
    created = post(api, api_case, "IMG_0001.jpg", phone_jpeg(orientation=6, size=(1600, 1200)))
    assert created.status_code == 201 and created.json()["content_type"] == "image/jpeg"
    url = f"/api/cases/{api_case}/attachments/{created.json()['id']}"
    full = b"".join(api("operator").client.get(url).streaming_content)
    thumb = api("operator").client.get(url, {"size": "thumb"})
    assert thumb["Content-Type"] == "image/jpeg"
    assert opened(full).size == (1200, 1600) and opened(b"".join(thumb.streaming_content)).size == (240, 320)
    assert_without_metadata(full)


# ---------------------------------------------------------------------------- left to the worker


@pytest.fixture
def deferred(settings, media):
    """As in production: a large photo is checked in the request and processed by the worker."""
    settings.IMAGE_PROCESSING = "worker"
    return media


def big_phone_jpeg(orientation: int = 6) -> bytes:
    return phone_jpeg(orientation, size=(2400, 1800))  # 4.3 megapixels: more than is processed inline


def test_a_large_photo_waits_privately_and_shows_as_processing_until_the_worker_makes_it_safe(case, deferred):
    item = attachments.attach(case, None, upload(big_phone_jpeg()))
    assert item.status == "pending" and not item.file and item.upload
    assert [p.parent.name for p in stored_files(deferred)] == [case.reference]  # only the private copy
    assert all("private" in p.parts for p in stored_files(deferred))
    waiting = attachments.file_response(item, size="thumb")
    assert waiting["Content-Type"].startswith("image/svg+xml") and "照片处理中".encode() in waiting.content
    assert waiting["Cache-Control"] == "no-store"

    assert attachments.process_pending() == 1
    item.refresh_from_db()
    assert (item.status, item.width, item.height, item.upload.name) == ("ready", 1800, 2400, "")
    stored = item.file.read()
    assert_without_metadata(stored)
    assert is_red(opened(stored).getpixel((1800 - 5, 5)))  # turned upright: red block top-left → top-right
    assert item.private_meta["gps"]["lon"] == pytest.approx(103.385, abs=1e-3)
    assert not any("private" in p.parts for p in stored_files(deferred))  # the bytes as sent are gone
    assert attachments.process_pending() == 0


def test_a_small_photo_is_processed_at_once_even_with_the_worker(case, deferred):
    item = attachments.attach(case, None, upload(phone_jpeg()))
    assert item.status == "ready" and item.thumbnail and not item.upload


def test_the_quick_checks_still_refuse_at_once_with_the_worker(case, deferred):
    for data, words in ((png_claiming(50_000, 50_000), "图片像素过多"), (b"", "文件为空"),
                        ("文字".encode(), "只接受")):
        with pytest.raises(InvalidInput) as refused:
            attachments.attach(case, None, upload(data))
        assert words in refused.value.errors[0]["message"]
    assert case.attachments.count() == 0 and stored_files(deferred) == []


def test_a_photo_damaged_past_its_header_is_marked_unreadable_by_the_worker(case, deferred):
    item = attachments.attach(case, None, upload(big_phone_jpeg()[:60_000]))
    assert item.status == "pending"
    assert attachments.process_pending() == 1
    item.refresh_from_db()
    assert item.status == "refused" and "图片已损坏或不完整" in item.refusal
    assert "照片无法读取".encode() in attachments.file_response(item).content
    assert stored_files(deferred) == []


def test_a_photo_claimed_by_one_worker_is_left_to_it_by_another(case, deferred, monkeypatch):
    item = attachments.attach(case, None, upload(big_phone_jpeg()))
    real_process = images.process
    seen = []

    def meanwhile(data, limits):  # a second worker looks while the first is decoding
        seen.append(attachments.process_pending())
        return real_process(data, limits)

    monkeypatch.setattr(images, "process", meanwhile)
    assert attachments.process_pending() == 1 and seen == [0]
    item.refresh_from_db()
    assert item.status == "ready" and len(stored_files(deferred)) == 2


def test_when_a_claim_expires_mid_work_the_photo_is_still_finished_once_without_stray_files(case, deferred, monkeypatch):
    item = attachments.attach(case, None, upload(big_phone_jpeg()))
    real_process = images.process

    def slow(data, limits):  # this worker took so long that its claim ran out and another took over
        monkeypatch.setattr(images, "process", real_process)
        Attachment.objects.filter(pk=item.pk).update(claimed_until=None)
        assert attachments.process_pending() == 1
        return real_process(data, limits)

    monkeypatch.setattr(images, "process", slow)
    assert attachments.process_pending() == 0  # this worker lost
    item.refresh_from_db()
    assert item.status == "ready" and len(stored_files(deferred)) == 2  # one copy and one thumbnail


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True)
def test_the_worker_command_processes_what_waits(deferred):
    from django.core.management import call_command

    from civicloop.demo import city
    from civicloop.geo.models import Grid

    if not Grid.objects.exists():  # an earlier transactional test flushed the city
        city.build_city()
    case = report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1], description="人行道井盖缺失")
    item = attachments.attach(case, None, upload(big_phone_jpeg()))
    call_command("worker", "--once")
    item.refresh_from_db()
    assert item.status == "ready"
