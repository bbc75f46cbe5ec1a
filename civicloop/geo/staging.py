"""The console's import of boundaries and grids waits between preview and confirm: the upload is kept in
the data directory under a random token (not in the session: a survey is megabytes) with its dry-run report
and the shapes to draw, and is thrown away after confirming or after STAGE_HOURS.

stage, staged, discard and purge_expired are the primitive other console imports reuse (the gazetteer's):
each keeps its uploads in its own `area` of the data directory, with its own options dataclass."""
from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy

from civicloop.geo.importing import GRIDS, Change, Options, Report, import_boundaries, import_grids

STAGE_HOURS = 2
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_PREVIEW_SHAPES = 5000  # what a browser draws without stalling; the report still lists everything
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
AREA = "geo-imports"


@dataclass
class Staged:
    token: str
    kind: str
    path: Path
    options: object  # the importer's options dataclass (geo.importing.Options here)
    user_id: int | None
    created: float

    @property
    def folder(self) -> Path:
        return self.path.parent


def stage_root(area: str = AREA) -> Path:
    return Path(settings.DATA_DIR) / area


def stage(upload, kind: str, options, *, user, area: str = AREA) -> Staged:
    """Keep an uploaded file for its preview and confirmation; old ones are removed first."""
    purge_expired(area)
    token = secrets.token_urlsafe(24)
    folder = stage_root(area) / token
    folder.mkdir(parents=True)
    suffix = Path(upload.name or "").suffix.lower()
    path = folder / f"upload{suffix}"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    options.source_name = Path(upload.name or path.name).name[:255]
    meta = {"kind": kind, "options": asdict(options), "user_id": getattr(user, "pk", None), "created": time.time(),
            "file": path.name}
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return Staged(token, kind, path, options, meta["user_id"], meta["created"])


def staged(token: str, *, user, area: str = AREA, options_type: type = Options) -> Staged | None:
    """The upload behind a token, if it is the user's own and has not expired."""
    if not _TOKEN.match(token or ""):
        return None
    folder = stage_root(area) / token
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta["user_id"] != getattr(user, "pk", None) or time.time() - meta["created"] > STAGE_HOURS * 3600:
        return None
    return Staged(token, meta["kind"], folder / meta["file"], options_type(**meta["options"]), meta["user_id"],
                  meta["created"])


def check_staged(item: Staged, *, user=None) -> Report:
    """The dry run behind the preview: the report and the shapes to draw are kept beside the upload."""
    run = import_grids if item.kind == GRIDS else import_boundaries
    report = run(item.path, replace(item.options, dry_run=True), user=user)
    (item.folder / "preview.json").write_text(json.dumps(preview_layer(report), ensure_ascii=False), encoding="utf-8")
    slim = replace(report, created=[replace(c, geometry="", before="") for c in report.created],
                   updated=[replace(c, geometry="", before="") for c in report.updated], refused_shapes=[])
    (item.folder / "report.json").write_text(json.dumps(slim.as_dict(), ensure_ascii=False), encoding="utf-8")
    return report


def staged_report(item: Staged) -> Report | None:
    try:
        return Report.from_dict(json.loads((item.folder / "report.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def staged_preview(item: Staged) -> dict:
    try:
        return json.loads((item.folder / "preview.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"type": "FeatureCollection", "features": []}


def confirm_staged(item: Staged, *, user) -> Report:
    """The import itself, judged again against the database as it is now; the upload is then removed."""
    run = import_grids if item.kind == GRIDS else import_boundaries
    try:
        return run(item.path, replace(item.options, dry_run=False), user=user)
    finally:
        discard(item)


def discard(item: Staged) -> None:
    shutil.rmtree(item.folder, ignore_errors=True)


def purge_expired(area: str = AREA) -> int:
    root = stage_root(area)
    if not root.exists():
        return 0
    cutoff = time.time() - STAGE_HOURS * 3600
    old = [folder for folder in root.iterdir() if folder.is_dir() and folder.stat().st_mtime < cutoff]
    for folder in old:
        shutil.rmtree(folder, ignore_errors=True)
    return len(old)


def preview_layer(report: Report) -> dict:
    """GeoJSON (WGS-84) of what would change: new, changed (with the shape it replaces) and refused."""
    features = []
    groups = [("refused", report.refused_shapes), ("updated", report.updated), ("created", report.created)]
    for status, changes in groups:
        for change in changes:
            if len(features) >= MAX_PREVIEW_SHAPES:
                break
            if change.before:
                features.append(_preview_feature(change.before, change, "before"))
            features.append(_preview_feature(change.geometry, change, status))
    return {"type": "FeatureCollection", "features": features,
            "truncated": len(features) >= MAX_PREVIEW_SHAPES}


def _preview_feature(text: str, change: Change, status: str) -> dict:
    return {"type": "Feature", "geometry": json.loads(text),
            "properties": {"code": change.code, "name": change.name, "status": status}}


CRS_CHOICES = [
    ("", gettext_lazy("As the file says (.prj, GeoPackage, GeoJSON)")),
    ("EPSG:4326", "WGS-84 (EPSG:4326)"),
    ("EPSG:4490", gettext_lazy("CGCS2000 longitude/latitude (EPSG:4490)")),
    ("gcj02", gettext_lazy("GCJ-02 (AMap, Tencent)")),
    ("bd09", gettext_lazy("BD-09 (Baidu)")),
    ("other", gettext_lazy("Another EPSG code (Gauss–Krüger …)")),
]


class UploadForm(forms.Form):
    """What every surveyor's-file upload asks: the file, its coordinate system, the layer, and whether the
    good rows go in without the refused ones. Each import page adds its kind and columns."""

    file_help = ""
    crs_help = ""

    file = forms.FileField(label=gettext_lazy("File"))
    crs = forms.ChoiceField(label=gettext_lazy("Coordinate system"), choices=CRS_CHOICES, required=False)
    epsg = forms.CharField(label=gettext_lazy("EPSG code"), required=False, max_length=40,
                           help_text=gettext_lazy("For example EPSG:4545 (CGCS2000 3° Gauss–Krüger, 108°E)."))
    layer = forms.CharField(label=gettext_lazy("Layer"), required=False, max_length=120)
    accept_good = forms.BooleanField(label=gettext_lazy("Import the good rows, leave the refused out"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = self.file_help
        self.fields["crs"].help_text = self.crs_help

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(gettext_lazy("The file is too large."))
        return upload

    def clean(self):
        data = super().clean()
        if data.get("crs") == "other" and not (data.get("epsg") or "").strip():
            self.add_error("epsg", gettext_lazy("Give the EPSG code."))
        return data

    def chosen_crs(self) -> str:
        data = self.cleaned_data
        return data["epsg"].strip() if data["crs"] == "other" else data["crs"]
