"""Mail about separate consent requests: to each person who decides, in their language."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from consentry.adhoc import tasks
from consentry.adhoc.notices import send_reminder
from consentry.adhoc.services import answer
from consentry.jobs.models import Job
from consentry.mail.models import OutgoingMail
from consentry.mail.tasks import send_outgoing_mail
from consentry.schools.models import Guardianship
from tests.adhoc.helpers import ask
from tests.consent.helpers import give_account, years_before
from tests.world import make_pupil, make_user

DEADLINE = date(2099, 3, 2)


@pytest.fixture
def send(smtp_server):
    """Send every queued mail as the worker would, and return what the server received."""

    def run():
        for pk in OutgoingMail.objects.filter(status="queued").values_list("pk", flat=True):
            send_outgoing_mail.call(pk)
        return smtp_server

    return run


def test_sending_mails_each_guardian_with_authority_in_their_language(world, send, settings):
    settings.CONSENTRY_BASE_URL = "https://toestemming.example.nl"
    world.other_parent.preferred_language = "en"
    world.other_parent.save()
    partner = make_user("partner@example.nl", "Partner without authority")
    Guardianship.objects.create(guardian=partner, pupil=world.emma, has_parental_authority=False)
    ask(world, deadline=DEADLINE)
    server = send()
    assert sorted(m["X-Envelope-To"] for m in server.messages) == [
        "other.parent@example.nl",
        "parent@example.nl",
    ]
    (english,) = server.to("other.parent@example.nl")
    text = server.text(english)
    assert (
        english["Subject"] == "De Test-Loofhut asks for your consent: Photo in the regional paper"
    )
    assert "Dear Other parent of Emma," in text
    assert "- Emma Test (Zon)" in text
    assert "After sports day the paper would like to print one photo." in text
    assert "by 2 March 2099" in text  # day before month, in English too
    assert "no answer by then counts as no" in text
    assert "https://toestemming.example.nl/children/" in text

    (dutch,) = server.to("parent@example.nl")
    assert "2 maart 2099" in server.text(dutch)  # the date in the recipient's language


def test_a_pupil_of_16_gets_the_mail_instead_of_the_guardians(world, send):
    teen = make_pupil(
        world.school, world.group, "1003", "Tess", date_of_birth=years_before(date.today(), 17)
    )
    Guardianship.objects.create(guardian=world.parent, pupil=teen, has_parental_authority=True)
    give_account(teen, "tess@example.nl")
    ask(world, teen, deadline=DEADLINE)
    assert [m["X-Envelope-To"] for m in send().messages] == ["tess@example.nl"]


def test_a_guardian_of_two_children_gets_one_mail(world, send):
    sister = make_pupil(world.school, world.group, "1004", "Sara")
    Guardianship.objects.create(guardian=world.parent, pupil=sister, has_parental_authority=True)
    ask(world, world.emma, sister, deadline=DEADLINE)
    (mail,) = send().to("parent@example.nl")
    text = send().text(mail)
    assert "- Emma Test (Zon)" in text and "- Sara Test (Zon)" in text


def test_a_draft_mails_nobody(world):
    ask(world, send=False)
    assert not OutgoingMail.objects.exists()


def test_the_reminder_goes_once_to_those_nobody_answered_for(world, send):
    consent_request = ask(world, world.emma, world.noah, deadline=DEADLINE)
    OutgoingMail.objects.all().delete()
    answer(world.parent, consent_request, world.emma, True)  # Emma's answer counts already
    assert send_reminder(consent_request.pk) == 1
    assert send_reminder(consent_request.pk) == 0
    (mail,) = send().messages
    assert mail["X-Envelope-To"] == "another.parent@example.nl"
    # in the guardian's own language (Dutch); the request's title is as the teacher wrote it
    assert mail["Subject"] == "Herinnering van De Test-Loofhut: Photo in the regional paper"


def test_no_reminder_after_the_deadline(world):
    consent_request = ask(world, deadline=timezone.localdate())
    OutgoingMail.objects.all().delete()
    later = consent_request.closes_at + timedelta(minutes=1)
    assert send_reminder(consent_request.pk, now=later) == 0
    assert not OutgoingMail.objects.exists()


def test_sending_queues_the_reminder_two_days_before_answers_close(world, settings):
    settings.TASKS = {
        "default": {
            **settings.TASKS["default"],
            "BACKEND": "consentry.jobs.backend.DatabaseBackend",
        }
    }
    consent_request = ask(world, deadline=DEADLINE)
    (job,) = Job.objects.filter(task_path=tasks.remind_request.module_path)
    assert job.args == [consent_request.pk]
    assert job.run_after == consent_request.closes_at - timedelta(days=2)
    assert tasks.remind_request.call(consent_request.pk) == 2  # both of Emma's guardians
