from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PointsConfig(AppConfig):
    name = "civicloop.points"
    verbose_name = "积分 Points and honours"
    console_links = [
        (gettext_lazy("Points"), "points:staff_home", "civicloop.points.access.can_manage"),
        (gettext_lazy("Mall pickup"), "points:staff_pickup", "civicloop.points.access.can_keep_mall"),
    ]
    citizen_links = [("积分 · 荣誉 · 兑换", "points:my")]
    demo_seed = "civicloop.points.demo.seed"

    def ready(self) -> None:
        # Imported here, not at the top: models and the receivers' modules load once the app registry is ready.
        from civicloop.cases.signals import case_changed
        from civicloop.points.services import on_case_changed

        case_changed.connect(on_case_changed, dispatch_uid="points.on_case_changed")
