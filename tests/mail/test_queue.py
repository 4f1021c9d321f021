"""Outgoing mail is queued in the request and sent by the worker, through real SMTP."""

import pytest
from django.db import transaction
from django.tasks import task_backends

from consentry.jobs.backend import DatabaseBackend
from consentry.jobs.models import Job
from consentry.jobs.worker import work
from consentry.mail.models import OutgoingMail
from consentry.mail.services import queue_mail
from consentry.mail.tasks import SendFailed, send_outgoing_mail

Status = OutgoingMail.Status


def test_mail_is_sent_only_after_the_transaction_commits(
    db, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        mail = queue_mail("sanne@example.nl", "Hallo", "Tekst", kind="other")
        assert not smtp_server.messages  # not inside the transaction
    (message,) = smtp_server.messages
    assert message["X-Envelope-To"] == "sanne@example.nl"
    assert message["Subject"] == "Hallo"
    assert smtp_server.text(message).strip() == "Tekst"
    mail.refresh_from_db()
    assert (mail.status, mail.attempts, mail.sent_at is not None) == (Status.SENT, 1, True)


def test_a_rolled_back_transaction_sends_nothing(
    db, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        queue_mail("sanne@example.nl", "Hallo", "Tekst", kind="other")
        transaction.set_rollback(True)
    assert not smtp_server.messages
    assert not OutgoingMail.objects.exists()


def test_sending_twice_sends_once(db, smtp_server):
    mail = queue_mail("sanne@example.nl", "Hallo", "Tekst", kind="other")
    assert send_outgoing_mail.call(mail.pk) is True
    assert send_outgoing_mail.call(mail.pk) is False
    assert len(smtp_server.messages) == 1


def test_a_sensitive_body_is_erased_once_sent(db, smtp_server):
    mail = queue_mail(
        "sanne@example.nl", "Code", "Uw code: 123456", kind="sign_in_code", sensitive=True
    )
    send_outgoing_mail.call(mail.pk)
    assert "123456" in smtp_server.text(smtp_server.messages[0])
    mail.refresh_from_db()
    assert mail.body == "" and mail.status == Status.SENT and mail.subject == "Code"


def test_a_failure_is_recorded_and_retried_until_the_limit(db, settings, smtp_server):
    settings.JOB_MAX_ATTEMPTS = 2
    settings.MAILERS["default"]["OPTIONS"]["port"] = 1  # nobody listens there
    mail = queue_mail("sanne@example.nl", "Hallo", "Tekst", kind="other")
    with pytest.raises(SendFailed):
        send_outgoing_mail.call(mail.pk)
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (Status.QUEUED, 1) and mail.last_error
    with pytest.raises(SendFailed):
        send_outgoing_mail.call(mail.pk)
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (Status.FAILED, 2)


def test_a_sensitive_body_is_erased_when_given_up_on(db, settings, smtp_server):
    settings.JOB_MAX_ATTEMPTS = 1
    settings.MAILERS["default"]["OPTIONS"]["port"] = 1
    mail = queue_mail(
        "s@example.nl", "Code", "Uw code: 123456", kind="sign_in_code", sensitive=True
    )
    with pytest.raises(SendFailed):
        send_outgoing_mail.call(mail.pk)
    mail.refresh_from_db()
    assert (mail.status, mail.body) == (Status.FAILED, "")


def test_an_unknown_kind_is_refused(db):
    with pytest.raises(ValueError):
        queue_mail("sanne@example.nl", "Hallo", "Tekst", kind="spam")


@pytest.mark.usefixtures("audit_flushable")
def test_the_worker_sends_each_mail_once(transactional_db, settings, smtp_server):
    settings.TASKS = {
        "default": {
            **settings.TASKS["default"],
            "BACKEND": "consentry.jobs.backend.DatabaseBackend",
        }
    }
    assert isinstance(task_backends["default"], DatabaseBackend)
    mail = queue_mail("sanne@example.nl", "Hallo", "Tekst", kind="other")
    job = Job.objects.get(task_path="consentry.mail.tasks.send_outgoing_mail")
    assert job.args == [mail.pk] and not smtp_server.messages  # queued, not sent
    assert work(once=True) == 1
    send_outgoing_mail.enqueue(mail.pk)  # the job again, e.g. after a lost lease
    assert work(once=True) == 1
    assert len(smtp_server.messages) == 1


def test_a_sign_in_code_goes_before_bulk_mail(db, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {
        "default": {
            **settings.TASKS["default"],
            "BACKEND": "consentry.jobs.backend.DatabaseBackend",
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        for kind in ("reminder", "receipt", "sign_in_code", "invitation"):
            queue_mail("sanne@example.nl", kind, "Tekst", kind=kind)
    by_priority = Job.objects.order_by("-priority", "enqueued_at").values_list("args", flat=True)
    kinds = [OutgoingMail.objects.get(pk=args[0]).kind for args in by_priority]
    assert kinds == ["sign_in_code", "receipt", "reminder", "invitation"]
