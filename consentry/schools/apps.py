from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class SchoolsConfig(AppConfig):
    name = "consentry.schools"

    def ready(self) -> None:
        from . import access
        from .models import Guardianship, Pupil, StaffRole

        # A change to someone's links within a request is seen by the rest of that request.
        for model in (StaffRole, Guardianship, Pupil):
            post_save.connect(access.forget_scopes, sender=model, dispatch_uid=f"scope-{model}")
            post_delete.connect(access.forget_scopes, sender=model, dispatch_uid=f"scope-d-{model}")
