from django.urls import path

from civicloop.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("console/evaluation/", views.staff_page, name="staff"),
    path("console/evaluation/publish", views.publish, name="publish"),
    path("evaluation/", views.public_index, name="public"),
    path("evaluation/<str:month_text>/<slug:subject>/", views.public_month, name="public_month"),
]
