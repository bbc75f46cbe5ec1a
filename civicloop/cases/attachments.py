"""Photos on a case, stored under the data directory.

Every upload passes the quick checks of `cases.images.inspect` (type by content, size, pixel limit)
before anything is written, so a sender hears at once what is wrong. Then `cases.images.process`
makes the copy others see (upright, metadata removed) and its thumbnail: at once for a small or
already clean photo, and for a large one by the worker (`process_pending`), when
CIVICLOOP_IMAGE_PROCESSING is "worker" — decoding a 12-megapixel photo costs ~60 ms of CPU, which a
citizen on a phone should not wait for and a burst of reports should not queue behind. Until then
the bytes as sent wait in private storage (never served: they carry the sender's GPS position) and
the photo shows as "处理中". The position, time and camera are kept in `private_meta` for staff
when CIVICLOOP_IMAGE_KEEP_PRIVATE_META is on.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from html import escape

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, HttpResponse
from django.utils import timezone

from civicloop.cases import images
from civicloop.cases.models import Attachment, Case
from civicloop.core.errors import InvalidInput, NotFound

MAX_PER_CASE = 30
MAX_PER_REPORT = 9  # photos in one report or one action, as on the citizen app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """A photo checked (and processed, unless left to the worker), ready to store; nothing is written yet."""

    name: str
    photo: images.Processed | None = None
    raw: bytes = b""  # the bytes as sent, when the worker makes the copies
    inspected: images.Inspected | None = None


def attach(case: Case, user, upload, *, kind: str = "before") -> Attachment:
    return attach_many(case, user, [upload], kind=kind)[0]


def attach_many(case: Case, user, uploads: Sequence, *, kind: str = "before") -> list[Attachment]:
    """Every upload is checked and processed before the first is stored: all are kept, or none."""
    return store(case, user, prepare(uploads), kind=kind)


def prepare(uploads: Sequence) -> list[Prepared]:
    """Check and process uploads without touching the database or the disk.

    Processing takes tens of milliseconds a photo: callers that open a transaction for the case
    (intake) call this first and `store` inside, so no write lock is held while photos are decoded.
    """
    uploads = list(uploads)
    if len(uploads) > MAX_PER_REPORT:
        raise InvalidInput.field("file", f"最多上传{MAX_PER_REPORT}张照片 / at most {MAX_PER_REPORT} photos")
    return [_prepared(upload, number=n if len(uploads) > 1 else None) for n, upload in enumerate(uploads, 1)]


def store(case: Case, user, prepared: Sequence[Prepared], *, kind: str = "before", follower=None) -> list[Attachment]:
    """Write prepared photos to the case, all or none. `follower`: the citizen following the case
    who sent them (cases.publicity: theirs to see, others' only when the case is public)."""
    if kind not in Attachment.Kind.values:
        raise InvalidInput.field("kind", "附件类型须为 before/after/evidence / unknown kind")
    if not prepared:
        return []
    if case.attachments.count() + len(prepared) > MAX_PER_CASE:
        raise InvalidInput.field("file", f"每个案件最多{MAX_PER_CASE}个附件 / at most {MAX_PER_CASE} files per case")
    return _write(case, user, kind, prepared, follower=follower)


def file_response(item: Attachment, *, size: str = "") -> FileResponse | HttpResponse:
    """The stored copy (no metadata), or with size="thumb" its JPEG thumbnail when it has one; a
    picture saying so while the worker has not made the copy yet, or could not read the photo."""
    if item.status != Attachment.Status.READY:
        return _placeholder(item)
    if size == "thumb" and item.thumbnail:
        return FileResponse(item.thumbnail.open("rb"), content_type="image/jpeg")
    return FileResponse(item.file.open("rb"), content_type=item.content_type)


def _placeholder(item: Attachment) -> HttpResponse:
    waiting = item.status == Attachment.Status.PENDING
    text = "照片处理中… / processing…" if waiting else "照片无法读取 / unreadable photo"
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240">'
           '<rect width="320" height="240" fill="#eef1f4"/><text x="160" y="126" font-size="16" fill="#556" '
           f'text-anchor="middle" font-family="sans-serif">{escape(text)}</text></svg>')
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "no-store"  # the real photo replaces it as soon as it is ready
    return response


def get(case: Case, attachment_id: int) -> Attachment:
    item = case.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise NotFound("附件不存在 / attachment not found")
    return item


def _limits() -> images.Limits:
    return images.Limits(max_pixels=settings.IMAGE_MAX_PIXELS, max_side=settings.IMAGE_MAX_SIDE)


def _prepared(upload, *, number: int | None) -> Prepared:
    name = (upload.name or "")[:120]
    try:
        data = _read(upload)
        inspected = images.inspect(data, _limits())
        if _now(inspected):
            return Prepared(name, photo=images.process(data, _limits()))
        return Prepared(name, raw=data, inspected=inspected)
    except images.Refused as exc:
        prefix = f"第{number}张照片：" if number else ""
        raise InvalidInput.field("file", prefix + exc.message) from None


def _now(inspected: images.Inspected) -> bool:
    """Process in the request: always when configured inline, else when it is cheap."""
    return (settings.IMAGE_PROCESSING == "inline" or inspected.clean
            or inspected.pixels <= settings.IMAGE_INLINE_MAX_PIXELS)


def _read(upload) -> bytes:
    """The upload's bytes; an oversized file is refused from its declared size, before it is read."""
    limit = settings.ATTACHMENT_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise images.Refused(_too_large(limit))
    if hasattr(upload, "seek"):
        upload.seek(0)  # a form may have looked at it already
    data = upload.read(limit + 1)
    if len(data) > limit:  # the declared size was wrong
        raise images.Refused(_too_large(limit))
    return data


def _too_large(limit: int) -> str:
    mb = limit / (1024 * 1024)
    return f"文件超过{mb:.3g}MB / the file is larger than {mb:.3g} MB"


def _write(case: Case, user, kind: str, prepared: Sequence[Prepared], *, follower=None) -> list[Attachment]:
    event = case.events.order_by("-seq").first()
    written: list = []
    try:
        with transaction.atomic():
            return [_saved(Attachment(case=case, event=event, kind=kind, uploaded_by=user, follower=follower), entry,
                           written)
                    for entry in prepared]
    except BaseException:
        _remove(written)  # files are not part of the transaction: nothing may stay half-stored
        raise


def _remove(written: list) -> None:
    for field_file in written:
        field_file.storage.delete(field_file.name)


def _saved(item: Attachment, entry: Prepared, written: list) -> Attachment:
    item.original_name = entry.name
    if entry.photo is not None:
        _fill(item, entry.photo, written)
    else:
        _hold(item, entry, written)
    item.save()
    return item


def _fill(item: Attachment, photo: images.Processed, written: list) -> None:
    """Put the processed copy and thumbnail on the item (files written, row not saved)."""
    item.status = Attachment.Status.READY
    item.content_type, item.size = photo.image.content_type, len(photo.image.data)
    item.width, item.height = photo.image.width, photo.image.height
    item.original_type, item.sha256, item.phash = photo.original_type, photo.sha256, photo.phash
    item.private_meta = photo.private_meta if settings.IMAGE_KEEP_PRIVATE_META else {}
    for field, rendition, suffix in ((item.file, photo.image, ""), (item.thumbnail, photo.thumbnail, "-thumb")):
        field.save(f"{photo.sha256[:16]}{suffix}{rendition.extension}", ContentFile(rendition.data), save=False)
        written.append(field)


def _hold(item: Attachment, entry: Prepared, written: list) -> None:
    """Keep the bytes as sent in private storage for the worker."""
    item.status = Attachment.Status.PENDING
    item.sha256 = hashlib.sha256(entry.raw).hexdigest()
    item.original_type = item.content_type = entry.inspected.kind
    item.size, item.width, item.height = 0, entry.inspected.width, entry.inspected.height
    item.upload.save(f"{item.sha256[:16]}-sent", ContentFile(entry.raw), save=False)
    written.append(item.upload)


# ---------------------------------------------------------------------------- the worker's part


CLAIM = timedelta(minutes=5)  # far longer than one photo takes; after that a dead worker's photo is free again


def process_pending(*, limit: int = 20) -> int:
    """Make the copies of photos left for the worker, oldest first; returns how many were finished.

    Several workers share the work: each claims a photo (a short conditional UPDATE) before decoding
    it, so two never decode the same one; a worker killed half-way leaves its claim to expire. Should
    two still meet (a claim that expired mid-work), the photo is finished once and the other's copies
    are dropped.
    """
    now = timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    ids = list(Attachment.objects.filter(free, status=Attachment.Status.PENDING).order_by("id")
               .values_list("pk", flat=True)[:limit])
    return sum(_process_one(pk) for pk in ids if _claim(pk, free, now))


def _claim(pk: int, free: Q, now) -> bool:
    with transaction.atomic():
        return bool(Attachment.objects.filter(free, pk=pk, status=Attachment.Status.PENDING)
                    .update(claimed_until=now + CLAIM))


def _process_one(pk: int) -> int:
    item = Attachment.objects.select_related("case").filter(pk=pk, status=Attachment.Status.PENDING).first()
    if item is None:
        return 0
    try:
        with item.upload.open("rb") as sent:
            data = sent.read()
        photo = images.process(data, _limits())
    except images.Refused as exc:
        return _finish(item, {"status": Attachment.Status.REFUSED, "refusal": exc.message[:200]}, [])
    except FileNotFoundError:
        return _finish(item, {"status": Attachment.Status.REFUSED, "refusal": LOST}, [])
    written: list = []
    _fill(item, photo, written)
    fields = {name: getattr(item, name) for name in READY_FIELDS}
    return _finish(item, {**fields, "file": item.file.name, "thumbnail": item.thumbnail.name}, written)


LOST = "照片原件已丢失，请重新上传 / the photo as sent was lost; please upload it again"
READY_FIELDS = ("status", "content_type", "size", "width", "height", "original_type", "sha256", "phash",
                "private_meta")


def _finish(item: Attachment, values: dict, written: list) -> int:
    sent = item.upload.name
    try:
        with transaction.atomic():
            won = Attachment.objects.filter(pk=item.pk, status=Attachment.Status.PENDING).update(upload="", **values)
    except BaseException:
        _remove(written)
        raise
    if not won:  # another worker finished it first
        _remove(written)
        return 0
    if sent:
        Attachment._meta.get_field("upload").storage.delete(sent)
    if values["status"] == Attachment.Status.REFUSED:
        log.warning("photo %s of case %s refused: %s", item.pk, item.case.reference, values["refusal"])
    return 1
