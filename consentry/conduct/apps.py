from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConductConfig(AppConfig):
    name = "consentry.conduct"
    label = "conduct"
    verbose_name = _("privacy rules for interns and visitors")

    def ready(self) -> None:
        from . import retention

        retention.register()
