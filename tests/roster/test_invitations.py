"""Inviting newly imported guardians: an idempotent task, through the real worker."""

import pytest
from django.core import mail
from django.tasks import task_backends

from consentry.jobs.backend import DatabaseBackend
from consentry.jobs.models import Job
from consentry.jobs.worker import work
from consentry.mail.models import OutgoingMail
from consentry.mail.tasks import SendFailed
from consentry.roster.models import GuardianInvitation
from consentry.roster.tasks import send_invitations

from .conftest import do_import
from .test_guardians_csv import guardians_csv


@pytest.fixture
def invitations(world) -> list[int]:
    """Two guardians imported; their invitations sent once by the test backend."""
    do_import("guardians", guardians_csv(), school=world.school)
    mail.outbox.clear()
    GuardianInvitation.objects.update(sent_at=None)
    return list(GuardianInvitation.objects.order_by("pk").values_list("pk", flat=True))


def test_the_task_is_idempotent(invitations):
    assert send_invitations.call(invitations) == 2
    assert send_invitations.call(invitations) == 0
    assert len(mail.outbox) == 2
    assert all(i.sent_at for i in GuardianInvitation.objects.all())


def test_the_mail_links_to_the_sign_in_page(invitations, settings):
    settings.CONSENTRY_BASE_URL = "https://toestemming.example.nl/"
    send_invitations.call(invitations[:1])
    (message,) = mail.outbox
    assert "https://toestemming.example.nl/login/" in message.body
    assert "De Test-Loofhut" in message.subject


def test_the_default_base_url(invitations, settings):
    del settings.CONSENTRY_BASE_URL
    send_invitations.call(invitations[:1])
    assert "http://127.0.0.1:8000/login/" in mail.outbox[0].body


def test_the_mail_is_in_the_guardians_language(invitations):
    invitation = GuardianInvitation.objects.get(pk=invitations[0])
    invitation.guardian.preferred_language = "en"
    invitation.guardian.save()
    send_invitations.call(invitations[:1])
    assert "consent" in mail.outbox[0].subject


def test_each_invitation_is_logged_as_outgoing_mail(invitations, world, smtp_server):
    OutgoingMail.objects.all().delete()
    send_invitations.call(invitations)
    logged = OutgoingMail.objects.order_by("to_address")
    assert [(m.kind, m.status, m.school_id) for m in logged] == [
        ("invitation", "sent", world.school.pk)
    ] * 2
    assert sorted(m["X-Envelope-To"] for m in smtp_server.messages) == [
        m.to_address for m in logged
    ]


def test_an_invitation_the_server_refused_stays_unsent(invitations, settings, smtp_server):
    OutgoingMail.objects.all().delete()
    settings.MAILERS["default"]["OPTIONS"]["port"] = 1  # nobody listens there
    with pytest.raises(SendFailed):
        send_invitations.call(invitations[:1])
    assert not GuardianInvitation.objects.filter(sent_at__isnull=False).exists()
    assert not OutgoingMail.objects.exists()  # the worker retries the whole job


@pytest.mark.usefixtures("audit_flushable")
def test_the_worker_sends_each_invitation_once(world, settings):
    settings.TASKS = {
        "default": {
            **settings.TASKS["default"],
            "BACKEND": "consentry.jobs.backend.DatabaseBackend",
        }
    }
    assert isinstance(task_backends["default"], DatabaseBackend)
    do_import("guardians", guardians_csv(), school=world.school)
    job = Job.objects.get(task_path="consentry.roster.tasks.send_invitations")
    assert not mail.outbox  # queued in the import's transaction, sent by the worker
    assert work(once=True) == 1
    assert len(mail.outbox) == 2
    send_invitations.enqueue(job.args[0])  # a job run again, e.g. after a lost lease
    assert work(once=True) == 1
    assert len(mail.outbox) == 2
