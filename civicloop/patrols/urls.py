from django.urls import path

from civicloop.patrols import api, views

app_name = "patrols"
urlpatterns = [
    path("console/patrols/", views.phone, name="phone"),
    path("console/patrols/coverage/", views.coverage, name="coverage"),
    path("console/patrols/<int:patrol_id>/", views.patrol_page, name="patrol"),
    path("patrols/api/start", api.start, name="api_start"),
    path("patrols/api/<int:patrol_id>/points", api.points, name="api_points"),
    path("patrols/api/<int:patrol_id>/end", api.end, name="api_end"),
    path("patrols/api/position", api.position, name="api_position"),
    path("patrols/api/duty", api.duty, name="api_duty"),
]
