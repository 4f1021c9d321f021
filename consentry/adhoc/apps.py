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
        from .signals import request_opened
        from .tasks import on_request_opened

        retention.register()
        request_opened.connect(on_request_opened, dispatch_uid="adhoc.notices")
