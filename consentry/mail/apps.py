from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "consentry.mail"
    verbose_name = _("outgoing mail")
