"""`civicloop backup` and `civicloop restore`: a round trip on this database (SQLite or PostgreSQL)."""
from __future__ import annotations

import io
import tarfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from civicloop.cases import attachments, services
from civicloop.cases.models import Attachment, Case, CaseEvent
from civicloop.org.models import User
from tests.conftest import WENLAN
from tests.hardening.endpoints import png_bytes
from tests.hardening.server import ensure_city

pytestmark = [pytest.mark.transactional, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def files(settings, tmp_path):
    settings.MEDIA_ROOT, settings.PRIVATE_ROOT = tmp_path / "media", tmp_path / "private"
    return tmp_path


def city_state() -> dict:
    """What a person would check after a restore: the cases, their whole history, the photos' bytes."""
    cases = list(Case.objects.order_by("reference").values_list("reference", "state", "description", "version"))
    events = list(CaseEvent.objects.order_by("case__reference", "seq")
                  .values_list("case__reference", "seq", "action", "to_state", "request_id"))
    photos = {}
    for photo in Attachment.objects.order_by("pk"):
        for field in ("file", "thumbnail", "upload"):
            stored = getattr(photo, field, None)
            if stored:
                with stored.open("rb") as handle:
                    photos[f"{photo.case.reference}/{photo.pk}/{field}"] = handle.read()
    return {"cases": cases, "events": events, "photos": photos, "staff": User.objects.count()}


def make_history():
    ensure_city()
    operator = User.objects.get(username="operator")
    for n in range(3):
        case = services.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1],
                                    description=f"备份测试 {n} 路面破损", reporter_phone="13800138000")
        attachments.attach(case, None, SimpleUploadedFile(f"p{n}.png", png_bytes()))
        services.file_case(case, operator, category="06010")


def test_a_backup_restores_cases_events_and_photo_bytes_exactly(files):
    make_history()
    before = city_state()
    assert len(before["cases"]) == 3 and len(before["photos"]) >= 3 and len(before["events"]) >= 6
    archive = files / "city.tar"
    call_command("backup", output=str(archive))
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[0] == "manifest.json" and any(n.startswith("media/") for n in names)

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))  # a live city is never overwritten by accident

    # Disaster: every row and every photo gone.
    call_command("flush", interactive=False)
    for root in ("media", "private"):
        for path in sorted((files / root).rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    assert Case.objects.count() == 0

    call_command("restore", str(archive))
    assert city_state() == before


def test_restore_with_force_replaces_a_city_and_a_damaged_archive_is_refused(files):
    make_history()
    archive = files / "city.tar"
    call_command("backup", output=str(archive))
    before = city_state()
    services.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1], description="备份之后的上报")
    call_command("restore", str(archive), force=True)
    assert city_state() == before

    damaged = files / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("media/"):
                data = data[:-1] + bytes([data[-1] ^ 1])  # one bit flipped in one photo
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
            if member.name.startswith("media/"):
                break
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(damaged), force=True)
    assert city_state() == before  # nothing was touched
