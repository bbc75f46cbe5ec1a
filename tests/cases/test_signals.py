"""Feature apps hear about case changes inside the transition's transaction (cases.signals)."""
from __future__ import annotations

import io

import pytest
from django.db import connection
from PIL import Image, ImageDraw

from civicloop.cases import images, services
from civicloop.cases.models import Case, CaseEvent
from civicloop.cases.signals import case_changed
from civicloop.org.models import User
from tests.conftest import WENLAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls = []

    def receiver(sender, *, case, event, refs, **kwargs):
        calls.append({"reference": case.reference, "action": event.action, "to": event.to_state, "refs": refs,
                      "in_transaction": connection.in_atomic_block, "event_saved": event.pk is not None})

    case_changed.connect(receiver, dispatch_uid="test-heard")
    yield calls
    case_changed.disconnect(dispatch_uid="test-heard")


def report(refs=None):
    operator = User.objects.get(username="operator")
    return operator, services.report_case(actor=operator, channel="inspector", lon=WENLAN[0], lat=WENLAN[1],
                                          description="垃圾桶满溢", category="01001", refs=refs)


def test_a_report_and_each_transition_are_heard_inside_their_transaction(heard):
    operator, case = report(refs={"facility": "53250300101000001"})
    services.file_case(case, operator)

    assert [(c["action"], c["to"]) for c in heard] == [("report", "reported"), ("file", "filed")]
    assert heard[0]["refs"] == {"facility": "53250300101000001"} and heard[1]["refs"] == {}
    assert all(c["in_transaction"] and c["event_saved"] for c in heard)
    first = CaseEvent.objects.get(case=case, seq=1)
    assert first.data["refs"] == {"facility": "53250300101000001"}


def test_a_receiver_that_fails_undoes_the_transition_it_heard():
    operator, case = report()

    def broken(sender, **kwargs):
        raise RuntimeError("ledger down")

    case_changed.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(RuntimeError):
            services.file_case(case, operator)
    finally:
        case_changed.disconnect(dispatch_uid="test-broken")
    case = Case.objects.get(pk=case.pk)
    assert case.state == "reported" and case.version == 1
    assert not CaseEvent.objects.filter(case=case, action="file").exists()


@pytest.mark.parametrize("refs", [["facility"], {"facility": ["a"]}, {1: "x"}])
def test_malformed_refs_are_refused_with_a_message_and_nothing_saved(refs):
    from civicloop.core.errors import InvalidInput

    before = Case.objects.count()
    with pytest.raises(InvalidInput, match="refs"):
        report(refs=refs)
    assert Case.objects.count() == before


def scene(shift: int = 0) -> Image.Image:
    im = Image.new("RGB", (640, 480), (200, 210, 220))
    draw = ImageDraw.Draw(im)
    draw.rectangle((100 + shift, 120, 300 + shift, 400), fill=(30, 90, 40))
    draw.ellipse((380, 60, 560, 240), fill=(240, 200, 20))
    return im


def jpeg(im: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_the_same_photo_resent_smaller_and_recompressed_has_a_near_hash_and_another_photo_does_not():
    original = images.process(jpeg(scene())).phash
    resent = images.process(jpeg(scene().resize((320, 240)), quality=40)).phash
    other = images.process(jpeg(scene().transpose(Image.Transpose.FLIP_LEFT_RIGHT))).phash

    assert len(original) == 16
    assert images.hamming_distance(original, resent) <= 10
    assert images.hamming_distance(original, other) > 10
