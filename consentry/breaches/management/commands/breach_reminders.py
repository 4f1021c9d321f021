from django.core.management.base import BaseCommand

from consentry.breaches.services import send_due_reminders


class Command(BaseCommand):
    help = (
        "Send the data-breach reminders that are due: 24 and 48 hours after discovery, to the "
        "school's leadership and the board's privacy officers, while the AP decision is open. "
        "Each reminder goes out once, however often this runs; schedule it hourly."
    )

    def handle(self, *args, **options):
        sent = send_due_reminders()
        self.stdout.write(f"Reminders sent for {sent} breach(es).")
