from django.core.management.base import BaseCommand, CommandError

from consentry.retention import registry, services


class Command(BaseCommand):
    help = (
        "Destroy the personal data whose retention period has ended, and record each "
        "destruction in the audit trail (what, when, under which rule). The rules: the records "
        "of pupils who left, CONSENTRY_RETENTION_LEFT_PUPIL_YEARS (2) years after leaving, or the "
        "school's own period; outgoing mail, CONSENTRY_RETENTION_MAIL_DAYS (365) days after it "
        "was queued; the parsed roster and report of a roster upload, "
        "CONSENTRY_RETENTION_ROSTER_UPLOAD_DAYS (30) days after the upload. A pupil still at "
        "school, or held by an app, is never erased. Schedule it daily; a second run destroys "
        "nothing again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be destroyed; change nothing."
        )

    def handle(self, *args, dry_run: bool, **options):
        self.verb = "would destroy" if dry_run else "destroyed"
        self.current: registry.Rule | None = None
        runs = services.run(dry_run=dry_run, report=self._item, keep_items=False)
        for rule_run in runs:
            if self.current is not rule_run.rule:  # a rule with nothing expired
                self._heading(rule_run.rule)
            self._summary(rule_run)
        failed = [rule_run.rule.name for rule_run in runs if rule_run.error]
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        if failed:
            raise CommandError(
                f"Rules that failed (the page that failed was rolled back): {failed}"
            )

    def _heading(self, rule: registry.Rule) -> None:
        self.current = rule
        self.stdout.write(f"{rule.name}: {rule.description()}")

    def _item(self, rule: registry.Rule, item: registry.Item) -> None:
        """Each item as it is read, so a country's worth never waits in memory."""
        if self.current is not rule:
            self._heading(rule)
        text = f"{rule.what} #{item.pk} (school {item.school_id}): {item.note}"
        if item.kept:
            self.stdout.write(f"  kept {text}. {item.kept}")
        else:
            self.stdout.write(f"  {self.verb} {text}")

    def _summary(self, rule_run: services.RuleRun) -> None:
        counts = ", ".join(f"{label} {n}" for label, n in sorted(rule_run.counts.items()))
        summary = f"  {rule_run.due_count} {self.verb}, {rule_run.kept_count} kept"
        self.stdout.write(summary + (f" ({counts})" if counts else ""))
        if rule_run.error:
            self.stderr.write(f"  failed, rolled back: {rule_run.error}")
