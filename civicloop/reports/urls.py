from django.urls import path

from civicloop.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("make", views.make, name="make"),
    path("<int:report_id>/download", views.download, name="download"),
]
