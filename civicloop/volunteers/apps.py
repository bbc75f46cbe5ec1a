from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class VolunteersConfig(AppConfig):
    name = "civicloop.volunteers"
    verbose_name = "志愿服务 Volunteers"
    console_links = [(gettext_lazy("Volunteers"), "volunteers:staff_home", "civicloop.volunteers.access.can_manage")]
    citizen_links = [("志愿服务", "volunteers:my")]
    demo_seed = "civicloop.volunteers.demo.seed"
    volunteer_hours = "civicloop.volunteers.queries.hours_of"  # points' credit grade counts them
