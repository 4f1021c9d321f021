from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

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
        # The output is in the language the command runs in: Dutch, the default language.
        self.dry_run = dry_run
        self.current: registry.Rule | None = None
        runs = services.run(dry_run=dry_run, report=self._item, keep_items=False)
        for rule_run in runs:
            if self.current is not rule_run.rule:  # a rule with nothing expired
                self._heading(rule_run.rule)
            self._summary(rule_run)
        failed = [rule_run.rule.name for rule_run in runs if rule_run.error]
        if dry_run:
            self.stdout.write(_("Dry run: nothing was changed."))
        if failed:
            raise CommandError(
                _("Rules that failed (the page that failed was rolled back): %(rules)s")
                % {"rules": ", ".join(failed)}
            )

    def _heading(self, rule: registry.Rule) -> None:
        self.current = rule
        self.stdout.write(f"{rule.name}: {rule.description()}")

    def _item(self, rule: registry.Rule, item: registry.Item) -> None:
        """Each item as it is read, so a country's worth never waits in memory."""
        if self.current is not rule:
            self._heading(rule)
        values = {
            "what": rule.what,
            "id": item.pk,
            "school": item.school_id,
            "note": item.note,
            "reason": item.kept,
        }
        if item.kept:
            line = _("kept %(what)s #%(id)s (school %(school)s): %(note)s. %(reason)s")
        elif self.dry_run:
            line = _("would destroy %(what)s #%(id)s (school %(school)s): %(note)s")
        else:
            line = _("destroyed %(what)s #%(id)s (school %(school)s): %(note)s")
        self.stdout.write("  " + line % values)

    def _summary(self, rule_run: services.RuleRun) -> None:
        values = {"due": rule_run.due_count, "kept": rule_run.kept_count}
        if self.dry_run:
            summary = _("%(due)d would be destroyed, %(kept)d kept") % values
        else:
            summary = _("%(due)d destroyed, %(kept)d kept") % values
        counts = ", ".join(f"{label} {n}" for label, n in sorted(rule_run.counts.items()))
        self.stdout.write("  " + summary + (f" ({counts})" if counts else ""))
        if rule_run.error:
            self.stderr.write(
                "  " + _("failed, rolled back: %(error)s") % {"error": rule_run.error}
            )
