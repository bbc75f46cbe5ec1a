"""State changes of an appraisal: entries, likes, judging, publishing."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from civicloop.appraisals import rules
from civicloop.appraisals.models import Appraisal, Criterion, Entry, Like, Photo, Score
from civicloop.core.errors import Conflict, Forbidden, InvalidInput
from civicloop.facilities import access

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


def add_entry(appraisal: Appraisal, *, title: str, owner: str, address: str = "", description: str = "",
              photos=()) -> Entry:
    if appraisal.status != Appraisal.Status.OPEN:
        raise Conflict("评比已截止报名 / entries are closed")
    if not title.strip() or not owner.strip():
        raise InvalidInput.field("title", "请填写参评名称和参评人 / title and owner are required")
    for photo in photos:
        if getattr(photo, "content_type", "") not in PHOTO_TYPES or photo.size > 10 * 1024 * 1024:
            raise InvalidInput.field("photos", "照片应为10MB以内的JPEG/PNG/WebP / photos are JPEG, PNG or WebP under 10 MB")
    with transaction.atomic():
        entry = Entry.objects.create(appraisal=appraisal, title=title.strip()[:80], owner=owner.strip()[:40],
                                     address=address.strip()[:200], description=description.strip())
        for photo in photos:
            Photo.objects.create(entry=entry, image=photo)
    return entry


def like(entry: Entry, citizen) -> bool:
    """One like per citizen and entry, while the appraisal is open; True when this was a new like."""
    if entry.appraisal.status != Appraisal.Status.OPEN:
        raise Conflict("点赞已截止 / likes are closed")
    try:
        with transaction.atomic():
            Like.objects.create(entry=entry, citizen=citizen)
            Entry.objects.filter(pk=entry.pk).update(likes=F("likes") + 1)
    except IntegrityError:
        return False
    return True


def start_judging(appraisal: Appraisal, user) -> None:
    _manager(user)
    if not Appraisal.objects.filter(pk=appraisal.pk, status=Appraisal.Status.OPEN).update(status=Appraisal.Status.JUDGING):
        raise Conflict("评比不在投票阶段 / the appraisal is not open")
    appraisal.status = Appraisal.Status.JUDGING


def score(entry: Entry, judge, points: dict) -> None:
    """A judge's points for a nominated entry, one per criterion (a second save replaces the first)."""
    appraisal = entry.appraisal
    if appraisal.status != Appraisal.Status.JUDGING:
        raise Conflict("评比不在评审阶段 / the appraisal is not being judged")
    if not appraisal.judges.filter(pk=judge.pk).exists():
        raise Forbidden("您不是本次评比的评委 / you are not a judge of this appraisal")
    if not rules.nominated(entry.likes, appraisal.like_threshold):
        raise InvalidInput.field("entry", "该参评对象未获提名 / this entry is not nominated")
    criteria = list(Criterion.objects.filter(appraisal=appraisal))
    with transaction.atomic():
        for criterion in criteria:
            raw = points.get(criterion.pk, points.get(str(criterion.pk)))
            try:
                value = int(raw)
            except (TypeError, ValueError):
                raise InvalidInput.field(f"c_{criterion.pk}", f"请为“{criterion.name}”打分 / score every criterion") from None
            if not 0 <= value <= criterion.max_points:
                raise InvalidInput.field(f"c_{criterion.pk}", f"“{criterion.name}”应在0–{criterion.max_points}分 / out of range")
            Score.objects.update_or_create(entry=entry, judge=judge, criterion=criterion, defaults={"points": value})


def publish(appraisal: Appraisal, user) -> None:
    _manager(user)
    if not Appraisal.objects.filter(pk=appraisal.pk, status=Appraisal.Status.JUDGING).update(
            status=Appraisal.Status.PUBLISHED, published_at=timezone.now()):
        raise Conflict("只有评审中的评比可以公布结果 / only an appraisal being judged can be published")
    appraisal.status = Appraisal.Status.PUBLISHED


def results(appraisal: Appraisal) -> list[dict]:
    entries = list(appraisal.entries.values_list("pk", "likes"))
    scores = list(Score.objects.filter(entry__appraisal=appraisal).values_list("entry_id", "judge_id", "criterion_id", "points"))
    ranked = rules.ranking(entries, scores, appraisal.like_threshold)
    by_pk = {e.pk: e for e in appraisal.entries.all()}
    for row in ranked:
        row["entry"] = by_pk[row["entry"]]
    return ranked


def _manager(user) -> None:
    if not access.can_manage(user):
        raise Forbidden("无权操作 / not allowed")
