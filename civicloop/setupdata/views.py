"""The console's set-up data page (administrators): download a template, upload a file, read the
row-by-row report of a trial run, then confirm. Also the page a new staff member's one-time link opens."""
from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicloop.core.guards import staff_page
from civicloop.setupdata import access, importing, invites, workbooks
from civicloop.setupdata.columns import KINDS

SESSION_KEY = "setupdata_uploads"
KEEP = 5  # uploads waiting for confirmation per session; older ones are forgotten and their files removed

admin_page = staff_page(access.can_use, refused="setupdata/refused.html")


def upload_dir() -> Path:
    folder = settings.DATA_DIR / "imports" / "setup"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@admin_page
def index(request):
    return render(request, "setupdata/index.html", {"kinds": KINDS.values()})


@admin_page
def template(request, kind: str):
    if kind not in KINDS:
        raise Http404
    response = HttpResponse(workbooks.template_bytes(kind, get_language()),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="civicloop-{kind}.xlsx"'
    return response


@require_POST
@admin_page
def upload(request):
    kind, upload_file = request.POST.get("kind", ""), request.FILES.get("file")
    error = ""
    if kind not in KINDS:
        error = _("Choose what the file holds.")
    elif upload_file is None:
        error = _("Choose a file.")
    elif Path(upload_file.name).suffix.lower() not in importing.SUFFIXES:
        error = str(importing.WRONG_TYPE)
    if error:
        return render(request, "setupdata/index.html", {"kinds": KINDS.values(), "error": error}, status=422)
    token = _keep(request, kind, upload_file)
    report = importing.import_file(kind, _path(request, token), dry_run=True)
    if report.problem or not report.rows:
        _forget(request, token)  # nothing to confirm
        token = ""
    return _report_page(request, report, token=token, name=upload_file.name)


@require_POST
@admin_page
def confirm(request):
    token = request.POST.get("token", "")
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if entry is None:
        return render(request, "setupdata/index.html", {
            "kinds": KINDS.values(), "error": _("That upload is no longer waiting: upload the file again.")}, status=410)
    report = importing.import_file(entry["kind"], _path(request, token), good_rows=request.POST.get("good_rows") == "1",
                                   actor=request.user)
    if report.applied:
        _forget(request, token)
    return _report_page(request, report, token="" if report.applied else token, name=entry["name"])


def _report_page(request, report: importing.Report, *, token: str, name: str):
    kind = KINDS[report.kind]
    status = 422 if report.problem else 200
    return render(request, "setupdata/report.html", {
        "report": report, "kind": kind, "token": token, "file_name": name,
        "good": report.count(importing.ADDED) + report.count(importing.UPDATED) + report.count(importing.UNCHANGED),
    }, status=status)


def _keep(request, kind: str, upload_file) -> str:
    token = secrets.token_urlsafe(16)
    suffix = Path(upload_file.name).suffix.lower()
    with open(upload_dir() / f"{token}{suffix}", "wb") as out:
        for chunk in upload_file.chunks():
            out.write(chunk)
    waiting = dict(request.session.get(SESSION_KEY, {}))
    waiting[token] = {"kind": kind, "name": upload_file.name[:200], "suffix": suffix}
    for old in list(waiting)[:-KEEP]:
        _remove(old, waiting.pop(old))
    request.session[SESSION_KEY] = waiting
    return token


def _path(request, token: str) -> Path:
    entry = request.session[SESSION_KEY][token]
    return upload_dir() / f"{token}{entry['suffix']}"


def _forget(request, token: str) -> None:
    waiting = dict(request.session.get(SESSION_KEY, {}))
    entry = waiting.pop(token, None)
    if entry:
        _remove(token, entry)
    request.session[SESSION_KEY] = waiting


def _remove(token: str, entry: dict) -> None:
    (upload_dir() / f"{token}{entry['suffix']}").unlink(missing_ok=True)


def set_password(request, uidb64: str, token: str):
    """A new staff member's one-time link: choose a password, then sign in as usual."""
    user = invites.invited_user(uidb64, token)
    if user is None:
        return render(request, "setupdata/link_invalid.html", status=404)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invites.set_first_password(user, form.cleaned_data["new_password1"])
        except ValueError:
            return render(request, "setupdata/link_invalid.html", status=404)
        return render(request, "setupdata/password_set.html", {"person": user})
    return render(request, "setupdata/set_password.html", {"form": form, "person": user},
                  status=422 if request.method == "POST" else 200)
