from django.urls import path

from civicloop.volunteers import views

app_name = "volunteers"
urlpatterns = [
    path("m/volunteers/", views.my, name="my"),
    path("m/volunteers/join/", views.join, name="join"),
    path("m/volunteers/a/<int:activity_id>/sign-up/", views.sign_up, name="sign_up"),
    path("m/volunteers/a/<int:activity_id>/scan/<str:code>/", views.scan, name="scan"),
    path("m/volunteers/a/<int:activity_id>/scan/<str:code>/<str:direction>", views.check, name="check"),
    path("console/volunteers/", views.staff_home, name="staff_home"),
    path("console/volunteers/a/<int:activity_id>/", views.staff_activity, name="staff_activity"),
]
