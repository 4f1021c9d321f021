from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "consentry.jobs"
