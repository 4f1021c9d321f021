"""Reminders to the guardians of unanswered pupils: at most one a week, sent by the worker."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consentry.audit.models import AuditEntry
from consentry.consent.services import decide, set_never_flag
from consentry.leaflets.models import Category
from consentry.leaflets.services import new_draft, publish
from consentry.mail.models import OutgoingMail
from consentry.mail.reminders import reminder_plan
from consentry.mail.tasks import send_outgoing_mail, send_reminders
from consentry.schools.models import Guardianship, StaffRole
from tests.consent.helpers import years_before
from tests.world import CATEGORY_NUMBERS, make_pupil


def reminded() -> list[str]:
    return sorted(OutgoingMail.objects.filter(kind="reminder").values_list("to_address", flat=True))


def answer_everything(world) -> None:
    decide(world.parent, world.emma, dict.fromkeys(CATEGORY_NUMBERS, True))


def test_only_guardians_of_unanswered_pupils_are_reminded(world):
    answer_everything(world)  # Emma is done; Noah is not
    assert send_reminders.call(world.school.pk, world.leadership.pk) == 1
    assert reminded() == ["another.parent@example.nl"]


def test_one_unanswered_category_is_reason_enough(world):
    decide(world.parent, world.emma, dict.fromkeys(CATEGORY_NUMBERS[:-1], True))
    send_reminders.call(world.school.pk, world.leadership.pk)
    assert "parent@example.nl" in reminded() and "other.parent@example.nl" in reminded()


def test_a_never_flag_does_not_change_who_is_reminded(world):
    """Guardians must not be able to tell from a missing reminder that a flag was set."""
    answer_everything(world)
    set_never_flag(world.leadership, world.noah, active=True, reason="Safeguarding.")
    assert send_reminders.call(world.school.pk, world.leadership.pk) == 1
    assert reminded() == ["another.parent@example.nl"]


def test_pupils_who_left_and_guardians_without_authority_are_not_reminded(world):
    world.noah.left_on = timezone.localdate()
    world.noah.save()
    Guardianship.objects.filter(guardian=world.other_parent).update(has_parental_authority=False)
    send_reminders.call(world.school.pk, world.leadership.pk)
    assert reminded() == ["parent@example.nl"]


def test_a_pupil_of_16_is_reminded_in_person(world, django_user_model):
    answer_everything(world)
    decide(world.another_parent, world.noah, dict.fromkeys(CATEGORY_NUMBERS, True))
    account = django_user_model.objects.create_user("sanne@pupil.nl", "pw", full_name="Sanne")
    born = years_before(timezone.localdate(), 16)
    sanne = make_pupil(world.school, world.group, "1601", "Sanne", date_of_birth=born)
    sanne.guardianships.create(guardian=world.parent, has_parental_authority=True)
    sanne.account = account
    sanne.save()
    send_reminders.call(world.school.pk, world.leadership.pk)
    assert reminded() == ["sanne@pupil.nl"]


def test_one_reminder_per_guardian_lists_every_child(world, smtp_server):
    Guardianship.objects.create(
        guardian=world.parent, pupil=world.noah, has_parental_authority=True
    )
    world.parent.preferred_language = "en"
    world.parent.save()
    send_reminders.call(world.school.pk, world.leadership.pk)
    assert reminded() == [
        "another.parent@example.nl",
        "other.parent@example.nl",
        "parent@example.nl",
    ]
    mail = OutgoingMail.objects.get(to_address="parent@example.nl")
    assert mail.pupil is None and mail.school == world.school  # several children
    send_outgoing_mail.call(mail.pk)
    (message,) = smtp_server.messages
    text = smtp_server.text(message)
    assert message["Subject"] == (
        "Reminder from De Test-Loofhut: your answer about photos and data"
    )
    assert "- Emma Test (Zon)" in text and "- Noah Test (Maan)" in text
    assert "http://127.0.0.1:8000/children/" in text
    assert "at most one reminder a week" in text


def test_the_reminder_is_in_the_guardians_language(world, smtp_server):
    send_reminders.call(world.school.pk, world.leadership.pk)
    mail = OutgoingMail.objects.get(to_address="another.parent@example.nl")
    send_outgoing_mail.call(mail.pk)
    text = smtp_server.text(smtp_server.messages[0])
    assert text.startswith("Beste Parent of Noah,")  # Dutch by default
    assert "- Noah Test (Maan)" in text


def test_no_guardian_gets_two_reminders_in_a_week(world):
    assert send_reminders.call(world.school.pk, world.leadership.pk) == 3
    assert send_reminders.call(world.school.pk, world.leadership.pk) == 0  # a job run twice
    assert len(reminded()) == 3
    plan = reminder_plan(world.school)
    assert (len(plan.due), len(plan.skipped)) == (0, 3)

    six_days_ago = timezone.now() - timedelta(days=6, hours=23)
    OutgoingMail.objects.update(created_at=six_days_ago)
    assert send_reminders.call(world.school.pk, world.leadership.pk) == 0

    OutgoingMail.objects.update(created_at=timezone.now() - timedelta(days=7, minutes=1))
    assert send_reminders.call(world.school.pk, world.leadership.pk) == 3
    assert len(reminded()) == 6  # each reminder logged


def test_a_failed_reminder_may_be_sent_again(world):
    send_reminders.call(world.school.pk, world.leadership.pk)
    OutgoingMail.objects.filter(to_address="parent@example.nl").update(status="failed")
    assert send_reminders.call(world.school.pk, world.leadership.pk) == 1


def test_the_week_counts_across_schools(world):
    Guardianship.objects.create(
        guardian=world.parent, pupil=world.other_pupil, has_parental_authority=True
    )
    send_reminders.call(world.school.pk, world.leadership.pk)
    assert send_reminders.call(world.other_school.pk, world.other_leadership.pk) == 0


def test_someone_who_no_longer_leads_the_school_sends_nothing(world):
    StaffRole.objects.filter(user=world.leadership).delete()
    assert send_reminders.call(world.school.pk, world.leadership.pk) == 0
    assert reminded() == []


@pytest.fixture
def leadership(world) -> Client:
    client = Client()
    client.force_login(world.leadership)
    return client


def test_the_page_shows_who_would_be_reminded_and_the_log(world, leadership):
    url = reverse("send_reminders", args=[world.school.pk])
    response = leadership.get(url, headers={"accept-language": "en"})
    assert response.status_code == 200
    assert response.context["due"] == 3 and response.context["skipped"] == 0
    send_reminders.call(world.school.pk, world.leadership.pk)
    response = leadership.get(url)
    assert (response.context["due"], response.context["skipped"]) == (0, 3)
    assert len(response.context["log"]) == 3
    assert "another.parent@example.nl" in response.text


def test_posting_queues_the_reminders_and_audits_it(
    world, leadership, smtp_server, django_capture_on_commit_callbacks
):
    url = reverse("send_reminders", args=[world.school.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = leadership.post(url, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "3" in next(iter(response.context["messages"])).message
    entry = AuditEntry.objects.get(action="reminders.requested")
    assert (entry.actor_id, entry.school_id, entry.data["guardians"]) == (
        world.leadership.pk,
        world.school.pk,
        3,
    )
    assert len(smtp_server.messages) == 3  # sent by the (immediate) worker after the commit
    assert set(OutgoingMail.objects.values_list("status", flat=True)) == {"sent"}

    response = leadership.post(url, follow=True)  # again: nobody is due
    assert AuditEntry.objects.filter(action="reminders.requested").count() == 1
    assert len(smtp_server.messages) == 3


@pytest.mark.parametrize("persona", ["teacher", "privacy_officer", "parent", "other_leadership"])
def test_only_the_schools_leadership_may_send_reminders(world, persona):
    client = Client()
    client.force_login(getattr(world, persona))
    url = reverse("send_reminders", args=[world.school.pk])
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 404
    assert not OutgoingMail.objects.exists()


def test_after_a_material_change_the_reminder_says_the_leaflet_changed_and_what(world, smtp_server):
    answer_everything(world)
    draft = new_draft(world.leaflet, label="versie 2027", actor=world.leadership)
    Category.objects.filter(version=draft, number=4).update(purpose_en="Also on social media")
    Category.objects.filter(version=draft, number=8).delete()
    publish(draft, actor=world.leadership, material_change=True)
    world.parent.preferred_language = "en"
    world.parent.save()
    send_reminders.call(world.school.pk, world.leadership.pk)
    mail = OutgoingMail.objects.get(to_address="parent@example.nl", kind="reminder")
    send_outgoing_mail.call(mail.pk)
    text = smtp_server.text(smtp_server.messages[-1])
    assert "changed its privacy leaflet on" in text and "(version versie 2027)" in text
    assert "Your earlier answers no longer count" in text
    assert "- 4. " in text and "what a yes means changed" in text
    assert "- 8. " in text and "no longer asked" in text
    assert "- 1. " not in text  # unchanged categories are not listed


def test_an_ordinary_reminder_says_nothing_of_a_change(world, smtp_server):
    send_reminders.call(world.school.pk, world.leadership.pk)
    mail = OutgoingMail.objects.get(to_address="another.parent@example.nl")
    send_outgoing_mail.call(mail.pk)
    assert "privacy leaflet on" not in smtp_server.text(smtp_server.messages[0])


def test_right_after_sending_the_page_shows_what_was_sent(world, leadership, settings):
    """Before the worker has run (jobs wait for it, as in production): the log lists every
    reminder and nobody is left to remind, not the plan from before sending."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "mail", "photos"],
        }
    }
    url = reverse("send_reminders", args=[world.school.pk])
    response = leadership.post(url, follow=True, headers={"accept-language": "en"})
    assert (response.context["due"], response.context["skipped"]) == (0, 3)
    assert sorted(mail.to_address for mail in response.context["log"]) == [
        "another.parent@example.nl",
        "other.parent@example.nl",
        "parent@example.nl",
    ]
    assert "Reminders are on their way to 3 guardians." in response.text
    assert "Nobody needs a reminder now." in response.text
    assert ">Send reminders</button>" not in response.text
