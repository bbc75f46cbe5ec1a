from django.urls import path

from civicloop.console.views import auth, changes, lists, maps, workbench

app_name = "console"

urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("", workbench.home, name="home"),
    path("tabs", workbench.tabs, name="tabs"),
    path("q/<slug:name>/", workbench.queue, name="queue"),
    path("q/<slug:name>/items", workbench.queue_items, name="queue_items"),
    path("cases/<str:reference>/", workbench.case_page, name="case"),
    path("cases/<str:reference>/panel", workbench.case_panel, name="case_panel"),
    path("cases/<str:reference>/act/<slug:action>", workbench.act, name="act"),
    path("cases/<str:reference>/sheet", workbench.case_sheet, name="case_sheet"),
    path("cases/<str:reference>/photos/<int:attachment_id>", workbench.photo, name="photo"),
    path("report/", workbench.report, name="report"),
    path("q/dispatch/bulk", workbench.bulk_dispatch, name="bulk_dispatch"),
    path("cases/", lists.case_list, name="case_list"),
    path("cases.<str:fmt>", lists.export, name="case_export"),
    path("views/", lists.save_view, name="save_view"),
    path("views/<int:view_id>/delete", lists.delete_view, name="delete_view"),
    path("changes/", changes.change_log, name="change_log"),
    path("changes.<str:fmt>", changes.change_log_export, name="change_export"),
    path("changes/access-log.<str:fmt>", changes.access_log_export, name="access_log_export"),
    path("map/", maps.map_page, name="map"),
    path("map/cases.json", maps.case_features, name="map_cases"),
    path("map/grids.json", maps.grid_features, name="map_grids"),
    path("map/divisions.json", maps.division_features, name="map_divisions"),
]
