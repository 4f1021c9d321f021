from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "consentry.mail"
    verbose_name = _("outgoing mail")

    def ready(self) -> None:
        from consentry.consent.signals import consent_recorded

        from .receipts import on_consent_recorded

        consent_recorded.connect(on_consent_recorded, dispatch_uid="mail.receipts")
