from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    name = "consentry.research"
    label = "research"
    verbose_name = _("research and training projects")

    def ready(self) -> None:
        from .retention import register

        register()  # retention, erasure and export know research material through this
