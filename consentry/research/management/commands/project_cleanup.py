from django.core.management.base import BaseCommand

from consentry.research.services import cleanup


class Command(BaseCommand):
    help = (
        "Destroy the material of research and training projects (categories 6, 7, 8) whose "
        "end date has passed. Rule: the end date is the last day of use; from the next day the "
        "files are deleted, the rows kept as the record without names or tags, and each "
        "destruction written to the audit trail (what, when, rule). Run it daily; material "
        "already destroyed (by this command or the retention job) is left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be destroyed; change nothing."
        )

    def handle(self, *args, dry_run: bool, **options):
        done = cleanup(dry_run=dry_run)
        verb = "Would destroy" if dry_run else "Destroyed"
        count = 0
        for item in done:
            if dry_run or item.done:
                count += 1
                material, project = item.material, item.material.project
                self.stdout.write(
                    f"{verb} {material.kind} #{material.pk} of project #{project.pk} "
                    f"(ended {project.ends_on.isoformat()})"
                )
        self.stdout.write(f"{count} item(s) {'due' if dry_run else 'destroyed'}.")
