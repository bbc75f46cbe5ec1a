from django.urls import path

from civicloop.points import views

app_name = "points"
urlpatterns = [
    path("m/points/", views.my, name="my"),
    path("m/points/history/", views.history, name="history"),
    path("m/points/mall/", views.mall, name="mall"),
    path("m/points/mall/<int:item_id>/redeem/", views.redeem, name="redeem"),
    path("m/points/orders/", views.orders, name="orders"),
    path("m/points/orders/<int:order_id>/", views.order, name="order"),
    path("m/points/orders/<int:order_id>/cancel/", views.cancel, name="cancel"),
    path("m/points/honours/", views.honours, name="honours"),
    path("m/points/honours/<int:title_id>/exchange/", views.exchange_title, name="exchange_title"),
    path("m/points/certificate.pdf", views.certificate_pdf, name="certificate"),
    path("m/points/donate/", views.donate, name="donate"),
    path("points/pools/", views.pools, name="pools"),
    path("points/api/v1/credit", views.credit_api, name="credit_api"),
    path("console/points/", views.staff_home, name="staff_home"),
    path("console/points/catalogue/", views.staff_catalogue, name="staff_catalogue"),
    path("console/points/pickup/", views.staff_pickup, name="staff_pickup"),
    path("console/points/rules/", views.staff_rules, name="staff_rules"),
    path("console/points/flags/", views.staff_flags, name="staff_flags"),
    path("console/points/partners/", views.staff_partners, name="staff_partners"),
]
