"""Photos and files on a case, stored under the data directory. Types are checked by content."""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from civicloop.cases.models import Attachment, Case
from civicloop.core.errors import InvalidInput, NotFound

MAX_PER_CASE = 30


def sniff(head: bytes) -> str | None:
    """The image type from the file's first bytes; a name or a browser's claim proves nothing."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"):
        return "image/heic"
    return None


def attach(case: Case, user, upload, *, kind: str = "before") -> Attachment:
    if kind not in Attachment.Kind.values:
        raise InvalidInput.field("kind", "附件类型须为 before/after/evidence / unknown kind")
    if upload.size == 0:
        raise InvalidInput.field("file", "文件为空 / the file is empty")
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        mb = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise InvalidInput.field("file", f"文件超过{mb}MB / the file is larger than {mb} MB")
    data = upload.read()
    content_type = sniff(data[:16])
    if content_type is None:
        raise InvalidInput.field("file", "只接受 JPEG、PNG、WebP 或 HEIC 图片 / only JPEG, PNG, WebP or HEIC images")
    if case.attachments.count() >= MAX_PER_CASE:
        raise InvalidInput.field("file", f"每个案件最多{MAX_PER_CASE}个附件 / at most {MAX_PER_CASE} files per case")
    item = Attachment(case=case, kind=kind, content_type=content_type, size=len(data),
                      sha256=hashlib.sha256(data).hexdigest(), original_name=(upload.name or "")[:120],
                      uploaded_by=user, event=case.events.order_by("-seq").first())
    with transaction.atomic():
        # If the row cannot be saved the file is removed with it, so nothing is half-stored.
        item.file.save("upload", ContentFile(data), save=False)
        try:
            item.save()
        except Exception:
            item.file.delete(save=False)
            raise
    return item


def get(case: Case, attachment_id: int) -> Attachment:
    item = case.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise NotFound("附件不存在 / attachment not found")
    return item
