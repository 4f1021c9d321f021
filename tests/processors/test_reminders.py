"""The privacy officer is reminded once, in time, before an agreement's review or end date."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from consentry.audit.models import AuditEntry
from consentry.mail.models import OutgoingMail
from consentry.processors.models import AgreementReminder
from consentry.processors.services import send_agreement_reminders
from consentry.schools.models import StaffRole
from tests.processors.helpers import TODAY, make_agreement, make_processor

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def thirty_days(settings):
    settings.AGREEMENT_REMINDER_DAYS = 30


@pytest.fixture
def photographer(world):
    return make_processor(world.board, "Lenswerk", product="Schoolfoto's")


def mails():
    return list(OutgoingMail.objects.order_by("pk"))


def test_the_reminder_goes_out_thirty_days_before_the_review_date(world, photographer):
    make_agreement(photographer, review_on=TODAY + 30 * DAY)
    assert send_agreement_reminders(TODAY - DAY) == []
    assert mails() == []

    sent = send_agreement_reminders(TODAY)
    assert [r.agreement.processor for r in sent] == [photographer]
    [mail] = mails()
    assert (mail.to_address, mail.kind, mail.recipient) == (
        world.privacy_officer.email,
        "other",
        world.privacy_officer,
    )
    assert "Lenswerk: Schoolfoto's" in mail.subject  # plain text, not HTML-escaped
    assert f"/processors/{photographer.pk}/" in mail.body


def test_the_reminder_is_sent_once(photographer):
    agreement = make_agreement(photographer, review_on=TODAY + 10 * DAY)
    assert len(send_agreement_reminders(TODAY)) == 1
    assert send_agreement_reminders(TODAY) == []
    assert send_agreement_reminders(TODAY + 5 * DAY) == []
    assert len(mails()) == 1
    assert AgreementReminder.objects.get().deadline == agreement.review_on
    assert AuditEntry.objects.filter(action="agreement.reminder_sent").count() == 1


def test_a_review_date_moved_later_gets_its_own_reminder(photographer):
    agreement = make_agreement(photographer, review_on=TODAY + 10 * DAY)
    send_agreement_reminders(TODAY)
    agreement.review_on = TODAY + 400 * DAY
    agreement.save()
    assert send_agreement_reminders(TODAY + 380 * DAY) != []
    assert len(mails()) == 2


def test_an_end_date_is_reminded_too(photographer):
    make_agreement(photographer, ends_on=TODAY + 20 * DAY)
    [reminder] = send_agreement_reminders(TODAY)
    assert "loopt af op" in mails()[0].body  # the privacy officer reads Dutch
    assert reminder.agreement.deadline == TODAY + 20 * DAY


def test_no_reminder_for_an_ended_agreement(photographer):
    make_agreement(photographer, ends_on=TODAY - DAY, review_on=TODAY - DAY)
    assert send_agreement_reminders(TODAY) == []
    assert mails() == []


def test_no_reminder_once_the_deadline_has_passed(photographer):
    make_agreement(photographer, review_on=TODAY - DAY)
    assert send_agreement_reminders(TODAY) == []


def test_no_reminder_for_an_agreement_already_renewed(photographer):
    make_agreement(photographer, signed_on=TODAY - 700 * DAY, review_on=TODAY + 10 * DAY)
    make_agreement(photographer, signed_on=TODAY - 5 * DAY, review_on=TODAY + 900 * DAY)
    assert send_agreement_reminders(TODAY) == []


def test_no_reminder_for_a_processor_no_longer_in_use(world):
    old = make_processor(world.board, "Oud", in_use=False)
    make_agreement(old, review_on=TODAY + 10 * DAY)
    assert send_agreement_reminders(TODAY) == []


def test_without_a_privacy_officer_the_leadership_is_reminded(world, photographer):
    StaffRole.objects.filter(role=StaffRole.Role.PRIVACY_OFFICER).delete()
    make_agreement(photographer, review_on=TODAY + 10 * DAY)
    send_agreement_reminders(TODAY)
    assert [m.to_address for m in mails()] == [world.leadership.email]


def test_the_window_is_a_setting(settings, photographer):
    settings.AGREEMENT_REMINDER_DAYS = 7
    make_agreement(photographer, review_on=TODAY + 10 * DAY)
    assert send_agreement_reminders(TODAY) == []
    assert len(send_agreement_reminders(TODAY + 3 * DAY)) == 1


def test_the_command_sends_and_its_dry_run_does_not(photographer, monkeypatch):
    make_agreement(photographer, review_on=TODAY + 10 * DAY)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: TODAY)

    out = StringIO()
    call_command("agreement_reminders", "--dry-run", stdout=out)
    assert "Would remind privacy@board.nl: Lenswerk" in out.getvalue()
    assert mails() == [] and not AgreementReminder.objects.exists()

    out = StringIO()
    call_command("agreement_reminders", stdout=out)
    assert "1 agreement(s) reminded" in out.getvalue()
    call_command("agreement_reminders", stdout=StringIO())
    assert len(mails()) == 1
