"""Erasure on request: only for a pupil who left, confirmed, audited, and it leaves nothing."""

from collections import Counter
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from consentry.accounts.models import User
from consentry.audit.models import AuditEntry
from consentry.audit.services import verify_chain
from consentry.mail.models import OutgoingMail
from consentry.retention import erasure, registry
from consentry.schools.models import Guardianship, Pupil
from tests.retention.helpers import give_history, mark_left, rows_pointing_at, still_there

LAST_MONTH = timezone.localdate() - timedelta(days=30)


@pytest.fixture
def emma_left(world):
    return mark_left(give_history(world), LAST_MONTH)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_erasure_leaves_no_row_that_pointed_at_the_pupil(world, emma_left):
    before = rows_pointing_at(emma_left)
    labels = {model._meta.label_lower for model in before}
    assert {"schools.guardianship", "consent.consentevent", "consent.neverflagevent"} <= labels
    assert {"mail.outgoingmail", "schools.pupil_extra_groups"} <= labels

    counts = erasure.erase_pupil(emma_left, actor=world.leadership, reason="guardian_request")

    assert still_there(before) == {}
    assert not Pupil.objects.filter(pk=emma_left.pk).exists()
    assert counts["consent.consentevent"] == 3
    assert Pupil.objects.filter(pk=world.noah.pk).exists()


def test_guardians_without_another_child_go_with_their_mail(world, emma_left):
    Guardianship.objects.create(
        guardian=world.other_parent, pupil=world.noah, has_parental_authority=True
    )  # Noah stays
    erasure.erase_pupil(emma_left, actor=world.leadership, reason="guardian_request")
    assert not User.objects.filter(pk=world.parent.pk).exists()
    assert not OutgoingMail.objects.filter(to_address=world.parent.email).exists()
    assert User.objects.filter(pk=world.other_parent.pk).exists()
    assert User.objects.filter(pk=world.leadership.pk).exists()  # recorded the flag: staff


def test_the_audit_trail_stays_intact_and_says_only_ids_and_counts(world, emma_left):
    entries = AuditEntry.objects.count()
    erasure.erase_pupil(emma_left, actor=world.leadership, reason="pupil_request")
    assert AuditEntry.objects.count() == entries + 1  # nothing removed, one added
    entry = AuditEntry.objects.get(action="pupil.erased")
    assert (entry.object_type, entry.object_id) == ("schools.pupil", str(emma_left.pk))
    assert entry.data["reason"] == "pupil_request"
    assert entry.data["counts"]["schools.pupil"] == 1
    assert "Emma" not in str(entry.data) and "Custody" not in str(entry.data)
    assert verify_chain() == (entries + 1, None)


def test_a_pupil_still_at_school_is_refused_and_nothing_changes(world):
    give_history(world)
    before = rows_pointing_at(world.emma)
    with translation.override("en"), pytest.raises(erasure.ErasureRefused, match="still at school"):
        erasure.erase_pupil(world.emma, actor=world.leadership, reason="guardian_request")
    assert rows_pointing_at(world.emma) == before


def test_a_pupil_who_leaves_only_later_is_still_at_school(world):
    mark_left(world.emma, timezone.localdate() + timedelta(days=10))
    assert erasure.refusals(world.emma)


def test_a_hold_refuses_erasure(world, emma_left):
    registry.register_hold(lambda pupil: "The research about this pupil runs.")
    with pytest.raises(erasure.ErasureRefused, match="research"):
        erasure.erase_pupil(emma_left, actor=world.leadership, reason="guardian_request")
    assert Pupil.objects.filter(pk=emma_left.pk).exists()


def test_a_registered_eraser_runs_first(world, emma_left):
    seen = []

    def eraser(pupil):
        seen.append(pupil.pk)
        return Counter({"photos.photo": 2})

    registry.register_eraser(eraser)
    counts = erasure.erase_pupil(emma_left, actor=world.leadership, reason="not_needed")
    assert seen == [emma_left.pk]
    assert counts["photos.photo"] == 2


def test_the_page_asks_for_a_reason_and_a_confirmation(world, emma_left, settings):
    settings.LANGUAGE_CODE = "en"
    client = client_for(world.leadership)
    url = reverse("pupil_erase", args=[emma_left.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Consent events" in page.content.decode()  # what will be erased, per kind

    response = client.post(url, {"reason": "guardian_request"})  # not confirmed
    assert response.status_code == 200
    assert Pupil.objects.filter(pk=emma_left.pk).exists()

    response = client.post(url, {"reason": "guardian_request", "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("retention_overview", args=[world.school.pk])
    assert not Pupil.objects.filter(pk=emma_left.pk).exists()


def test_the_privacy_officer_may_erase_too(world, emma_left):
    url = reverse("pupil_erase", args=[emma_left.pk])
    response = client_for(world.privacy_officer).post(
        url, {"reason": "not_needed", "confirm": "on"}
    )
    assert response.status_code == 302
    assert not Pupil.objects.filter(pk=emma_left.pk).exists()


def test_the_page_refuses_a_current_pupil(world, settings):
    settings.LANGUAGE_CODE = "en"
    url = reverse("pupil_erase", args=[world.emma.pk])
    response = client_for(world.leadership).post(url, {"reason": "not_needed", "confirm": "on"})
    assert response.status_code == 200
    assert "still at school" in response.content.decode()
    assert Pupil.objects.filter(pk=world.emma.pk).exists()


@pytest.mark.parametrize("persona", ["parent", "teacher", "intern", "other_leadership"])
def test_nobody_else_reaches_erasure(world, emma_left, persona):
    url = reverse("pupil_erase", args=[emma_left.pk])
    client = client_for(getattr(world, persona))
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "not_needed", "confirm": "on"}).status_code == 404
    assert Pupil.objects.filter(pk=emma_left.pk).exists()


def test_answers_to_separate_requests_go_too(world, emma_left):
    """Append-only events of any app (here: ad-hoc answers) are decisions about the pupil."""
    from consentry.adhoc.models import ConsentRequest, RequestAnswer

    request = ConsentRequest.objects.create(
        school=world.school,
        created_by=world.teacher,
        purpose="Regional paper",
        description="A photo in the paper.",
        deadline=LAST_MONTH,
        status="closed",
    )
    request.pupils.add(emma_left, world.noah)
    RequestAnswer.objects.create(
        request=request,
        pupil=emma_left,
        guardian=world.parent,
        given=True,
        actor=world.parent,
        actor_role="guardian",
        channel="web",
    )
    before = rows_pointing_at(emma_left)
    assert "adhoc.requestanswer" in {model._meta.label_lower for model in before}
    erasure.erase_pupil(emma_left, actor=world.leadership, reason="guardian_request")
    assert still_there(before) == {}
    assert list(request.pupils.all()) == [world.noah]  # the request itself stays


def test_mail_about_several_children_that_names_the_pupil_goes_too(world, emma_left):
    """A reminder lists every child of a guardian; one naming the erased pupil must go."""
    Guardianship.objects.create(
        guardian=world.other_parent, pupil=world.noah, has_parental_authority=True
    )  # stays
    about_both = OutgoingMail.objects.create(
        kind=OutgoingMail.Kind.REMINDER,
        to_address=world.other_parent.email,
        recipient=world.other_parent,
        subject="Herinnering",
        body=f"Nog niet beantwoord voor: {emma_left.full_name}, {world.noah.full_name}",
    )
    about_noah = OutgoingMail.objects.create(
        kind=OutgoingMail.Kind.REMINDER,
        to_address=world.other_parent.email,
        recipient=world.other_parent,
        subject="Herinnering",
        body=f"Nog niet beantwoord voor: {world.noah.full_name}",
    )
    erasure.erase_pupil(emma_left, actor=world.leadership, reason="guardian_request")
    assert not OutgoingMail.objects.filter(pk=about_both.pk).exists()
    assert OutgoingMail.objects.filter(pk=about_noah.pk).exists()
