"""The hardening tests' shared case: a citizen's report in 文澜街道 with a photo, behind every walk of the URLs."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicloop.cases import attachments, services
from tests.conftest import WENLAN
from tests.hardening.endpoints import png_bytes


@pytest.fixture
def wenlan_case(db):
    case = services.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1],
                                description="文澜街道路边垃圾桶满溢", reporter_name="张三", reporter_phone="13800138000")
    photo = attachments.attach(case, None, SimpleUploadedFile("before.png", png_bytes()))
    return case, photo
