"""The audit trail: an append-only, hash-chained log of everything that touches personal data.

Each entry's hash covers its own fields and the previous entry's hash, so changing, removing
or reordering an entry breaks the chain from that entry on (`consentry verify_audit`). On
PostgreSQL the database itself refuses UPDATE, DELETE and TRUNCATE on this table.

The hash is keyed. A plain hash proves nothing to someone who can write the database: they
change an entry and compute every later hash again. So each entry's hash is an HMAC-SHA256
under `settings.AUDIT_KEY` (CONSENTRY_AUDIT_KEY), which lives in the environment, never in
the database or a backup; without it nobody can make a changed chain verify.

`key_version` says how an entry was hashed, so that a chain written before the key verifies
as it was written (the table is append-only: no migration may rewrite an entry):

- 0 (`UNKEYED`): plain SHA-256 of the fields, the entries from before the key. They are
  protected too, but by the keyed entries after them: the first keyed entry's HMAC covers
  the hash of the last unkeyed one, and so, link by link, all of them.
- 1 (`KEYED`): HMAC-SHA256 under the audit key, over the same fields plus `key_version`.

So unkeyed entries may only come first. The migration that brought the key appended one keyed
entry ("audit.keyed") behind any unkeyed ones, and every entry since is keyed: a chain that
has an unkeyed entry after a keyed one, or whose newest entry is not keyed, was rewritten by
someone without the key (who could only fall back to plain SHA-256).

Actors and schools are kept as plain ids and labels, not foreign keys, so that deleting a
user never has to touch (and so could never silently rewrite) the log. Entries hold ids and
changed fields, not names: the log proves what happened without copying personal data.
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64
UNKEYED = 0  # plain SHA-256: written before CONSENTRY_AUDIT_KEY existed
KEYED = 1  # HMAC-SHA256 under settings.AUDIT_KEY


def canonical(value: Any) -> str:
    """One spelling of a JSON value, so that the same content always hashes the same."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def keyed_digest(text: str) -> str:
    """HMAC-SHA256 of the text under the audit key, in hex."""
    return hmac.new(settings.AUDIT_KEY, text.encode(), hashlib.sha256).hexdigest()


def row_digest(label: str, pk: int, values: list[Any]) -> str:
    """The keyed digest of an append-only row's decisive fields (`audited_fields`), stored in
    the audit entry written with the row, so `verify_audit` can tell whether the row changed.
    Keyed, so that neither a forger nor a reader of the trail can compute it: it never gives
    away a field the entry leaves out on purpose (a never-flag's reason)."""
    plain = [
        v.astimezone(UTC).isoformat(timespec="microseconds") if isinstance(v, datetime) else v
        for v in values
    ]
    return keyed_digest(canonical([label, pk, plain]))


class AuditEntry(models.Model):
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    school_id = models.BigIntegerField(_("school id"), null=True, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=60, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    # New entries are keyed; rows from before the column (and rows written outside the ORM)
    # are the unkeyed entries of old.
    key_version = models.PositiveSmallIntegerField(default=KEYED, db_default=UNKEYED)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["sequence"]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")

    def compute_hash(self) -> str:
        return hash_payload(chain_payload(self), self.key_version)


def chain_payload(entry) -> dict[str, Any]:
    """What an entry's hash covers (an AuditEntry, or the migration's historical one)."""
    return {
        "sequence": entry.sequence,
        "recorded_at": entry.recorded_at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "school_id": entry.school_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "data": entry.data,
        "previous_hash": entry.previous_hash,
    }


def hash_payload(payload: dict[str, Any], key_version: int) -> str:
    """The hash by `key_version` (see the module's text); "" for a version this code does not
    know, so that it never matches."""
    if key_version == UNKEYED:
        return hashlib.sha256(canonical(payload).encode()).hexdigest()
    if key_version == KEYED:
        return keyed_digest(canonical({**payload, "key_version": key_version}))
    return ""
