import base64
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consentry.photos import crypto
from consentry.photos.rotation import RotationError, rotate_master_key

NEW_KEY_VARIABLE = "CONSENTRY_NEW_MASTER_KEY"


def new_master_key() -> bytes:
    value = os.environ.get(NEW_KEY_VARIABLE, "").strip()
    if not value:
        raise CommandError(
            f"Set {NEW_KEY_VARIABLE} to the new master key "
            "(base64 of 32 random bytes: `openssl rand -base64 32`)."
        )
    try:
        key = base64.b64decode(value, validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise CommandError(f"{NEW_KEY_VARIABLE} must be base64 of exactly 32 bytes.")
    return key


class Command(BaseCommand):
    help = (
        "Replace the master key: wrap every photo's, rendition's and research video's key "
        f"again under the key in {NEW_KEY_VARIABLE} (CONSENTRY_MASTER_KEY is the current one), "
        "in one transaction, each checked; the files do not change. Stop the web and the "
        "workers first. Then set "
        f"CONSENTRY_MASTER_KEY to the new key on every machine, remove {NEW_KEY_VARIABLE}, and "
        "start them again. Keep the old key as long as you keep backups made before."
    )

    def handle(self, *args, **options):
        old, new = settings.MASTER_KEY, new_master_key()
        try:
            counts = rotate_master_key(old, new)
        except RotationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Re-wrapped {counts['photos']} photo key(s) and {counts['publications']} "
            f"rendition key(s), and {counts['research videos']} research video key(s), "
            f"under the new master key (fingerprint {crypto.fingerprint(new)}); "
            f"{counts['already under the new key']} were already under it."
        )
        self.stdout.write(
            "Now set CONSENTRY_MASTER_KEY to the new key on every web and worker machine, remove "
            f"{NEW_KEY_VARIABLE}, and start them again. Until then nothing can decrypt a photo. "
            f"Keep the old key (fingerprint {crypto.fingerprint(old)}) as long as you keep "
            "backups made before now: their photos need it."
        )
