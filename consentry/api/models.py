"""Tokens with which a school's other systems (the parent app, the website) use the API."""

import hashlib
import secrets

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consentry.audit.services import record as audit
from consentry.schools.models import School

TOKEN_PREFIX = "cst_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def authenticate(self, token: str) -> "ApiToken | None":
        found = self.filter(token_hash=hash_token(token), revoked_at__isnull=True).first()
        if found is not None:
            self.filter(pk=found.pk).update(last_used_at=timezone.now())
        return found


class ApiToken(models.Model):
    """Scoped to one school. Only a hash is stored: the token is shown once, when made."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.school})"

    @classmethod
    def issue(cls, school: School, name: str, created_by=None) -> tuple["ApiToken", str]:
        """Make a token; a new way into the school's data is itself an audited action."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with transaction.atomic():
            row = cls.objects.create(
                school=school, name=name, token_hash=hash_token(token), created_by=created_by
            )
            audit(
                "api_token.issued",
                actor=created_by or "command line",
                obj=row,
                school_id=school.pk,
                data={"name": name},
            )
        return row, token
