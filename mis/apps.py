from django.apps import AppConfig


class MisConfig(AppConfig):
    name = "mis"
    verbose_name = "MIS"
