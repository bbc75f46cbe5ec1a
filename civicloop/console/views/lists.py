"""Case lists with filters, sort, pagination, saved views and export (to be built)."""
from django.http import HttpResponse


def case_list(request):
    return HttpResponse("todo", status=501)


def export(request, fmt):
    return HttpResponse("todo", status=501)


def save_view(request):
    return HttpResponse("todo", status=501)


def delete_view(request, view_id):
    return HttpResponse("todo", status=501)
