from django.contrib import admin
from django.urls import path

from civicloop.api import api
from civicloop.core.views import healthz

admin.site.site_header = "civicloop 数字城管 管理后台"
admin.site.site_title = "civicloop"
admin.site.index_title = "配置 Configuration"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
