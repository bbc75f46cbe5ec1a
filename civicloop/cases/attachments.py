"""Photos on a case, stored under the data directory.

Each upload goes through `cases.images.process` (type by content, pixel limit, orientation, metadata
removed, thumbnail) before anything is written. What is stored is the processed copy and its
thumbnail, never the bytes as sent: those carry the sender's GPS position. The position, time and
camera are kept in `private_meta` for staff when CIVICLOOP_IMAGE_KEEP_PRIVATE_META is on.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse

from civicloop.cases import images
from civicloop.cases.models import Attachment, Case
from civicloop.core.errors import InvalidInput, NotFound

MAX_PER_CASE = 30
MAX_PER_REPORT = 9  # photos in one report or one action, as on the citizen app


@dataclass(frozen=True)
class Prepared:
    """A photo checked and processed, ready to store; nothing is written yet."""

    name: str
    photo: images.Processed


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
    limits = images.Limits(max_pixels=settings.IMAGE_MAX_PIXELS, max_side=settings.IMAGE_MAX_SIDE)
    return [Prepared((upload.name or "")[:120], _processed(upload, limits, number=n if len(uploads) > 1 else None))
            for n, upload in enumerate(uploads, 1)]


def store(case: Case, user, prepared: Sequence[Prepared], *, kind: str = "before") -> list[Attachment]:
    """Write prepared photos to the case, all or none."""
    if kind not in Attachment.Kind.values:
        raise InvalidInput.field("kind", "附件类型须为 before/after/evidence / unknown kind")
    if not prepared:
        return []
    if case.attachments.count() + len(prepared) > MAX_PER_CASE:
        raise InvalidInput.field("file", f"每个案件最多{MAX_PER_CASE}个附件 / at most {MAX_PER_CASE} files per case")
    return _write(case, user, kind, prepared)


def file_response(item: Attachment, *, size: str = "") -> FileResponse:
    """The stored copy (no metadata), or with size="thumb" its JPEG thumbnail when it has one."""
    if size == "thumb" and item.thumbnail:
        return FileResponse(item.thumbnail.open("rb"), content_type="image/jpeg")
    return FileResponse(item.file.open("rb"), content_type=item.content_type)


def get(case: Case, attachment_id: int) -> Attachment:
    item = case.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise NotFound("附件不存在 / attachment not found")
    return item


def _processed(upload, limits: images.Limits, *, number: int | None) -> images.Processed:
    try:
        return images.process(_read(upload), limits)
    except images.Refused as exc:
        prefix = f"第{number}张照片：" if number else ""
        raise InvalidInput.field("file", prefix + exc.message) from None


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


def _write(case: Case, user, kind: str, prepared: Sequence[Prepared]) -> list[Attachment]:
    event = case.events.order_by("-seq").first()
    written: list[str] = []
    try:
        with transaction.atomic():
            return [_saved(Attachment(case=case, event=event, kind=kind, uploaded_by=user), entry, written)
                    for entry in prepared]
    except BaseException:
        # Files are not part of the transaction: remove what was written, so nothing is half-stored.
        storage = Attachment._meta.get_field("file").storage
        for name in written:
            storage.delete(name)
        raise


def _saved(item: Attachment, entry: Prepared, written: list[str]) -> Attachment:
    photo = entry.photo
    item.content_type, item.size = photo.image.content_type, len(photo.image.data)
    item.width, item.height = photo.image.width, photo.image.height
    item.original_type, item.sha256, item.original_name = photo.original_type, photo.sha256, entry.name
    item.private_meta = photo.private_meta if settings.IMAGE_KEEP_PRIVATE_META else {}
    for field, rendition, suffix in ((item.file, photo.image, ""), (item.thumbnail, photo.thumbnail, "-thumb")):
        field.save(f"{photo.sha256[:16]}{suffix}{rendition.extension}", ContentFile(rendition.data), save=False)
        written.append(field.name)
    item.save()
    return item
