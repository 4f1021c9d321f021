from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "consentry.retention"
    label = "retention"
    verbose_name = _("retention and the rights of the people concerned")

    def ready(self) -> None:
        from . import checks, rules  # noqa: F401  (the built-in rules register themselves)
