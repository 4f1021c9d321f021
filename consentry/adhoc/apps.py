from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdhocConfig(AppConfig):
    """Separate consent requests ("in every other or doubtful case we ask separately").

    Called `adhoc`, not `requests`, so it is never confused with the HTTP library.
    """

    name = "consentry.adhoc"
    label = "adhoc"
    verbose_name = _("separate consent requests")

    def ready(self) -> None:
        from . import retention

        retention.register()
