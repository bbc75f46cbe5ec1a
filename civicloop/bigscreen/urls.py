from django.urls import path

from civicloop.bigscreen import views

app_name = "bigscreen"

urlpatterns = [
    path("", views.screen, name="screen"),
    path("data.json", views.data, name="data"),
    path("map.json", views.boundaries, name="map"),
]
