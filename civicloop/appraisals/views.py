"""评比 pages: the public list with likes and published results (/m/appraisals/), the staff pages."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from civicloop.appraisals import rules, services
from civicloop.appraisals.models import Appraisal, Criterion, Entry, Like, Photo
from civicloop.citizens import services as citizens
from civicloop.core.errors import Forbidden, ServiceError
from civicloop.facilities import access


@ensure_csrf_cookie
def public_list(request):
    return render(request, "appraisals/public_list.html", {
        "citizen": citizens.current_citizen(request), "appraisals": Appraisal.objects.all()[:20]})


@ensure_csrf_cookie
def public_detail(request, pk: int):
    appraisal = get_object_or_404(Appraisal, pk=pk)
    citizen = citizens.current_citizen(request)
    liked = set(Like.objects.filter(citizen=citizen, entry__appraisal=appraisal).values_list("entry_id", flat=True)) if citizen else set()
    entries = list(appraisal.entries.prefetch_related("photos"))
    for entry in entries:
        entry.nominated = rules.nominated(entry.likes, appraisal.like_threshold)
        entry.liked = entry.pk in liked
    published = appraisal.status == Appraisal.Status.PUBLISHED
    return render(request, "appraisals/public_detail.html", {
        "citizen": citizen, "appraisal": appraisal, "entries": entries, "message": request.session.pop("appraisal_message", ""),
        "results": services.results(appraisal) if published else None})


@require_POST
def like(request, pk: int):
    entry = get_object_or_404(Entry.objects.select_related("appraisal"), pk=pk)
    citizen = citizens.current_citizen(request)
    back = reverse("appraisals:public_detail", args=[entry.appraisal_id])
    if citizen is None:
        return redirect(f"{reverse('citizens:login')}?next={back}")
    try:
        new = services.like(entry, citizen)
        request.session["appraisal_message"] = "点赞成功！" if new else "您已经为它点过赞了，每人限一次。"
    except ServiceError as exc:
        request.session["appraisal_message"] = str(exc)
    return redirect(back)


def photo(request, pk: int):
    item = get_object_or_404(Photo, pk=pk)
    try:
        return FileResponse(item.image.open("rb"))
    except FileNotFoundError:
        raise Http404 from None


# ---------------------------------------------------------------------------- staff


def _staff(request):
    if not access.can_view(request.user):
        raise Http404


@login_required
def staff_list(request):
    _staff(request)
    return render(request, "appraisals/list.html", {"appraisals": Appraisal.objects.all()})


@login_required
def staff_detail(request, pk: int):
    _staff(request)
    appraisal = get_object_or_404(Appraisal, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            _act(request, appraisal)
        except ServiceError as exc:
            error = str(exc)
        else:
            return redirect("appraisals:staff_detail", pk=pk)
    entries = list(appraisal.entries.prefetch_related("photos"))
    for entry in entries:
        entry.nominated = rules.nominated(entry.likes, appraisal.like_threshold)
    is_judge = appraisal.judges.filter(pk=request.user.pk).exists()
    return render(request, "appraisals/detail.html", {
        "appraisal": appraisal, "entries": entries, "criteria": Criterion.objects.filter(appraisal=appraisal),
        "error": error, "is_judge": is_judge, "can_manage": access.can_manage(request.user),
        "results": services.results(appraisal)})


def _act(request, appraisal: Appraisal) -> None:
    action = request.POST.get("action")
    if action == "entry":
        if not access.can_manage(request.user):
            raise Forbidden("无权操作 / not allowed")
        services.add_entry(appraisal, title=request.POST.get("title", ""), owner=request.POST.get("owner", ""),
                           address=request.POST.get("address", ""), description=request.POST.get("description", ""),
                           photos=request.FILES.getlist("photos"))
    elif action == "judging":
        services.start_judging(appraisal, request.user)
    elif action == "publish":
        services.publish(appraisal, request.user)
    elif action == "score":
        entry = get_object_or_404(Entry, pk=request.POST.get("entry"), appraisal=appraisal)
        services.score(entry, request.user, {k[2:]: v for k, v in request.POST.items() if k.startswith("c_")})
