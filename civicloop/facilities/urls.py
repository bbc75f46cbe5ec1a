from django.urls import path

from civicloop.facilities import views

app_name = "facilities"
urlpatterns = [
    path("f/<str:token>", views.scan, name="scan"),
    path("f/<str:token>/", views.scan),
    path("m/facilities/mine/", views.mine, name="mine"),
    path("console/facilities/", views.staff_list, name="staff_list"),
    path("console/facilities/map/", views.staff_map, name="map"),
    path("console/facilities/map.json", views.map_layer, name="map_layer"),
    path("console/facilities/labels.pdf", views.labels_pdf, name="labels"),
    path("console/facilities/export.<str:fmt>", views.export, name="export"),
    path("console/facilities/import/", views.import_page, name="import"),
    path("console/facilities/import/<int:pk>/", views.import_job, name="import_job"),
    path("console/facilities/import/<int:pk>/run", views.import_run, name="import_run"),
    path("console/facilities/<str:pk>/", views.staff_detail, name="staff_detail"),
]
