from django.urls import path

from civicloop.gazetteer import views

app_name = "gazetteer"
urlpatterns = [
    path("console/gazetteer/import/", views.import_page, name="import"),
    path("console/gazetteer/import/<str:token>/", views.import_preview, name="import_preview"),
    path("console/gazetteer/import/<str:token>/confirm", views.import_confirm, name="import_confirm"),
]
