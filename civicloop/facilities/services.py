"""State changes of the registry: new facilities with their ids, keepers, and what cases do to them."""
from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from civicloop.cases.rules import KIND_OF, Kind
from civicloop.core.errors import InvalidInput
from civicloop.core import revisions
from civicloop.facilities import index, rules
from civicloop.facilities.models import Facility, FacilityCase, Keeper
from civicloop.geo.index import locate
from civicloop.lib import codes
from civicloop.notify import services as notify
from civicloop.taxonomy.models import Component

SMS_TEMPLATE = "facility_case"


def component_codes() -> frozenset[str]:
    return frozenset(Component.objects.values_list("code", flat=True))


def check_id(code: str, *, county: str) -> None:
    """`county`: the 6-digit code of the county where the facility stands (its id starts with it)."""
    problem = rules.facility_id_problem(code, county=county, components=component_codes())
    if problem:
        raise InvalidInput.field("id", problem)


def allocate_id(component: str, *, county: str) -> str:
    prefix = f"{county}{component}"
    highest = Facility.objects.filter(id__startswith=prefix).aggregate(top=Max("id"))["top"]
    return rules.next_id(county, component, highest)


def place_fields(lon: float, lat: float) -> dict:
    hit = locate(lon, lat)
    if hit is None:
        raise InvalidInput.field("location", f"位置不在{settings.CITY_NAME}的网格范围内 / the point is outside the city's grids")
    return {"lon": round(lon, 7), "lat": round(lat, 7), "grid_id": hit.code, "community_id": hit.community_code,
            "street_id": hit.street_code}


def register_facility(*, component: str, name: str, lon: float, lat: float, id: str = "", keeper: Keeper | None = None,
                      **attributes) -> Facility:
    """A new facility; without an id the next serial for its component is given (retried on a race)."""
    if not Component.objects.filter(code=component).exists():
        raise InvalidInput.field("component", f"未知部件代码 {component} / unknown component")
    fields = {"component_id": component, "name": name.strip()[:80], "keeper": keeper, **place_fields(lon, lat),
              "initial_date": attributes.pop("initial_date", None) or timezone.localdate(), **attributes}
    county = codes.county_of(fields["community_id"])  # ids name the county the facility stands in
    if id:
        check_id(id, county=county)
        if id[6:11] != component:
            raise InvalidInput.field("id", "标识码中的部件代码与部件类型不符 / the id's component code differs from the type")
        return Facility.objects.create(id=id, **fields)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Facility.objects.create(id=allocate_id(component, county=county), **fields)
        except IntegrityError:
            continue  # someone took the same serial a moment ago: take the next
    raise InvalidInput.field("id", "标识码分配冲突，请重试 / could not allocate an id; try again")


def keeper_for(name: str, phone: str) -> Keeper | None:
    """The keeper with this mobile number, created or renamed; None when no number is given."""
    phone = (phone or "").strip()
    if not phone:
        return None
    if not (phone.isdigit() and len(phone) == 11 and phone[0] == "1"):
        raise InvalidInput.field("keeper_phone", "管护人手机号应为11位 / the keeper's mobile number is 11 digits")
    keeper, created = Keeper.objects.get_or_create(phone=phone, defaults={"name": name.strip()[:40] or phone})
    if not created and name.strip() and keeper.name != name.strip()[:40]:
        keeper.name = name.strip()[:40]
        keeper.save(update_fields=["name"])
    return keeper


def set_state(facility: Facility, state: str) -> None:
    if facility.state == state:
        return
    Facility.objects.filter(pk=facility.pk).update(state=state, changed_date=timezone.localdate(), updated_at=timezone.now())
    facility.state = state


POSITION_FIELDS = frozenset({"lon", "lat", "street_id", "community_id", "grid_id"})


def on_facility_saved(sender, *, instance, created, update_fields=None, **kwargs) -> None:
    """The map's in-memory index (facilities.index) is rebuilt when a facility is added or moved."""
    if created or update_fields is None or POSITION_FIELDS & set(update_fields):
        revisions.bump(index.REVISION)


def on_facility_deleted(sender, **kwargs) -> None:
    revisions.bump(index.REVISION)


# ---------------------------------------------------------------------------- cases about facilities


def on_case_changed(sender, *, case, event, refs, **kwargs) -> None:
    """Receiver of cases.signals.case_changed (inside the case's transaction): rows only, never raises
    for a case that names no facility."""
    if event.action == "report":
        facility_id = str((refs or {}).get("facility") or "")
        if facility_id:
            _case_opened(case, facility_id, event.created_at)
        return
    was, now = KIND_OF.get(event.from_state), KIND_OF.get(event.to_state)
    if was == now:
        return
    links = FacilityCase.objects.filter(case_id=case.pk).select_related("facility", "facility__keeper")
    if now == Kind.OPEN:  # reopened (返工 after closing)
        for link in links:
            FacilityCase.objects.filter(pk=link.pk).update(closed_at=None)
            set_state(link.facility, rules.state_when_case_opens(link.facility.state))
        return
    for link in links.filter(closed_at__isnull=True):
        FacilityCase.objects.filter(pk=link.pk).update(closed_at=event.created_at)
        still_open = FacilityCase.objects.filter(facility_id=link.facility_id, closed_at__isnull=True).count()
        set_state(link.facility, rules.state_when_cases_close(link.facility.state, still_open=still_open))


def _case_opened(case, facility_id: str, at) -> None:
    facility = Facility.objects.select_related("keeper", "component").filter(pk=facility_id).first()
    if facility is None:
        return  # a stale label: the case stands on its own
    FacilityCase.objects.get_or_create(facility=facility, case=case, defaults={"opened_at": at})
    set_state(facility, rules.state_when_case_opens(facility.state))
    keeper = facility.keeper
    if keeper is not None and keeper.active:
        notify.enqueue_sms(phone=keeper.phone, template=SMS_TEMPLATE, case=case,
                           subject=f"部件问题 {case.reference}",
                           params={"facility": facility.name[:20], "code": facility.id, "reference": case.reference})
