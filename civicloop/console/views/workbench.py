"""The workbenches: each role's queue on the left, the case and its next steps on the right.

Every button ends in one of cases.services' functions (the one door); this module only turns
forms into arguments and service errors into messages beside the fields. After an action the
next case of the queue opens, so an operator's hands stay on the keyboard.
"""
from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicloop.cases import attachments, services
from civicloop.cases.rules import Action
from civicloop.console import panel
from civicloop.console.forms import FORMS, errors_to_form
from civicloop.console.queues import QUEUES, Queue, counts, queues_for
from civicloop.console.reporting import report_page
from civicloop.core.errors import ActionNotAllowed, Conflict, Forbidden, InvalidInput, NotFound
from civicloop.lib.i18n import pick

QUEUE_PAGE = 50


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _queue(user, name: str) -> Queue:
    queue = QUEUES.get(name)
    if queue is None or user.role not in queue.roles:
        raise Http404(_("No such queue for your role."))
    return queue


def _case(user, reference: str, *, for_action: bool = False):
    try:
        return services.get_case(user, reference, for_action=for_action)
    except NotFound:
        raise Http404(_("Case not found, or not in your area.")) from None


@login_required
def home(request):
    mine = queues_for(request.user)
    if mine:
        return redirect("console:queue", mine[0].name)
    if request.user.is_staff:
        return redirect("admin:index")
    return redirect("console:case_list")


@login_required
@require_GET
def tabs(request):
    return render(request, "console/_tabs.html", _tabs(request.user, request.GET.get("current", "")))


def _tabs(user, current: str) -> dict:
    rows = [{"name": q.name, "label": q.label, **counts(q, user)} for q in queues_for(user)]
    return {"tabs": rows, "current": current}


@login_required
@require_GET
def queue(request, name: str):
    queue = _queue(request.user, name)
    items = list(queue.cases(request.user).select_related("category")[:QUEUE_PAGE])
    reference = request.GET.get("case") or (items[0].reference if items else "")
    context = {"queue": queue, "items": items, **_tabs(request.user, queue.name)}
    if reference:
        context.update(panel.context(request, _case(request.user, reference), queue=queue))
    return render(request, "console/workbench.html", context)


@login_required
@require_GET
def queue_items(request, name: str):
    queue = _queue(request.user, name)
    items = list(queue.cases(request.user).select_related("category")[:QUEUE_PAGE])
    return render(request, "console/_queue_items.html",
                  {"queue": queue, "items": items, "selected": request.GET.get("case", "")})


@login_required
@require_GET
def case_page(request, reference: str):
    case = _case(request.user, reference)
    return render(request, "console/case.html", panel.context(request, case))


@login_required
@require_GET
def case_panel(request, reference: str):
    queue = _queue(request.user, request.GET["queue"]) if request.GET.get("queue") else None
    case = _case(request.user, reference)
    response = render(request, "console/_panel.html", panel.context(request, case, queue=queue))
    if queue:
        response["HX-Push-Url"] = f"{reverse('console:queue', args=[queue.name])}?case={case.reference}"
    return response


@login_required
@require_GET
def case_sheet(request, reference: str):
    """案卷: the whole case on paper (print from the browser, or save as PDF)."""
    case = _case(request.user, reference)
    return render(request, "console/sheet.html", panel.context(request, case, with_forms=False))


@login_required
@require_GET
def photo(request, reference: str, attachment_id: int):
    case = _case(request.user, reference)
    try:
        item = attachments.get(case, attachment_id)
    except NotFound:
        raise Http404(_("Photo not found.")) from None
    response = attachments.file_response(item, size=request.GET.get("size", ""))
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------------------- acting


@login_required
@require_POST
def act(request, reference: str, action: str):
    action = action.replace("-", "_")
    if action not in FORMS:
        raise Http404(_("Unknown action."))
    queue = _queue(request.user, request.POST["queue"]) if request.POST.get("queue") else None
    try:
        case = _case(request.user, reference, for_action=True)
    except Forbidden as exc:
        return _refused(request, _case(request.user, reference), queue, exc, status=403)
    form = FORMS[action](request.POST, request.FILES, case=case, user=request.user, action=action)
    if not form.is_valid():
        return _show(request, case, queue, bound=(action, form), status=422)
    try:
        case = _perform(case, request.user, action, form)
    except InvalidInput as exc:
        errors_to_form(form, exc)
        return _show(request, _case(request.user, reference), queue, bound=(action, form), status=422)
    except Conflict as exc:
        return _refused(request, _case(request.user, reference), queue, exc, status=409)
    except (ActionNotAllowed, Forbidden) as exc:
        return _refused(request, _case(request.user, reference), queue, exc, status=422)
    return _done(request, case, queue, action)


def _perform(case, user, action: str, form):
    """The action and its photos in one transaction: both are saved, or neither."""
    prepared = attachments.prepare(form.cleaned_data.get("photos") or [])  # checked before anything changes
    with transaction.atomic():
        case = services.ACTIONS[action](case, user, **form.arguments())
        attachments.store(case, user, prepared, kind=form.photo_kind or "evidence")
    return case


def _refused(request, case, queue, exc, *, status: int):
    message = pick(exc.message, get_language())
    return _show(request, case, queue, error=message, status=status)


def _show(request, case, queue, *, status: int, bound=None, error: str = ""):
    context = panel.context(request, case, queue=queue, bound=bound, error=error)
    if not _is_htmx(request):
        return render(request, "console/case.html", context, status=status)
    return render(request, "console/_panel.html", context, status=status)


def _done(request, case, queue, action: str):
    message = _("%(action)s: %(reference)s") % {"action": pick(Action(action).label, get_language()),
                                                "reference": case.reference}
    if not _is_htmx(request):
        return redirect(reverse("console:case", args=[case.reference]))
    target = _next_in(queue, request.user, after=case) if queue else case
    if target is None:
        response = render(request, "console/_panel_empty.html", {"queue": queue, "notice": message})
    else:
        response = render(request, "console/_panel.html",
                          panel.context(request, target, queue=queue, notice=message))
    response["HX-Trigger"] = json.dumps({"case-acted": case.reference, "civic-toast": message})
    if queue:
        url = reverse("console:queue", args=[queue.name])
        response["HX-Push-Url"] = f"{url}?case={target.reference}" if target else url
    return response


def _next_in(queue: Queue, user, *, after):
    """The case to work on now: the same one while it stays in this queue (签收 leaves a task in
    the worker's list), otherwise the first of the queue."""
    cases = queue.cases(user)
    if cases.filter(pk=after.pk).exists():
        return after
    return cases.first()


# ---------------------------------------------------------------------------- field reports


@login_required
def report(request):
    """An inspector or grid worker reports what they see, and may close it on the spot (自行处置)."""
    return report_page(request)


@login_required
@require_POST
def bulk_dispatch(request):
    """批量派遣: each ticked case to its routing suggestion; one case failing does not stop the rest."""
    queue = _queue(request.user, "dispatch")
    done, failed = [], []
    for pick_value in request.POST.getlist("pick"):
        reference, _sep, version = pick_value.partition(":")
        try:
            case = services.get_case(request.user, reference, for_action=True)
            services.dispatch_case(case, request.user, version=int(version or 0))
            done.append(reference)
        except (InvalidInput, Conflict, ActionNotAllowed, Forbidden, NotFound, ValueError) as exc:
            failed.append((reference, pick(getattr(exc, "message", str(exc)), get_language())))
    target = queue.cases(request.user).first()
    notice = _("Dispatched %(n)d case(s).") % {"n": len(done)}
    context = {"queue": queue, "notice": notice}
    if target is not None:
        context = panel.context(request, target, queue=queue, notice=notice)
    context["bulk_failed"] = failed
    response = render(request, "console/_panel.html" if target else "console/_panel_empty.html", context,
                      status=200 if done or not failed else 422)
    response["HX-Trigger"] = json.dumps({"case-acted": ",".join(done), "civic-toast": notice})
    return response
