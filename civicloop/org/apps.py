from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "civicloop.org"
    verbose_name = "组织 Organisation"
