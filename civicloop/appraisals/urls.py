from django.urls import path

from civicloop.appraisals import views

app_name = "appraisals"
urlpatterns = [
    path("m/appraisals/", views.public_list, name="public_list"),
    path("m/appraisals/<int:pk>/", views.public_detail, name="public_detail"),
    path("m/appraisals/entries/<int:pk>/like", views.like, name="like"),
    path("m/appraisals/photos/<int:pk>", views.photo, name="photo"),
    path("console/appraisals/", views.staff_list, name="staff_list"),
    path("console/appraisals/<int:pk>/", views.staff_detail, name="staff_detail"),
]
