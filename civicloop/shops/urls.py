from django.urls import path

from civicloop.shops import views

app_name = "shops"
urlpatterns = [
    path("s/<str:token>", views.public_page, name="public"),
    path("s/<str:token>/like", views.like, name="like"),
    path("console/shops/", views.staff_list, name="staff_list"),
    path("console/shops/rate", views.rate, name="rate"),
    path("console/shops/labels.pdf", views.labels_pdf, name="labels"),
    path("console/shops/<int:pk>/", views.staff_detail, name="staff_detail"),
]
