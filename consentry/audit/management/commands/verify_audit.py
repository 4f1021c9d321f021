from django.core.management.base import BaseCommand, CommandError

from consentry.audit.anchors import AnchorError, anchor_of, parse
from consentry.audit.models import UNKEYED, AuditEntry
from consentry.audit.rows import verify_rows
from consentry.audit.services import chain_head, verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit trail: its keyed hash chain (naming the first entry changed, removed "
        "or reordered), then every consent event, never-flag event and request answer against "
        "the audit entry written with it. Keep the printed anchor outside Consentry (the worker "
        "also mails a signed one to the privacy officers daily) and pass it next time with "
        "--anchor, so that removing the newest entries is detected too."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor", help="the signed anchor line, or SEQUENCE:HASH, from an earlier check"
        )

    def handle(self, *args, anchor: str | None = None, **options):
        try:
            anchored = parse(anchor) if anchor else None
        except AnchorError as error:
            raise CommandError(str(error)) from None
        checked, problem = verify_chain(anchored.point if anchored else None)
        if problem is not None:
            raise CommandError(f"Audit chain broken after {checked} good entries: {problem}.")
        unkeyed = AuditEntry.objects.filter(key_version=UNKEYED).count()
        before_key = f" ({unkeyed} from before the audit key)" if unkeyed else ""
        self.stdout.write(f"Audit chain intact: {checked} entries verified{before_key}.")
        if anchored is not None:
            signed = f", signed {anchored.at}" if anchored.at else ", unsigned"
            self.stdout.write(f"The anchor (#{anchored.sequence}{signed}) matches.")
        self._verify_rows()
        head = chain_head()
        if head is not None:
            self.stdout.write("Anchor (keep it outside Consentry, pass it with --anchor):")
            self.stdout.write(anchor_of(head).line)

    def _verify_rows(self) -> None:
        report = verify_rows()
        self.stdout.write(
            f"Rows: {report.verified} match their audit entries; {report.unverifiable} from "
            f"before the row check cannot be verified; {report.erased} went with erased pupils."
        )
        if report.problem_count:
            shown = "\n".join(f"  {problem}" for problem in report.problems)
            more = report.problem_count - len(report.problems)
            rest = f"\n  ... and {more} more" if more else ""
            raise CommandError(
                f"{report.problem_count} rows do not match the audit trail:\n{shown}{rest}"
            )
