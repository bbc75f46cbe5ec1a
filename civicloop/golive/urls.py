from django.urls import path

from civicloop.golive import views

app_name = "golive"
urlpatterns = [
    path("console/golive/", views.page, name="page"),
]
