from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consentry.backups.services import MASTER_KEY_NOTE, BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `consentry backup` into an empty database (DATABASE_URL; "
        "do not run migrate first) and an empty private storage, after checking every "
        "checksum; nothing is changed when anything is wrong. The photos need the master key "
        "the backup was made under: " + MASTER_KEY_NOTE
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="a backup made by `consentry backup`")
        parser.add_argument(
            "--ignore-master-key",
            action="store_true",
            help="restore although CONSENTRY_MASTER_KEY is not the key of the backup "
            "(everything else is restored; its photos cannot be read)",
        )

    def handle(self, *args, directory: Path, ignore_master_key: bool, **options):
        try:
            summary = restore_backup(directory, ignore_master_key=ignore_master_key)
        except BackupError as error:
            raise CommandError(str(error)) from None
        made_at = summary.manifest["made_at"]
        self.stdout.write(f"Checked every checksum, and restored {summary.describe()}.")
        self.stdout.write(f"The backup was made at {made_at}. {MASTER_KEY_NOTE}")
        self.stdout.write(
            "Next: `consentry migrate` if this Consentry is newer than the backup, and "
            "`consentry verify_audit` to check the audit trail."
        )
