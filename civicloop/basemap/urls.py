from django.urls import path

from civicloop.basemap import views

app_name = "basemap"

urlpatterns = [
    path("tiles/<int:z>/<int:x>/<int:y>", views.tile, name="tile"),
    path("basemap/features", views.features, name="features"),
]
