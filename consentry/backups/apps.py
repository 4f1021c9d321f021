from django.apps import AppConfig


class BackupsConfig(AppConfig):
    """`consentry backup` and `consentry restore` (no models of its own)."""

    name = "consentry.backups"
