from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "consentry.accounts"

    def ready(self) -> None:
        post_migrate.connect(_create_cache_table, sender=self)


def _create_cache_table(**kwargs) -> None:
    """With CONSENTRY_CACHE=database the rate limits live in a table: `migrate` makes it."""
    from django.conf import settings
    from django.core.management import call_command

    if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        call_command("createcachetable", database=kwargs.get("using", "default"), verbosity=0)
