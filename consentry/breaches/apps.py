from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BreachesConfig(AppConfig):
    name = "consentry.breaches"
    verbose_name = _("data breaches")
