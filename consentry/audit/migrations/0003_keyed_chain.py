"""The keyed chain (see `audit.models`): a `key_version` per entry, and a seal.

Existing entries keep their plain SHA-256 hashes (key_version 0, the column's database
default); none is rewritten. If there are any, one keyed entry ("audit.keyed") is appended
behind them, so that every chain with entries ends in a keyed one from now on: a chain whose
newest entry is not keyed was rewritten by someone without CONSENTRY_AUDIT_KEY.
"""

from datetime import UTC

from django.db import migrations, models
from django.utils import timezone

from consentry.audit.models import KEYED, UNKEYED, chain_payload, hash_payload


def seal(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    last = AuditEntry.objects.order_by("-sequence").first()
    if last is None or last.key_version != UNKEYED:
        return
    entry = AuditEntry(
        sequence=last.sequence + 1,
        recorded_at=timezone.now().astimezone(UTC),
        actor_label="migration",
        action="audit.keyed",
        data={"unkeyed_until": last.sequence},
        previous_hash=last.entry_hash,
        key_version=KEYED,
    )
    entry.entry_hash = hash_payload(chain_payload(entry), KEYED)
    entry.save()


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_on_postgresql")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="key_version",
            field=models.PositiveSmallIntegerField(db_default=0, default=1),
        ),
        migrations.RunPython(seal, migrations.RunPython.noop),
    ]
