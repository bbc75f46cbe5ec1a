from django.urls import path

from civicloop.citizens import views

app_name = "citizens"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("report/", views.report, name="new_report"),
    path("reports/<str:reference>/", views.report_detail, name="report"),
    path("wechat/bind/", views.wechat_bind, name="wechat_bind"),
    path("wechat/callback/", views.wechat_callback, name="wechat_callback"),
    path("areas.json", views.areas, name="areas"),
    path("map/", views.public_map, name="public_map"),
    path("map/cases.json", views.public_map_cases, name="public_map_cases"),
    path("me/data/", views.my_data, name="my_data"),  # export and account deletion
    path("me/data.json", views.my_data_export, name="my_data_export"),
    path("me/delete", views.my_data_delete, name="my_data_delete"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="sw"),
]
