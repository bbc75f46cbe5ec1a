from django.apps import AppConfig


class BigscreenConfig(AppConfig):
    name = "civicloop.bigscreen"
    verbose_name = "指挥大屏 command-centre screen"
