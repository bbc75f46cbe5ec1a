from django.urls import path, re_path

from civicloop.open311 import views, views_console

app_name = "open311"

FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    path("open311/v2/", views.root, name="root"),
    re_path(r"^open311/v2/discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^open311/v2/services" + FMT, views.service_list, name="services"),
    re_path(r"^open311/v2/services/(?P<code>[\w-]{1,40})" + FMT, views.service_definition, name="service"),
    re_path(r"^open311/v2/requests" + FMT, views.requests, name="requests"),
    re_path(r"^open311/v2/requests/(?P<reference>[\w-]{1,40})" + FMT, views.request_detail, name="request"),
    re_path(r"^open311/v2/tokens/(?P<token>[\w-]{1,40})" + FMT, views.token, name="token"),
    path("open311/v2/media/<str:reference>/<int:attachment_id>", views.media, name="media"),
    path("console/open311/keys/", views_console.keys, name="keys"),
    path("console/open311/keys/<int:pk>/revoke/", views_console.revoke, name="revoke"),
    re_path(r"^open311/v2/(?P<rest>.*)$", views.not_found, name="not_found"),
]
