from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consentry.backups.services import MASTER_KEY_NOTE, BackupError, make_backup


class Command(BaseCommand):
    help = (
        "Back up the database and every private file (photos, renditions, agreements, "
        "research material, previews; a local folder or an S3 bucket) into DIR, a new "
        "directory, with a manifest of checksums and counts. DIR appears only once the "
        "backup is complete. " + MASTER_KEY_NOTE
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="a new directory (must not exist)")

    def handle(self, *args, directory: Path, **options):
        try:
            summary = make_backup(directory)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backed up {summary.describe()} to {directory}.")
        self.stdout.write(
            f"{MASTER_KEY_NOTE} This backup needs the master key with fingerprint "
            f"{summary.master_key_fingerprint}."
        )
