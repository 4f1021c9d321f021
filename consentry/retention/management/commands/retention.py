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
        verb = "would destroy" if dry_run else "destroyed"
        runs = services.run(dry_run=dry_run)
        for rule_run in runs:
            self._report(rule_run, verb)
        failed = [rule_run.rule.name for rule_run in runs if rule_run.error]
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        if failed:
            raise CommandError(f"Rules that failed (nothing of theirs changed): {failed}")

    def _report(self, rule_run: services.RuleRun, verb: str) -> None:
        rule: registry.Rule = rule_run.rule
        self.stdout.write(f"{rule.name}: {rule.description()}")
        for item in rule_run.due:
            self.stdout.write(f"  {verb} {self._item(rule, item)}")
        for item in rule_run.kept:
            self.stdout.write(f"  kept {self._item(rule, item)}. {item.kept}")
        counts = ", ".join(f"{label} {n}" for label, n in sorted(rule_run.counts.items()))
        summary = f"  {len(rule_run.due)} {verb}, {len(rule_run.kept)} kept"
        self.stdout.write(summary + (f" ({counts})" if counts else ""))
        if rule_run.error:
            self.stderr.write(f"  failed, rolled back: {rule_run.error}")

    def _item(self, rule: registry.Rule, item: registry.Item) -> str:
        return f"{rule.what} #{item.pk} (school {item.school_id}): {item.note}"
