from django.urls import path

from civicloop.geo import views

app_name = "geo"
urlpatterns = [
    path("console/geo/import/", views.import_page, name="import"),
    path("console/geo/import/<str:token>/", views.import_preview, name="import_preview"),
    path("console/geo/import/<str:token>/preview.json", views.import_preview_layer, name="import_preview_layer"),
    path("console/geo/import/<str:token>/confirm", views.import_confirm, name="import_confirm"),
]
