from django.core.management.base import BaseCommand, CommandError

from consentry.audit.services import chain_head, verify_chain


def parse_anchor(value: str) -> tuple[int, str]:
    sequence, _, digest = value.partition(":")
    if not sequence.isdigit() or len(digest) != 64:
        raise CommandError(f"An anchor looks like 1234:<64 hex digits>, not {value!r}.")
    return int(sequence), digest


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain; name the first entry changed, removed or "
        "reordered. Keep the printed anchor outside Consentry and pass it next time with "
        "--anchor, so that removing the newest entries is detected too."
    )

    def add_arguments(self, parser):
        parser.add_argument("--anchor", help="SEQUENCE:HASH printed by an earlier check")

    def handle(self, *args, anchor: str | None = None, **options):
        checked, problem = verify_chain(parse_anchor(anchor) if anchor else None)
        if problem is not None:
            raise CommandError(f"Audit chain broken after {checked} good entries: {problem}.")
        self.stdout.write(f"Audit chain intact: {checked} entries verified.")
        head = chain_head()
        if head is not None:
            self.stdout.write(f"Anchor: {head.sequence}:{head.entry_hash}")
