from django.urls import path

from civicloop.iot import views

app_name = "iot"
urlpatterns = [
    path("console/iot/", views.devices, name="devices"),
    path("console/iot/devices/<int:device_pk>/token", views.reissue, name="reissue"),
    path("console/iot/rules", views.rule_list, name="rules"),
    path("console/iot/rules/<int:rule_pk>", views.rule_list, name="rule"),
    path("console/iot/events", views.events, name="events"),
    path("console/iot/events/rerun", views.rerun, name="rerun"),
]
