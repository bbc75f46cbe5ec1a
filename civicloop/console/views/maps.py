"""The map: cases coloured by light, grids and divisions (to be built)."""
from django.http import HttpResponse


def map_page(request):
    return HttpResponse("todo", status=501)


def case_features(request):
    return HttpResponse("todo", status=501)


def grid_features(request):
    return HttpResponse("todo", status=501)


def division_features(request):
    return HttpResponse("todo", status=501)
