from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "consentry.web"

    def ready(self) -> None:
        from django.urls import register_converter

        from consentry.ids import RowIdConverter

        from . import checks  # noqa: F401  (`consentry check --deploy` warns of demo mode)

        register_converter(RowIdConverter, "id")  # every row id in a URL (consentry/ids.py)
