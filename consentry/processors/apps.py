from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcessorsConfig(AppConfig):
    name = "consentry.processors"
    verbose_name = _("processors and processing register")
