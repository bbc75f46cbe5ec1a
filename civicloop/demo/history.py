"""A year of simulated history so that every screen has data on first start.

Each case walks a realistic path (verification, returns, extensions, suspensions, rework,
reopening, late stages) through engine.plan(), the same transition core the services use, so
the history obeys every rule and clock. Only the saving is different: in bulk, for speed.
Deterministic for a given `until` and seed.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from civicloop.cases import engine, services
from civicloop.cases.serials import raise_floor
from civicloop.cases.models import Case, CaseEvent, Channel
from civicloop.cases.rules import Action, Kind, State
from civicloop.core import bulk
from civicloop.geo.index import locate
from civicloop.geo.models import Grid
from civicloop.lib import codes
from civicloop.lib.workcal import Limit
from civicloop.org.models import Department, User
from civicloop.org.roles import Role
from civicloop.taxonomy.queries import config

# (category, weight, what people write) — the common complaints of a Chinese county town.
CATEGORIES = [
    ("06010", 15, "路边有暴露垃圾，无人清理"), ("06042", 10, "垃圾桶满溢，垃圾散落一地"),
    ("06012", 8, "路面脏乱，有大量泥土和落叶"), ("07001", 10, "电杆和墙面上贴满小广告"),
    ("09006", 10, "流动摊贩占道经营，影响通行"), ("09005", 8, "商铺把货物摆到店外人行道上"),
    ("09009", 8, "机动车乱停放，堵住了人行道"), ("06036", 6, "楼道口乱堆杂物"),
    ("06013", 4, "道路破损，有坑洼积水"), ("01002", 3, "污水井盖破损，存在安全隐患"),
    ("01001", 2, "供水井盖缺失"), ("06017", 4, "绿地里有生活垃圾"), ("06001", 2, "有人私搭乱建彩钢棚"),
    ("08004", 3, "工地扬尘严重"), ("08002", 2, "施工材料占用道路"), ("06027", 2, "餐馆油烟直排"),
    ("06028", 2, "夜间噪声扰民"), ("09010", 4, "非机动车乱停放"), ("09011", 3, "共享单车堆放阻碍通行"),
    ("03005", 3, "垃圾箱破损"), ("03001", 2, "公共厕所堵塞，异味大"), ("02012", 1, "路名牌歪斜"),
    ("02014", 1, "交通信号灯不亮"), ("06029", 2, "夜间露天烧烤"), ("09015", 1, "无证餐饮摊点"),
]
ROADS = ["天马路", "红竹园路", "银河路", "凤凰路", "碧色寨路", "新安所路", "雨过铺路", "文澜路", "观澜路",
         "南湖路", "大屯路", "学府路", "锦华路", "石榴花路"]
CHANNELS = [(Channel.CITIZEN, 45), (Channel.INSPECTOR, 32), (Channel.HOTLINE, 12), (Channel.CAMERA, 6),
            (Channel.QR, 5)]


class Stop(Exception):
    """The next step would happen after `until`: the case stays where it is, still open."""


@dataclass
class Cast:
    operator: User
    leader: User
    dispatcher: User
    commander: User
    inspectors: dict[str, User]  # street code → inspector
    handlers: dict[str, User]  # department code → worker


def _cast() -> Cast:
    users = {u.username: u for u in User.objects.exclude(role="")}
    inspectors = {u.scope_division_id: u for u in users.values() if u.role == Role.INSPECTOR}
    handlers = {u.department_id: u for u in users.values() if u.role == Role.HANDLER}
    return Cast(users["operator"], users["leader"], users["dispatcher"], users["commander"], inspectors, handlers)


class Simulator:
    def __init__(self, *, until: datetime, count: int, seed: int = 532503):
        self.rng = random.Random(seed)
        self.until = until
        self.count = count
        self.cfg = config()
        self.cast = _cast()
        self.departments = list(Department.objects.filter(kind=Department.Kind.PROFESSIONAL).values_list("pk", flat=True))
        grids = list(Grid.objects.values_list("code", "min_lon", "min_lat", "max_lon", "max_lat"))
        urban = [g for g in grids if g[0][:9] <= "532503099"]
        self.grids = urban * 3 + [g for g in grids if g[0][:9] > "532503099"]  # most reports are in town
        self.serials: Counter = Counter()
        self.categories = [c for c, _, _ in CATEGORIES]
        self.weights = [w for _, w, _ in CATEGORIES]
        self.texts = {c: t for c, _, t in CATEGORIES}

    # -------------------------------------------------------------- the year, in batches

    def run(self, *, progress=None, batch: int = 2000) -> int:
        start = self.until - timedelta(days=365)
        times = sorted(self._report_time(start) for _ in range(self.count))
        made = 0
        for i in range(0, len(times), batch):
            pairs = [self._one(t) for t in times[i:i + batch]]
            self._save([p for p in pairs if p])
            made += sum(1 for p in pairs if p)
            if progress:
                progress(made, self.count)
        self._save_sequences()
        bulk.reset_sequence(Case)
        bulk.reset_sequence(CaseEvent)
        return made

    def _report_time(self, start: datetime) -> datetime:
        day = start + timedelta(days=self.rng.random() * 365)
        local = timezone.localtime(day).replace(hour=self.rng.choice(range(7, 22)), minute=self.rng.randrange(60),
                                                second=self.rng.randrange(60), microsecond=0)
        return min(local, self.until - timedelta(minutes=5))

    def _save(self, pairs) -> None:
        case_id = bulk.reserve_ids(Case, len(pairs))
        event_id = bulk.reserve_ids(CaseEvent, 0)
        events = []
        for case, case_events in pairs:
            case.pk = case_id
            case_id += 1
            for event in case_events:
                event.pk, event.case_id = event_id, case.pk
                event_id += 1
                events.append(event)
        with transaction.atomic():
            bulk.insert(Case, [c for c, _ in pairs])
            bulk.insert(CaseEvent, events)

    def _save_sequences(self) -> None:
        for day, last in self.serials.items():
            raise_floor(day, last)

    # -------------------------------------------------------------- one case

    def _one(self, reported_at: datetime):
        rng = self.rng
        code, lon, lat = self._point()
        hit_street = code[:9]
        channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
        actor = {Channel.INSPECTOR: self.cast.inspectors.get(hit_street), Channel.HOTLINE: self.cast.operator}.get(channel)
        category = rng.choices(self.categories, weights=self.weights)[0]
        self_handled = channel == Channel.INSPECTOR and rng.random() < 0.2
        fields = services.report_fields(
            actor=actor, channel=channel, lon=lon, lat=lat, crs="wgs84", description=self._text(category),
            category=category if (channel != Channel.CITIZEN or rng.random() < 0.5) else None,
            address=f"{rng.choice(ROADS)}{rng.randrange(1, 300)}号附近", reporter_name="" if actor else "市民",
            reporter_phone="" if actor else f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
            self_handled=self_handled, client_key=None,
        )
        case, first = services.new_case(actor, fields, reported_at, reference=self._reference(reported_at, fields["community_id"]))
        walk = Walk(self, case, [first], reported_at)
        try:
            walk.path(category)
        except Stop:
            pass
        return case, walk.events

    def _point(self):
        for _ in range(20):
            code, x0, y0, x1, y1 = self.rng.choice(self.grids)
            lon, lat = self.rng.uniform(x0, x1), self.rng.uniform(y0, y1)
            hit = locate(lon, lat)
            if hit is not None:
                return hit.code, lon, lat
        raise RuntimeError("no grid found for a random point")

    def _text(self, category: str) -> str:
        extra = self.rng.choice(["", "，请尽快处理", "，已持续好几天了", "，希望有关部门管一管", "，影响市容"])
        return self.texts[category] + extra

    def _reference(self, at: datetime, community: str) -> str:
        day = timezone.localtime(at).date()
        self.serials[day] += 1
        return codes.case_reference(codes.county_of(community), day, self.serials[day])


class Walk:
    """One case's path through the loop; each step a real transition at a plausible time."""

    def __init__(self, sim: Simulator, case: Case, events: list, now: datetime):
        self.sim, self.case, self.events, self.now = sim, case, events, now
        self.rng = sim.rng
        self.cast = sim.cast
        self.stalls = now > sim.until - timedelta(days=12) and self.rng.random() < 0.08

    def step(self, action: str, user, *, share: float | None = None, **kwargs) -> None:
        at = self._next_time(share)
        if at > self.sim.until:
            raise Stop
        plan = engine.plan(self.case, user, action, cfg=self.sim.cfg, now=at, **kwargs)
        engine.apply(self.case, plan)
        self.events.append(CaseEvent(seq=len(self.events) + 1, **plan.event))
        self.now = at

    def _next_time(self, share: float | None) -> datetime:
        """A share of the running stage's limit (late when > 1), or a few minutes off the clock."""
        case = self.case
        if share is None:
            share = self.rng.uniform(0.05, 0.7) if self.rng.random() > 0.05 else self.rng.uniform(1.05, 2.5)
        if self.stalls:
            share = 50.0
        if case.stage and case.stage_run_from is not None and case.stage_limit_seconds:
            return self.sim.cfg.calendar.advance(self.now, share * case.stage_limit_seconds, working=case.stage_working)
        return self.now + timedelta(minutes=self.rng.uniform(5, 240))

    def handler(self) -> User:
        return self.cast.handlers[self.case.department_id]

    def inspector(self) -> User:
        return self.cast.inspectors[self.case.street_id]

    # -------------------------------------------------------------- the path

    def path(self, category: str) -> None:
        r = self.rng.random
        if self.case.state == State.SELF_HANDLED:
            self.step(Action.CLOSE, self.cast.leader, reason="自行处置，审核通过")
            return
        if r() < 0.08:
            self.step(Action.REQUEST_VERIFICATION, self.cast.operator)
            real = r() < 0.85
            self.step(Action.VERIFY_REPORT, self.inspector(), changes={"report_verified": real}, data={"real": real})
            if not real:
                self.step(Action.NOT_FILE, self.cast.operator, reason="经核实不属实 / not confirmed on site")
                return
        if r() < 0.04:
            self.step(Action.NOT_FILE, self.cast.operator, reason="不属于城市管理范围 / outside urban management")
            return
        if r() < 0.02:
            self.step(Action.REQUEST_VOID, self.cast.operator, reason="重复上报 / reported twice", data={"reason": "重复上报"})
            self.step(Action.APPROVE_VOID, self.cast.leader, share=0.1)
            return
        condition = "成堆、成片" if category == "06010" and r() < 0.3 else ""
        self.step(Action.FILE, self.cast.operator, changes={"category_id": category, "condition": condition})
        self.dispatch(self.sim.cfg.department_for(category, self.case.street_id))
        self.handling()
        self.step(Action.CLOSE, self.cast.leader)
        if r() < 0.01:
            self.step(Action.REOPEN, self.cast.leader, reason="群众反映问题复发 / the citizen says it came back")
            self.handling(signed=True)
            self.step(Action.CLOSE, self.cast.leader)

    def dispatch(self, department: str) -> None:
        self.step(Action.DISPATCH, self.cast.dispatcher, changes={"department_id": department}, data={"department": department})
        if self.rng.random() < 0.03:
            self.step(Action.REQUEST_RETURN, self.handler(), reason="不属于本单位职责 / not our responsibility",
                      data={"reason": "不属于本单位职责"})
            self.step(Action.APPROVE_RETURN, self.cast.dispatcher, share=0.2)
            other = self.rng.choice([d for d in self.sim.departments if d != department])
            self.step(Action.DISPATCH, self.cast.dispatcher, changes={"department_id": other}, data={"department": other})

    def handling(self, *, signed: bool = False) -> None:
        r = self.rng.random
        if not signed:
            self.step(Action.SIGN, self.handler(), share=self.rng.uniform(0.01, 0.1), changes={"assignee_id": self.handler().pk})
        self.extensions_and_suspensions()
        if self.case.stage_deadline and self.now > self.case.stage_deadline and r() < 0.4 and not self.case.supervised:
            self.step(Action.SUPERVISE, self.cast.commander, share=0.0, reason="超期督办 / overdue")
        self.step(Action.HANDLE, self.handler(), reason="已处理完毕 / fixed")
        while True:
            passed = r() > 0.07
            self.step(Action.CHECK, self.inspector(), passed=passed, data={"passed": passed},
                      reason="" if passed else "现场仍有问题 / not fixed on site")
            if passed:
                return
            self.step(Action.HANDLE, self.handler(), reason="返工完成 / reworked")

    def extensions_and_suspensions(self) -> None:
        r = self.rng.random
        if r() < 0.05:
            unit = "WD" if self.case.stage_working else "ND"
            self.step(Action.REQUEST_EXTENSION, self.handler(), share=0.3, reason="需要协调施工 / needs works",
                      data={"amount": 1, "unit": unit})
            if r() < 0.8:
                self.step(Action.APPROVE_EXTENSION, self.cast.dispatcher, share=0.05, extension=Limit(1, unit))
            else:
                self.step(Action.DENY_EXTENSION, self.cast.dispatcher, share=0.05, reason="时限充足 / time is enough")
        if r() < 0.02:
            self.step(Action.REQUEST_SUSPENSION, self.handler(), share=0.3, reason="需列入改造计划 / needs a project")
            self.step(Action.APPROVE_SUSPENSION, self.cast.dispatcher)
            self.now += timedelta(days=self.rng.uniform(3, 40))
            self.step(Action.RESUME, self.cast.dispatcher, share=0.0)


def seed_history(*, until: datetime | None = None, count: int = 20000, progress=None) -> int:
    if Case.objects.exists():
        return 0
    until = until or timezone.now().replace(minute=0, second=0, microsecond=0)
    return Simulator(until=until, count=count).run(progress=progress)


def summary() -> dict:
    return {
        "cases": Case.objects.count(), "open": Case.objects.filter(kind=Kind.OPEN).count(),
        "events": CaseEvent.objects.count(),
    }
