from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "civicloop.volunteers"
    verbose_name = "志愿服务 Volunteers"
