from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PhotosConfig(AppConfig):
    name = "consentry.photos"
    label = "photos"
    verbose_name = _("photos")

    def ready(self) -> None:
        from consentry.consent.signals import consent_narrowed

        from .takedowns import on_consent_narrowed

        consent_narrowed.connect(on_consent_narrowed, dispatch_uid="photos.takedowns")

        from .retention import register

        register()  # retention, erasure and export know photos through this
