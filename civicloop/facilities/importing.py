"""Load a registry file (Excel, ODS, CSV, GeoJSON, Shapefile) row by row with a report of every bad row.

Tables are read by lib/tabular.py; the kinds of registry (facilities here, shops in the shops app) are
declared as `registry_rows` on their app's AppConfig, so this module imports none of them.

Re-runs are idempotent: a row with an id updates that facility; a row without one matches an
existing facility of the same component, name and point (to 0.1 m) before a new id is given.
Good rows load even when others are bad; each bad row is named with its number and reason.
"""
from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from civicloop.core import extensions
from civicloop.core.errors import ServiceError
from civicloop.facilities import rules, services
from civicloop.facilities.models import Facility, ImportJob, State
from civicloop.facilities.rows import BadRow, day, point, text
from civicloop.lib import codes, tabular

TABLES = (".xlsx", ".xlsm", ".ods", ".csv")
FORMATS = (*TABLES, ".geojson", ".json", ".zip", ".shp")
BATCH = 500

# Column names as cities write them (Chinese) and as other systems export them (English).
ALIASES = {
    "id": ("标识码", "部件标识码", "部件编码", "id", "code", "bsm"),
    "name": ("名称", "部件名称", "name", "mc"),
    "component": ("部件代码", "部件类型代码", "小类代码", "component", "category"),
    "lon": ("经度", "lon", "lng", "x"),
    "lat": ("纬度", "lat", "y"),
    "crs": ("坐标系", "crs"),
    "state": ("状态", "部件状态", "state", "status"),
    "address": ("地址", "位置", "address"),
    "competent_code": ("主管部门代码", "competent_code"),
    "competent_name": ("主管部门", "主管部门名称", "competent_name"),
    "owner_unit": ("权属单位", "owner_unit", "owner"),
    "maintainer_unit": ("养护单位", "maintainer_unit", "maintainer"),
    "initial_date": ("初始日期", "initial_date"),
    "data_source": ("数据来源", "data_source", "source"),
    "keeper_name": ("管护人", "所长", "桶长", "台长", "keeper", "keeper_name"),
    "keeper_phone": ("管护人电话", "管护人手机", "联系电话", "keeper_phone", "phone"),
    # shops
    "licence_no": ("许可证号", "营业执照号", "licence_no", "license_no", "licence"),
    "kind": ("类型", "经营类型", "kind", "type"),
    "operator_name": ("经营者", "负责人", "operator", "operator_name"),
    "operator_phone": ("经营者电话", "operator_phone"),
}
HEADERS = tabular.Aliases(ALIASES)
STATE_NAMES = {label.split()[0]: value for value, label in State.choices} | {value: value for value in State.values}


class BadFile(ServiceError):
    status = 400
    code = "bad_file"


@dataclass
class Outcome:
    counts: dict = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0, "error": 0})
    problems: list[tabular.Problem] = field(default_factory=list)

    def add(self, row: int, result: str, *, key: str = "", problem: tabular.Problem | None = None) -> None:
        self.counts[result] += 1
        if problem is not None:
            self.problems.append(problem)


def row_problem(number: int, key: str, exc: BadRow, row: dict, columns: dict[str, str]) -> tabular.Problem:
    """A refused row as the user sees it: the file's own headers for the cells at fault (our field's
    name where the file has none, as a point from a feature's geometry)."""
    names = getattr(exc, "fields", ())
    return tabular.Problem(row=number, message=str(exc), key=key,
                           column=", ".join(columns.get(n, n) for n in names),
                           value=", ".join(tabular.cell_text(row.get(n)) for n in names))


# ---------------------------------------------------------------------------- reading files


def read_rows(path: Path) -> Iterator[dict]:
    """Rows as {canonical name: value}, numbered as a person sees them (a table's header is row 1)."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise BadFile(f"不支持的文件类型 {suffix}，可用 Excel、ODS、CSV、GeoJSON、Shapefile(.zip) / unsupported file type")
    reader = _table if suffix in TABLES else {".geojson": _geojson, ".json": _geojson, ".zip": _shapefile_zip,
                                              ".shp": _shapefile}[suffix]
    try:
        yield from reader(path)
    except (BadFile, BadRow):
        raise
    except tabular.TableError as exc:
        raise BadFile(exc.text(gettext)) from None
    except Exception as exc:
        raise BadFile(f"文件无法读取 / cannot read the file: {exc}") from exc


def _canonical(raw: dict) -> dict:
    named = {k: v for k, v in raw.items() if k is not None}
    return {**HEADERS.values(named), "_columns": HEADERS.columns(named)}


def _table(path: Path) -> Iterator[dict]:
    table = tabular.read(path)
    columns = HEADERS.columns(table.header)
    for number, raw in table.rows:
        yield {"_row": number, "_columns": columns, **{name: raw.get(column) for name, column in columns.items()}}


def _geojson(path: Path) -> Iterator[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    for number, feature in enumerate(data.get("features") or [], start=1):
        geometry = feature.get("geometry") or {}
        row = {"_row": number, **_canonical(feature.get("properties") or {})}
        if geometry.get("type") == "Point" and len(geometry.get("coordinates") or []) >= 2:
            row["lon"], row["lat"] = geometry["coordinates"][:2]
        if feature.get("id") and "id" not in row and "licence_no" not in row:
            row["id"] = feature["id"]
        yield row


def _shapefile(path: Path) -> Iterator[dict]:
    with open(path, "rb") as shp, open(path.with_suffix(".dbf"), "rb") as dbf:
        cpg = path.with_suffix(".cpg")
        yield from _shape_rows(shp, dbf, cpg.read_text().strip() if cpg.exists() else "")


def _shapefile_zip(path: Path) -> Iterator[dict]:
    with zipfile.ZipFile(path) as archive:
        names = {Path(n).suffix.lower(): n for n in archive.namelist()}
        if ".shp" not in names or ".dbf" not in names:
            raise BadFile("压缩包中应有 .shp 和 .dbf 文件 / the zip must hold a .shp and a .dbf")
        encoding = archive.read(names[".cpg"]).decode().strip() if ".cpg" in names else ""
        shp, dbf = io.BytesIO(archive.read(names[".shp"])), io.BytesIO(archive.read(names[".dbf"]))
        yield from _shape_rows(shp, dbf, encoding)


def _shape_rows(shp, dbf, encoding: str) -> Iterator[dict]:
    import shapefile

    # Without a .cpg, Chinese shapefiles are nearly always GBK.
    reader = shapefile.Reader(shp=shp, dbf=dbf, encoding=_encoding(encoding), encodingErrors="replace")
    names = [f[0] for f in reader.fields[1:]]
    for number, item in enumerate(reader.iterShapeRecords(), start=1):
        row = {"_row": number, **_canonical(dict(zip(names, item.record)))}
        if item.shape.points:
            row["lon"], row["lat"] = item.shape.points[0][:2]
        yield row


def _encoding(cpg: str) -> str:
    name = cpg.strip().lower().replace("-", "")
    if not name or name in ("936", "gbk", "gb2312"):
        return "gbk"
    return "utf-8" if name in ("utf8", "65001") else cpg.strip()


# ---------------------------------------------------------------------------- applying rows


def facility_row(row: dict, components: frozenset[str]) -> tuple[str, str]:
    """Applies one row; returns (result, id). Raises BadRow with the reason."""
    code = text(row, "id", 20)
    code = codes.upgrade_legacy_component_id(code)  # 16-digit ids of the 2013 standard
    component = text(row, "component", 5) or (code[6:11] if len(code) == 17 else "")
    if code:
        # The county is checked against the place below, once the point is known.
        problem = rules.facility_id_problem(code, county=code[:6], components=components)
        if problem:
            raise BadRow(problem, fields=("id",))
        if component != code[6:11]:
            raise BadRow(f"部件代码{component}与标识码中的{code[6:11]}不符 / the component differs from the id's", fields=("component",))
    if component not in components:
        raise BadRow(f"部件代码无效：{component or '（空）'} / unknown or missing component code", fields=("component",))
    name = text(row, "name", 80)
    if not name:
        raise BadRow("缺少名称 / the name is missing", fields=("name",))
    state = text(row, "state", 10) or "完好"
    if state not in STATE_NAMES:
        raise BadRow(f"状态应为 完好/破损/丢失/废弃/移除：{state} / unknown state", fields=("state",))
    lon, lat = point(row)
    try:
        place = services.place_fields(lon, lat)
        keeper = services.keeper_for(text(row, "keeper_name", 40), text(row, "keeper_phone", 20))
    except ServiceError as exc:
        raise BadRow(str(exc)) from None
    problem = code and rules.facility_id_problem(code, county=codes.county_of(place["community_id"]),
                                                 components=components)
    if problem:
        raise BadRow(problem, fields=("id",))
    fields = {"component_id": component, "name": name, "address": text(row, "address", 200), **place,
              "state": STATE_NAMES[state], "competent_code": text(row, "competent_code", 18),
              "competent_name": text(row, "competent_name", 80), "owner_unit": text(row, "owner_unit", 80),
              "maintainer_unit": text(row, "maintainer_unit", 80), "data_source": text(row, "data_source", 40) or "导入",
              "initial_date": day(row, "initial_date")}
    if keeper is not None:
        fields["keeper_id"] = keeper.pk
    existing = _existing(code, component, name, place)
    if existing is None:
        new_id = code or services.allocate_id(component, county=codes.county_of(place["community_id"]))
        Facility.objects.create(id=new_id, **{**fields, "initial_date": fields["initial_date"] or timezone.localdate()})
        return "created", new_id
    changed = [k for k, v in fields.items() if v not in (None, "") and getattr(existing, k) != v]
    if not changed:
        return "unchanged", existing.id
    for name_ in changed:
        setattr(existing, name_, fields[name_])
    existing.changed_date = timezone.localdate()
    existing.save(update_fields=[*changed, "changed_date", "updated_at"])
    return "updated", existing.id


def _existing(code: str, component: str, name: str, place: dict) -> Facility | None:
    if code:
        return Facility.objects.filter(pk=code).first()
    return Facility.objects.filter(component_id=component, name=name, lon=place["lon"], lat=place["lat"]).first()


def facility_rows() -> Callable[[dict], tuple[str, str]]:
    components = services.component_codes()
    return lambda row: facility_row(row, components)


def appliers() -> dict[str, Callable[[], Callable[[dict], tuple[str, str]]]]:
    """Per kind of registry, a factory of its row function (built once per file), as the apps declare
    them (`registry_rows` on the AppConfig, core/extensions.py)."""
    return extensions.registry_rows()


def load(path: Path, *, kind: str = "facility", dry_run: bool = False, progress: Callable[[int], None] | None = None,
         rows: Iterator[dict] | None = None) -> Outcome:
    """Loads every good row of the file; the outcome names each bad row. dry_run: checks, saves nothing."""
    apply = appliers()[kind]()
    outcome = Outcome()
    batch: list[dict] = []
    for row in rows if rows is not None else read_rows(path):
        batch.append(row)
        if len(batch) >= BATCH:
            _apply_batch(batch, apply, outcome, dry_run)
            batch = []
            if progress:
                progress(sum(outcome.counts.values()))
    _apply_batch(batch, apply, outcome, dry_run)
    if progress:
        progress(sum(outcome.counts.values()))
    return outcome


class _DryRun(Exception):
    pass


def _apply_batch(batch: list[dict], apply, outcome: Outcome, dry_run: bool) -> None:
    try:
        with transaction.atomic():
            for row in batch:
                number = row.pop("_row", 0)
                columns = row.pop("_columns", {})  # our field → the file's header, to name a bad cell
                key = str(row.get("id") or row.get("licence_no") or "")
                try:
                    with transaction.atomic():  # a bad row's half-written rows go, the others stay
                        result, key = apply(row)
                except BadRow as exc:
                    outcome.add(number, "error", key=key, problem=row_problem(number, key, exc, row, columns))
                    continue
                outcome.add(number, result, key=key)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass


# ---------------------------------------------------------------------------- jobs for the upload page


def upload_dir() -> Path:
    folder = settings.DATA_DIR / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def start_job(upload, *, user, kind: str = "facility") -> ImportJob:
    suffix = Path(upload.name).suffix.lower()
    if suffix not in FORMATS:
        raise BadFile(f"不支持的文件类型 {suffix}，可用 xlsx、ods、csv、geojson、zip(Shapefile) / unsupported file type")
    job = ImportJob.objects.create(kind=kind, file_name=upload.name[:200], path="", created_by=user)
    path = upload_dir() / f"{job.pk}{suffix}"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    ImportJob.objects.filter(pk=job.pk).update(path=str(path))
    job.path = str(path)
    return job


def run_due() -> int:
    """Worker job: takes the oldest pending import and runs it to the end, saving progress as it goes."""
    updated = 0
    job = ImportJob.objects.filter(status=ImportJob.Status.PENDING).order_by("pk").first()
    if job is not None:
        # The conditional update is the claim: two workers never run one file.
        updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PENDING).update(status=ImportJob.Status.RUNNING)
    if not updated:
        return 0
    run_job(job)
    return 1


def run_job(job: ImportJob) -> ImportJob:
    path = Path(job.path)
    try:
        total = sum(1 for _ in read_rows(path))
        ImportJob.objects.filter(pk=job.pk).update(total=total, status=ImportJob.Status.RUNNING)
        outcome = load(path, kind=job.kind,
                       progress=lambda n: ImportJob.objects.filter(pk=job.pk).update(done=n))
    except ServiceError as exc:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, error=str(exc), finished_at=timezone.now())
    else:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, report=[p.as_dict() for p in outcome.problems],
                                                   counts=outcome.counts, finished_at=timezone.now())
    job.refresh_from_db()
    return job
