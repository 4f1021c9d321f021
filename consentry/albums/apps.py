from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlbumsConfig(AppConfig):
    """Consentry shows the published photos itself: the class and school albums for the
    families, the school's public feed, and newsletter images by link. Why here and not
    elsewhere: a withdrawal then takes effect the same minute everywhere they are shown."""

    name = "consentry.albums"
    label = "albums"
    verbose_name = _("photo albums and the public feed")
