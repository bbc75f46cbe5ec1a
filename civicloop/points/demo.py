"""The demo city's 文明市民荣誉超市: earning rules, goods, titles, charity pools, a mall keeper, and a
demo citizen (13800138000) with a history to look at. Does nothing when the catalogue exists."""
from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from civicloop.points.models import EarningRule, Item, Pool, Title
from civicloop.demo.city import DEMO_PASSWORD
from civicloop.org.models import User
from civicloop.citizens.models import Citizen
from civicloop.points import services

GOODS = [("环保购物袋", "可折叠，印有“文明蒙自”", 30, 200), ("文明市民水杯", "不锈钢保温杯", 80, 100),
         ("晴雨伞", "自动折叠伞", 120, 60), ("洗衣液 2kg", "日用品", 60, 150), ("南湖公园电影票", "两张", 150, 40),
         ("米线套餐券", "蒙自过桥米线一份", 40, 120)]
TITLES = [("随手拍达人", "累计上报并被立案的热心市民", 50, 0), ("城市啄木鸟", "发现问题的眼睛", 200, 1),
          ("文明守护者", "长期参与城市治理", 500, 2)]
POOLS = [("助学圆梦", "资助困难家庭学生"), ("关爱环卫工人", "为环卫工人送清凉、送温暖"), ("乡村儿童图书角", "为乡村小学添置图书")]


def seed(stdout) -> None:
    if Item.objects.exists():
        stdout.write("  积分超市已有商品，跳过 / the mall exists; skipped")
        return
    with transaction.atomic():
        EarningRule.objects.create(category=None, on_file=5, on_verified=10)
        EarningRule.objects.create(category_id="06042", on_file=8, on_verified=12)  # 垃圾满溢: a city priority
        for name, description, price, stock in GOODS:
            Item.objects.create(name=name, description=description, price=price, stock=stock)
        for name, description, price, level in TITLES:
            Title.objects.create(name=name, description=description, price=price, min_level=level)
        for name, description in POOLS:
            Pool.objects.create(name=name, description=description)
        _staff()
        _citizen()
    stdout.write("  积分超市：6件商品、3个称号、3个公益池；核销账号 mallkeeper；示范市民 13800138000")


def _staff() -> None:
    manage = Permission.objects.get(codename="manage_points", content_type__app_label="points")
    keep = Permission.objects.get(codename="keep_mall", content_type__app_label="points")
    for user in User.objects.filter(username__in=["leader", "commander"]):
        user.user_permissions.add(manage)
    # A street's desk worker keeps the 荣誉超市 counter (console sign-in needs a workflow role).
    keeper, created = User.objects.get_or_create(username="mallkeeper", defaults={
        "display_name": "积分超市管理员", "role": "operator", "scope": "street", "scope_division_id": "532503001"})
    if created:
        keeper.set_password(DEMO_PASSWORD)
        keeper.save(update_fields=["password"])
    keeper.user_permissions.add(keep)


def _citizen() -> None:
    person, _ = Citizen.objects.get_or_create(phone="13800138000", defaults={"display_name": "示范市民"})
    now = timezone.now()
    for day in range(12):
        services.post(citizen_id=person.pk, amount=15, kind="earn", key=f"demo:{person.pk}:{day}",
                      reason="上报立案并核查解决（演示）", now=now - timedelta(days=30 - day * 2))
    services.redeem(person, Item.objects.get(name="环保购物袋").pk, now=now - timedelta(days=3))
    services.donate(person, Pool.objects.get(name="助学圆梦").pk, 20, client_key="demo", now=now - timedelta(days=2))
