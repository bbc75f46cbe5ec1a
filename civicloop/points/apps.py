from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "civicloop.points"
    verbose_name = "积分 Points and honours"
