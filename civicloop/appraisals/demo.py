"""Demo 评比: 最美庭院 with entries, likes, criteria and a judge, still open for likes."""
from __future__ import annotations

from django.db import transaction

from civicloop.appraisals.models import Appraisal, Criterion, Entry
from civicloop.org.models import User

ENTRIES = [("石榴花开小院", "李秀英", "文澜街道新安所社区", 62), ("三角梅庭院", "王建华", "文澜街道东门社区", 55),
           ("菜园果园相映", "赵玉兰", "草坝镇碧色寨村", 48), ("老宅新颜", "杨德文", "雨过铺街道", 31),
           ("花香满院", "陈春梅", "新安所镇", 12)]


def seed(stdout) -> None:
    if Appraisal.objects.exists():
        stdout.write("  评比已存在，跳过 / appraisals exist; skipped\n")
        return
    with transaction.atomic():
        appraisal = Appraisal.objects.create(
            title="2026年度“最美庭院”评比", like_threshold=50,
            description="晒出您家的庭院：干净整洁、绿化美化、文明和谐。点赞满50即获提名，由评委现场评分。")
        for order, (name, points) in enumerate([("干净整洁", 40), ("绿化美化", 30), ("文明和谐", 30)]):
            Criterion.objects.create(appraisal=appraisal, name=name, max_points=points, order=order)
        for title, owner, address, likes in ENTRIES:
            # Likes of the demo are counts only: real likes are one row per citizen.
            Entry.objects.create(appraisal=appraisal, title=title, owner=owner, address=address, likes=likes,
                                 description="房前屋后干净整洁，花木四季常青。")
        judges = User.objects.filter(username__in=["leader", "commander"])
        appraisal.judges.set(judges)
    stdout.write("  1 项评比（投票中） / one appraisal open for likes\n")
