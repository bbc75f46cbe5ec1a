from django.urls import path

from civicloop.routing import views

app_name = "routing"
urlpatterns = [
    path("console/routing/", views.rules_page, name="rules"),
    path("console/routing/<int:rule_id>/", views.rule_page, name="rule"),
    path("console/routing/<int:rule_id>/delete", views.delete_rule, name="delete_rule"),
]
