"""Anchors: the chain's newest entry, signed with the audit key and kept outside the database.

A chain cannot show by itself that its newest entries were cut off, and whoever holds the
audit key could write a whole new chain. An anchor (the sequence and hash of the newest entry
at a moment, kept where the database's writers cannot reach) closes both gaps: a later
`consentry verify_audit --anchor LINE` fails unless that entry is still there, unchanged.

Every day the worker anchors the head (`tasks.anchor_audit_trail`, `jobs.schedule`): the
line is mailed to every privacy officer and written to the private storage under
`audit/anchors/`, and an "audit.anchored" entry says so. The line is signed (HMAC-SHA256
under the audit key), so an anchor that was made up or mistyped is refused, not trusted:

    consentry-audit-anchor 1234 <entry hash> 2026-12-01T04:00:00Z <signature>

The short form SEQUENCE:HASH (what `verify_audit` printed before) is still accepted, unsigned.
"""

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from consentry.accounts.models import User
from consentry.mail.services import queue_mail
from consentry.processors.storage import private_storage
from consentry.schools.models import StaffRole

from .models import AuditEntry, keyed_digest
from .services import chain_head, record

PREFIX = "consentry-audit-anchor"
ANCHORED = "audit.anchored"
FOLDER = "audit/anchors"


class AnchorError(ValueError):
    pass


@dataclass(frozen=True)
class Anchor:
    sequence: int
    entry_hash: str
    at: str = ""  # when it was made, "2026-12-01T04:00:00Z"; empty for SEQUENCE:HASH

    @property
    def signed_text(self) -> str:
        return f"{PREFIX} {self.sequence} {self.entry_hash} {self.at}"

    @property
    def line(self) -> str:
        """The signed line to keep."""
        return f"{self.signed_text} {keyed_digest(self.signed_text)}"

    @property
    def point(self) -> tuple[int, str]:
        """What `services.verify_chain` checks."""
        return self.sequence, self.entry_hash


def anchor_of(entry: AuditEntry, now: datetime | None = None) -> Anchor:
    at = (now or timezone.now()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Anchor(entry.sequence, entry.entry_hash, at)


def parse(value: str) -> Anchor:
    """An anchor from the signed line or from SEQUENCE:HASH; AnchorError when it is neither,
    or when the signature is not this installation's (made up, changed, or another key)."""
    value = " ".join(value.split())
    if value.startswith(PREFIX + " "):
        parts = value.split(" ")
        if len(parts) != 5 or not _is_point(parts[1], parts[2]):
            raise AnchorError(f"A signed anchor looks like '{PREFIX} 1234 <hash> <time> <sig>'.")
        anchor = Anchor(int(parts[1]), parts[2], parts[3])
        if not hmac.compare_digest(parts[4], keyed_digest(anchor.signed_text)):
            raise AnchorError(
                "The anchor's signature does not match: it was changed, or it was not made "
                "under this CONSENTRY_AUDIT_KEY."
            )
        return anchor
    sequence, _, digest = value.partition(":")
    if not _is_point(sequence, digest):
        raise AnchorError(f"An anchor looks like 1234:<64 hex digits>, not {value!r}.")
    return Anchor(int(sequence), digest)


def _is_point(sequence: str, digest: str) -> bool:
    return sequence.isdigit() and len(digest) == 64


def privacy_officers() -> list[User]:
    officers = User.objects.filter(staff_roles__role=StaffRole.Role.PRIVACY_OFFICER, is_active=True)
    return list(officers.distinct().order_by("pk"))


@transaction.atomic
def anchor_head(now: datetime | None = None) -> Anchor | None:
    """Anchor the newest entry outside the database: mail the signed line to every privacy
    officer, write it to the private storage, and record that in the trail.

    Nothing happens when nothing was recorded since the last anchor (a second run the same
    day, a quiet holiday): that anchor still holds, and a mail a day saying so is noise.
    """
    head = chain_head()
    if head is None or head.action == ANCHORED:
        return None
    anchor = anchor_of(head, now)
    officers = privacy_officers()
    for user in officers:
        with translation.override(user.preferred_language):
            context = {"user": user, "anchor": anchor, "date": anchor.at[:10]}
            subject = render_to_string("audit/email/anchor_subject.txt", context).strip()
            body = render_to_string("audit/email/anchor.txt", context)
        queue_mail(user.email, subject, body, kind="other", recipient=user)
    name = f"{FOLDER}/{anchor.at[:10]}-{anchor.sequence}.txt"
    name = private_storage.save(name, ContentFile(anchor.line.encode() + b"\n"))
    record(
        ANCHORED,
        actor="system",
        data={
            "sequence": anchor.sequence,
            "entry_hash": anchor.entry_hash,
            "at": anchor.at,
            "recipients": [user.pk for user in officers],
            "file": name,
        },
    )
    return anchor
