from django.urls import path

from civicloop.hotline import views

app_name = "hotline"
urlpatterns = [
    path("console/hotline/", views.orders, name="orders"),
    path("console/hotline/orders/<int:order_id>/visit", views.visit, name="visit"),
    path("console/hotline/import", views.import_orders, name="import"),
    path("console/hotline/locate/", views.locate, name="locate"),
    path("console/hotline/locate/<int:order_id>/place", views.place, name="place"),
    path("console/hotline/systems", views.systems, name="systems"),
    path("console/hotline/systems/<int:system_id>/key", views.reissue, name="reissue"),
]
