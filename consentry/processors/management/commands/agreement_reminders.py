from django.core.management.base import BaseCommand

from consentry.processors.models import reminder_days
from consentry.processors.services import send_agreement_reminders


class Command(BaseCommand):
    help = (
        "Remind each board's privacy officer of processor agreements whose review or end date "
        "is within CONSENTRY_AGREEMENT_REMINDER_DAYS days (30). Each deadline is reminded "
        "once, so run it daily (cron or a systemd timer); a second run sends nothing again. "
        "Ended and superseded agreements get no reminder."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Show who would be reminded; send nothing."
        )

    def handle(self, *args, dry_run: bool, **options):
        reminders = send_agreement_reminders(dry_run=dry_run)
        verb = "Would remind" if dry_run else "Reminded"
        for reminder in reminders:
            agreement = reminder.agreement
            to = ", ".join(user.email for user in reminder.recipients) or "nobody (no officer)"
            self.stdout.write(f"{verb} {to}: {agreement.processor}, by {agreement.deadline}")
        self.stdout.write(
            f"{len(reminders)} agreement(s) {'due' if dry_run else 'reminded'} "
            f"(window: {reminder_days()} days)."
        )
