from django.urls import path

from civicloop.setupdata import views

app_name = "setupdata"
urlpatterns = [
    path("console/setup/", views.index, name="index"),
    path("console/setup/templates/<slug:kind>.xlsx", views.template, name="template"),
    path("console/setup/upload", views.upload, name="upload"),
    path("console/setup/confirm", views.confirm, name="confirm"),
    path("console/welcome/<str:uidb64>/<str:token>/", views.set_password, name="set_password"),
]
