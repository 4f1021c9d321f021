from django.apps import AppConfig


class LeafletsConfig(AppConfig):
    name = "consentry.leaflets"
