"""The daily anchor: the worker mails the chain's head, signed with the audit key, to the
privacy officers and writes it to the private storage; `verify_audit --anchor` checks the
signature and then that the anchored entry is still there, unchanged."""

import re
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.tasks import task_backends
from django.utils import timezone

from consentry.audit.anchors import ANCHORED, anchor_head, parse
from consentry.audit.models import AuditEntry
from consentry.audit.services import record
from consentry.consent.services import decide
from consentry.jobs.backend import DatabaseBackend
from consentry.jobs.models import Job
from consentry.jobs.scheduler import start_due
from consentry.jobs.worker import work
from consentry.mail.models import OutgoingMail
from consentry.processors.storage import private_storage
from tests.audit.helpers import tampering

OTHER_KEY = b"another key, also of 32 bytes!!!"


def verify_audit(*args: str) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def anchor_line(text: str) -> str:
    return re.search(r"^consentry-audit-anchor .+$", text, re.MULTILINE).group(0)


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def database_backend(settings):
    settings.TASKS = {
        "default": {
            **settings.TASKS["default"],
            "BACKEND": "consentry.jobs.backend.DatabaseBackend",
        }
    }
    assert isinstance(task_backends["default"], DatabaseBackend)


@pytest.mark.usefixtures("audit_flushable", "database_backend")
def test_the_worker_anchors_the_head_every_morning(world, monkeypatch):
    start_due(local(2026, 12, 2, 9, 0))  # a new installation notes the moments
    decide(world.parent, world.emma, {1: True})
    head = AuditEntry.objects.order_by("-sequence").first()
    monkeypatch.setattr(timezone, "now", lambda: local(2026, 12, 3, 5, 1))
    work(once=True, schedule=True)

    [job] = Job.objects.filter(task_path="consentry.audit.tasks.anchor_audit_trail")
    assert (job.status, job.return_value) == (Job.Status.SUCCESSFUL, 1)
    [mail] = OutgoingMail.objects.filter(recipient=world.privacy_officer)
    line = anchor_line(mail.body)
    assert parse(line).point == (head.sequence, head.entry_hash)
    entry = AuditEntry.objects.get(action=ANCHORED)
    assert entry.data["recipients"] == [world.privacy_officer.pk]
    with private_storage.open(entry.data["file"]) as stored:
        assert stored.read().decode().strip() == line
    assert f"The anchor (#{head.sequence}, signed 2026-12-03T04:01:00Z) matches" in verify_audit(
        "--anchor", line
    )


def test_nothing_new_since_the_last_anchor_anchors_nothing(world):
    assert anchor_head() is not None
    assert anchor_head() is None  # run twice: the head is the anchor's own entry
    assert OutgoingMail.objects.filter(recipient=world.privacy_officer).count() == 1
    record("something.new")
    assert anchor_head() is not None
    assert AuditEntry.objects.filter(action=ANCHORED).count() == 2


def test_an_empty_trail_has_nothing_to_anchor(db):
    assert anchor_head() is None
    assert not AuditEntry.objects.exists()


def test_the_anchor_catches_the_newest_entries_cut_off(world):
    anchored = anchor_head()
    record("something.new")
    with tampering():
        AuditEntry.objects.filter(sequence__gte=anchored.sequence).delete()
    assert "intact" in verify_audit()  # what is left is a valid chain by itself
    with pytest.raises(CommandError, match=rf"entry #{anchored.sequence} was removed"):
        verify_audit("--anchor", anchored.line)


def test_a_rewritten_chain_no_longer_matches_the_anchor(world, settings):
    """Even someone with the key who rebuilds the chain cannot change what was mailed."""
    anchored = anchor_head()
    entry = AuditEntry.objects.get(sequence=anchored.sequence)
    with tampering():
        AuditEntry.objects.filter(pk=entry.pk).update(data={"forged": True})
    entry.refresh_from_db()
    entry.recorded_at = entry.recorded_at.astimezone(UTC)
    with tampering():
        AuditEntry.objects.filter(pk=entry.pk).update(entry_hash=entry.compute_hash())
    with pytest.raises(CommandError, match=rf"entry #{anchored.sequence} was changed"):
        verify_audit("--anchor", anchored.line)


def shift(pattern: str, line: str) -> str:
    """The line with the first number matched by `pattern` (a group) one higher."""
    return re.sub(
        pattern, lambda m: m.group(0).replace(m.group(1), str(int(m.group(1)) + 1)), line, count=1
    )


@pytest.mark.parametrize(
    "edit",
    [
        lambda line: shift(r"^consentry-audit-anchor (\d+) ", line),
        lambda line: re.sub(r" [0-9a-f]{64} ", " " + "0" * 64 + " ", line, count=1),
        lambda line: shift(r" (\d{4})-\d\d-\d\dT", line),
        lambda line: line[:-1] + ("0" if line[-1] != "0" else "1"),
        lambda line: line.rsplit(" ", 1)[0],
    ],
    ids=["sequence", "hash", "time", "signature", "unsigned"],
)
def test_a_changed_anchor_is_refused(db, edit):
    record("first")
    record("second")
    line = anchor_head().line
    with pytest.raises(CommandError, match="signature does not match|signed anchor looks like"):
        verify_audit("--anchor", edit(line))


def test_an_anchor_made_under_another_key_is_refused(world, settings):
    ours = settings.AUDIT_KEY
    settings.AUDIT_KEY = OTHER_KEY
    line = anchor_head().line
    settings.AUDIT_KEY = ours
    with pytest.raises(CommandError, match="signature does not match"):
        verify_audit("--anchor", line)


def test_verify_audit_prints_a_signed_anchor_and_still_takes_the_short_form(world):
    out = verify_audit()
    line = anchor_line(out)
    head = AuditEntry.objects.order_by("-sequence").first()
    assert parse(line).point == (head.sequence, head.entry_hash)
    assert "matches" in verify_audit("--anchor", line)
    assert ", unsigned) matches" in verify_audit("--anchor", f"{head.sequence}:{head.entry_hash}")
    with pytest.raises(CommandError, match="An anchor looks like"):
        verify_audit("--anchor", "12:abc")
