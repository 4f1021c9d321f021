from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PhotosConfig(AppConfig):
    name = "consentry.photos"
    label = "photos"
    verbose_name = _("photos")

    def ready(self) -> None:
        from consentry.consent.signals import consent_narrowed
        from consentry.leaflets.signals import leaflet_published

        from .takedowns import on_consent_narrowed, on_leaflet_published

        consent_narrowed.connect(on_consent_narrowed, dispatch_uid="photos.takedowns")
        leaflet_published.connect(on_leaflet_published, dispatch_uid="photos.takedowns")

        from . import checks  # noqa: F401 (registers the face detector check)
        from .retention import register

        register()  # retention, erasure and export know photos through this
