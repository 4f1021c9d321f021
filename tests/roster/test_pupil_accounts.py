"""A pupil of 16 gets an account from the leadership, is told that they now decide, signs in
by e-mailed code and decides on the web; one who already has an account is told on the
birthday by the daily job."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consentry.audit.models import AuditEntry
from consentry.consent.models import ConsentEvent
from consentry.consent.services import consent_overview
from consentry.jobs.schedule import SCHEDULE
from consentry.mail.models import OutgoingMail
from consentry.roster.pupil_accounts import born_by, tell_those_who_turned_16
from consentry.roster.tasks import tell_pupils_who_turned_16
from consentry.schools.models import Pupil
from tests.world import make_pupil, make_user


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _client(user=None) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def _sixteen_on(day: date) -> date:
    """A date of birth that makes the pupil 16 on `day` (and not the day before)."""
    return born_by(day)


@pytest.fixture
def sanne(world) -> Pupil:
    return make_pupil(
        world.school,
        world.group,
        "1600",
        "Sanne",
        date_of_birth=_sixteen_on(timezone.localdate() - timedelta(days=40)),
    )


def test_the_leadership_gives_an_account_and_the_pupil_decides_on_the_web(world, sanne):
    page = reverse("roster_own_consent", args=[world.school.pk])
    leadership = _client(world.leadership)
    listed = leadership.get(page).content.decode()
    assert "Sanne" in listed and "Emma" not in listed  # only pupils of 16 and older
    assert _client(world.teacher).get(page).status_code == 404

    response = leadership.post(page, {"pupil": sanne.pk, "email": "Sanne@Example.nl"})
    assert response.status_code == 302
    sanne.refresh_from_db()
    assert sanne.account.email == "sanne@example.nl" and sanne.told_decides_at is not None
    told = OutgoingMail.objects.get(recipient=sanne.account)
    # In the pupil's language, Dutch unless they chose English.
    assert "vanaf nu beslist u zelf" in told.subject
    assert "altijd van gedachten veranderen" in told.body and "/login/" in told.body
    assert AuditEntry.objects.filter(action="pupil.account_given").count() == 1
    # A second account, or someone else's address, is refused with a clear message.
    again = leadership.post(page, {"pupil": sanne.pk, "email": "x@example.nl"}, follow=True)
    assert "already has an account" in again.content.decode()

    # The pupil asks for a sign-in code like any guardian, then decides for themself.
    code = _client().post("/login/code/", {"email": "sanne@example.nl"})
    assert code.status_code == 302
    assert OutgoingMail.objects.filter(to_address="sanne@example.nl", kind="sign_in_code").exists()
    pupil = _client(sanne.account)
    assert "Sanne" in pupil.get(reverse("children")).content.decode()
    own_page = pupil.get(reverse("pupil_consent", args=[sanne.pk])).content.decode()
    assert "You decide yourself now" in own_page
    pupil.post(reverse("pupil_consent", args=[sanne.pk]), {"category_4": "yes"})
    event = ConsentEvent.objects.get(pupil=sanne)
    assert (event.actor_role, event.guardian_id) == ("pupil", None)
    assert consent_overview([sanne])[sanne.pk][4].allowed


def test_a_pupil_below_16_gets_no_account_and_an_address_in_use_is_refused(world, sanne):
    page = reverse("roster_own_consent", args=[world.school.pk])
    leadership = _client(world.leadership)
    young = leadership.post(page, {"pupil": world.emma.pk, "email": "e@example.nl"}, follow=True)
    assert "give the account from the birthday" in young.content.decode()
    taken = leadership.post(page, {"pupil": sanne.pk, "email": "parent@example.nl"}, follow=True)
    assert "already belongs to an account" in taken.content.decode()
    assert Pupil.objects.get(pk=sanne.pk).account is None
    other = _client(world.other_leadership)
    assert other.post(page, {"pupil": sanne.pk, "email": "s@example.nl"}).status_code == 404


def test_a_pupil_with_an_account_is_told_on_the_birthday_once(world):
    today = timezone.localdate()
    birthday = today + timedelta(days=2)
    turning = make_pupil(
        world.school, world.group, "1601", "Daan", date_of_birth=_sixteen_on(birthday)
    )
    turning.account = make_user("daan@example.nl", "Daan")
    turning.save(update_fields=["account"])
    assert tell_those_who_turned_16(on=today) == 0  # still 15
    assert tell_those_who_turned_16(on=birthday + timedelta(days=1)) == 1
    assert tell_those_who_turned_16(on=birthday + timedelta(days=1)) == 0
    mail = OutgoingMail.objects.get(recipient=turning.account)
    assert "tellen niet meer" in mail.body
    entries = {entry.task for entry in SCHEDULE}
    assert "consentry.roster.tasks.tell_pupils_who_turned_16" in entries
    assert tell_pupils_who_turned_16.call() == 0  # today: nobody new
