from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from civicloop.api import api
from civicloop.hotline.api import api as hotline_api
from civicloop.iot.api import api as iot_api
from civicloop.ops.views import healthz

admin.site.site_header = "civicloop 数字城管 管理后台"
admin.site.site_title = "civicloop"
admin.site.index_title = "配置 Configuration"

handler400 = "civicloop.core.views.bad_request"
handler403 = "civicloop.core.views.forbidden"
handler404 = "civicloop.core.views.not_found"
handler500 = "civicloop.core.views.server_error"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="console:home", permanent=False)),
    path("healthz", healthz, name="healthz"),
    # Open311 takes the most machine traffic: matched before the 20-odd includes below.
    path("", include("civicloop.open311.urls")),
    path("api/", api.urls),
    # Machine APIs with their own OpenAPI pages sit at the root: Ninja reverses its docs by its own
    # namespace, which an app namespace around it would hide.
    path("hotline/api/v1/", hotline_api.urls),
    path("iot/api/v1/", iot_api.urls),
    path("admin/", admin.site.urls),
    path("console/reports/", include("civicloop.reports.urls")),
    path("console/", include("civicloop.console.urls")),
    path("m/", include("civicloop.citizens.urls")),
    path("", include("civicloop.evaluation.urls")),
    path("screen/", include("civicloop.bigscreen.urls")),
    # Feature apps own everything under their prefix: staff pages under console/<app>/, citizen
    # pages under m/<app>/, public pages and machine APIs at the app's own prefix.
    path("", include("civicloop.points.urls")),
    path("", include("civicloop.volunteers.urls")),
    path("", include("civicloop.facilities.urls")),
    path("", include("civicloop.shops.urls")),
    path("", include("civicloop.appraisals.urls")),
    path("", include("civicloop.hotline.urls")),
    path("", include("civicloop.iot.urls")),
    path("", include("civicloop.patrols.urls")),
    path("", include("civicloop.routing.urls")),
    path("", include("civicloop.classifier.urls")),
    path("", include("civicloop.duplicates.urls")),
    path("", include("civicloop.geo.urls")),
    path("", include("civicloop.gazetteer.urls")),
    path("", include("civicloop.setupdata.urls")),
    path("", include("civicloop.golive.urls")),
    path("", include("civicloop.basemap.urls")),

    path("i18n/", include("django.conf.urls.i18n")),
]
