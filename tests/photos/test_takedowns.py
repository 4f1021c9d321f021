"""Withdrawal reaches what was published: take-downs after a no, a never flag or a withdrawn
answer to a separate request."""

import io
import zipfile

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from consentry.adhoc.services import answer
from consentry.audit.models import AuditEntry
from consentry.consent.services import decide, set_never_flag
from consentry.mail.models import OutgoingMail
from consentry.photos import publishing, storage, takedowns
from consentry.photos.models import Face, Publication, TakeDown
from consentry.photos.publishing import publish, read_rendition
from consentry.schools.models import Guardianship, Pupil
from tests.adhoc.helpers import ask
from tests.photos.helpers import astronaut, encode, make_photo
from tests.photos.test_gate import _sharpness
from tests.world import make_pupil


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def photo(world):
    """Emma, with both guardians' yes for the class group and for public."""
    photo = make_photo(world)
    photo.faces.update(kind=Face.Kind.PUPIL, pupil=world.emma)
    for guardian in (world.parent, world.other_parent):
        decide(guardian, world.emma, {2: True, 4: True})
    return photo


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the take-down task) as the worker would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _box(photo):
    face = photo.faces.get()
    return (face.x, face.y, face.w, face.h)


def test_withdrawing_class_group_consent_replaces_the_rendition_with_the_face_blurred(
    world, photo, after_commit
):
    old = publish(photo, 2, "blur", actor=world.teacher)
    visible = read_rendition(old)
    with after_commit():
        decide(world.parent, world.emma, {2: False})
    takedown = TakeDown.objects.get()
    assert (takedown.kind, takedown.status, takedown.reason) == ("internal", "done", "consent")
    assert takedown.done_by is None and takedown.done_at is not None
    new = takedown.replacement
    assert new is not None and new.category == 2 and new.sha256 != old.sha256
    assert new.snapshot[0]["visible"] is False
    hidden = read_rendition(new)
    assert _sharpness(hidden, _box(photo)) < _sharpness(visible, _box(photo)) / 20
    # The old one is kept as proof, but its rendition is gone.
    old.refresh_from_db()
    assert old.withdrawn_at is not None and old.snapshot[0]["visible"] is True
    assert not storage.storage().exists(old.storage_name)
    assert list(publishing.current(world.group, 2)) == [new]
    assert AuditEntry.objects.filter(action="photo.takedown.done").count() == 1
    teacher = _client(world.teacher)
    assert teacher.get(reverse("publication_download", args=[old.pk])).status_code == 404
    assert teacher.get(reverse("publication_download", args=[new.pk])).status_code == 200


def test_a_public_photo_gets_an_open_take_down_and_a_mail_to_the_publisher(
    world, photo, after_commit
):
    world.teacher.preferred_language = "en"  # the mail is in the publisher's language
    world.teacher.save(update_fields=["preferred_language"])
    public = publish(photo, 4, "blur", actor=world.teacher)
    with after_commit():
        decide(world.other_parent, world.emma, {4: False})
    takedown = TakeDown.objects.get()
    assert (takedown.kind, takedown.status, takedown.publication) == ("external", "open", public)
    mail = OutgoingMail.objects.get(recipient=world.teacher)
    assert mail.subject == "Remove a published photo: trip.jpg"
    assert f"/takedowns/{takedown.pk}/" in mail.body
    assert "Emma" not in mail.body + mail.subject

    teacher = _client(world.teacher)
    url = reverse("takedown_confirm", args=[takedown.pk])
    assert "I removed it everywhere it was posted" in teacher.get(url).content.decode()
    assert teacher.post(url).status_code == 302
    takedown.refresh_from_db()
    assert (takedown.status, takedown.done_by) == ("done", world.teacher)
    assert AuditEntry.objects.filter(action="photo.takedown.confirmed").count() == 1


def test_a_public_photo_is_no_longer_served_the_moment_consent_lapses(world, photo, after_commit):
    """Before anyone confirms the removal outside, Consentry itself serves only a version
    with the face hidden: the download, the group's zip and the families' exports."""
    public = publish(photo, 4, "blur", actor=world.teacher)
    visible = read_rendition(public)
    with after_commit():
        decide(world.other_parent, world.emma, {4: False})
    takedown = TakeDown.objects.get()
    assert takedown.status == "open"  # the copy outside is still to be removed
    public.refresh_from_db()
    assert public.withdrawn_at is not None and not storage.storage().exists(public.storage_name)
    replacement = takedown.replacement
    assert replacement is not None and replacement.snapshot[0]["visible"] is False
    assert (
        _sharpness(read_rendition(replacement), _box(photo)) < _sharpness(visible, _box(photo)) / 20
    )
    teacher = _client(world.teacher)
    assert teacher.get(reverse("publication_download", args=[public.pk])).status_code == 404
    assert list(publishing.current(world.group, 4)) == [replacement]
    family = _client(world.parent).get(reverse("pupil_data_zip", args=[world.emma.pk]))
    with zipfile.ZipFile(io.BytesIO(family.content)) as archive:
        assert not [n for n in archive.namelist() if n.endswith(".jpg")]  # she is hidden now
    # Confirming the removal outside closes the take-down and changes nothing inside.
    teacher.post(reverse("takedown_confirm", args=[takedown.pk]))
    assert list(publishing.current(world.group, 4)) == [replacement]


def test_a_photo_whose_original_is_destroyed_is_withdrawn_without_a_replacement(
    world, photo, after_commit
):
    public = publish(photo, 4, "blur", actor=world.teacher)
    storage.storage().delete(photo.storage_name)  # as retention does
    with after_commit():
        decide(world.parent, world.emma, {4: False})
    takedown = TakeDown.objects.get()
    public.refresh_from_db()
    assert (takedown.status, takedown.replacement, public.withdrawn_at is not None) == (
        "open",
        None,
        True,
    )
    assert not publishing.current(world.group, 4).exists()


def test_a_never_flag_takes_down_internal_and_external_without_telling_why(
    world, photo, after_commit
):
    publish(photo, 2, "blur", actor=world.teacher)
    publish(photo, 4, "blur", actor=world.teacher)
    with after_commit():
        set_never_flag(world.leadership, world.emma, active=True, reason="Safeguarding case.")
    done = {t.kind: t for t in TakeDown.objects.all()}
    assert done["internal"].status == "done" and done["external"].status == "open"
    assert {t.reason for t in done.values()} == {"never"}
    mail = OutgoingMail.objects.get(recipient=world.teacher)
    assert "safeguarding" not in (mail.subject + mail.body).lower()
    assert "never" not in (mail.subject + mail.body).lower()


def test_a_pupil_who_was_blurred_already_produces_nothing(world, photo, after_commit):
    decide(world.parent, world.emma, {4: False})
    publish(photo, 4, "blur", actor=world.teacher)  # Emma hidden
    with after_commit():
        decide(world.other_parent, world.emma, {4: False})
        set_never_flag(world.leadership, world.emma, active=True, reason="Safeguarding.")
    assert not TakeDown.objects.exists()
    assert not OutgoingMail.objects.filter(recipient=world.teacher).exists()


def test_running_the_task_twice_creates_no_duplicates(world, photo, after_commit):
    publish(photo, 2, "blur", actor=world.teacher)
    publish(photo, 4, "blur", actor=world.teacher)
    with after_commit():
        decide(world.parent, world.emma, {2: False, 4: False})
    counts = (TakeDown.objects.count(), Publication.objects.count(), OutgoingMail.objects.count())
    assert counts[0] == 2
    assert takedowns.take_down_for_pupil(world.emma.pk) == 0
    assert [t.kind for t in takedowns.open_takedowns_for(world.emma)] == ["external"]
    again = (TakeDown.objects.count(), Publication.objects.count(), OutgoingMail.objects.count())
    assert again == counts


def test_other_pupils_publications_are_untouched(world, photo, after_commit):
    noahs = make_photo(world, group=world.noah.group)
    noahs.faces.update(kind=Face.Kind.PUPIL, pupil=world.noah)
    decide(world.another_parent, world.noah, {2: True})
    theirs = publish(noahs, 2, "blur", actor=world.leadership)
    with after_commit():
        decide(world.parent, world.emma, {2: False})
    theirs.refresh_from_db()
    assert theirs.withdrawn_at is None
    assert not TakeDown.objects.filter(publication=theirs).exists()


def test_a_withdrawn_answer_to_a_separate_request_takes_down_its_photo(world, photo, after_commit):
    paper = ask(world)
    for guardian in (world.parent, world.other_parent):
        answer(guardian, paper, world.emma, True)
    publish(photo, paper, "blur", actor=world.teacher)
    with after_commit():
        answer(world.parent, paper, world.emma, False)
    takedown = TakeDown.objects.get()
    assert (takedown.kind, takedown.status, takedown.reason) == ("external", "open", "request")


def test_only_the_leadership_and_the_publisher_see_a_take_down(world, photo, after_commit):
    publish(photo, 4, "blur", actor=world.teacher)
    with after_commit():
        decide(world.parent, world.emma, {4: False})
    url = reverse("takedown_confirm", args=[TakeDown.objects.get().pk])
    listing = reverse("takedown_list", args=[world.school.pk])
    for user in (world.other_teacher, world.parent, world.intern, world.other_leadership):
        assert _client(user).get(url).status_code == 404
        assert _client(user).post(url).status_code == 404
    assert TakeDown.objects.get().status == "open"
    assert _client(world.teacher).get(listing).status_code == 404
    page = _client(world.leadership).get(listing).content.decode()
    assert "Confirm the removal" in page and "Emma" in page
    overview = _client(world.leadership).get(reverse("school_overview", args=[world.school.pk]))
    assert listing in overview.content.decode()


def _two_pupils_in_a_public_photo(world):
    """Emma and Lisa (group Zon) side by side in one photo published for the public."""
    lisa = make_pupil(world.school, world.group, "1003", "Lisa")
    Guardianship.objects.create(guardian=world.parent, pupil=lisa, has_parental_authority=True)
    photo = make_photo(world, encode(np.hstack([astronaut(), astronaut()]), quality=90))
    first, second = photo.faces.order_by("x")
    Face.objects.filter(pk=first.pk).update(kind=Face.Kind.PUPIL, pupil=world.emma)
    Face.objects.filter(pk=second.pk).update(kind=Face.Kind.PUPIL, pupil=lisa)
    for guardian in (world.parent, world.other_parent):
        decide(guardian, world.emma, {4: True})
    decide(world.parent, lisa, {4: True})
    return publish(photo, 4, "blur", actor=world.teacher), lisa


def _takedown_mails(world):
    return OutgoingMail.objects.filter(recipient=world.teacher, kind=OutgoingMail.Kind.OTHER)


def test_the_mail_and_the_pages_name_the_photo_by_its_file_name_and_date(
    world, photo, after_commit
):
    world.teacher.preferred_language = "en"
    world.teacher.save(update_fields=["preferred_language"])
    public = publish(photo, 4, "blur", actor=world.teacher)
    with after_commit():
        decide(world.parent, world.emma, {4: False})
    uploaded = date_format(timezone.localtime(photo.created_at))
    mail = _takedown_mails(world).get()
    assert "Photo: trip.jpg\n" in mail.body and f"Uploaded on: {uploaded}\n" in mail.body
    assert "Audience: 4 · public" in mail.body
    assert f"photo-{photo.pk}" not in mail.subject + mail.body
    takedown = TakeDown.objects.get()
    confirm_page = _client(world.teacher).get(reverse("takedown_confirm", args=[takedown.pk]))
    listing = _client(world.leadership).get(reverse("takedown_list", args=[world.school.pk]))
    for page in (confirm_page.text, listing.text):
        assert "trip.jpg" in page and publishing.filename(public) not in page
    assert f"uploaded on {date_format(photo.created_at, 'SHORT_DATE_FORMAT')}" in listing.text
    assert "4 · public" in listing.text


def test_pupils_whose_consent_lapses_at_once_bring_one_mail(world, after_commit):
    _two_pupils_in_a_public_photo(world)
    lisa = Pupil.objects.get(given_name="Lisa")
    with after_commit():
        decide(world.parent, world.emma, {4: False})
        decide(world.parent, lisa, {4: False})
    assert _takedown_mails(world).count() == 1


def test_pupils_whose_consent_lapses_one_after_the_other_bring_one_mail_and_one_confirmation(
    world, after_commit
):
    """The first take-down replaced the photo with Emma hidden; Lisa's then replaces that
    version. Outside there is still one photo to remove: one mail, whose link closes both."""
    _public, lisa = _two_pupils_in_a_public_photo(world)
    with after_commit():
        decide(world.parent, world.emma, {4: False})
    with after_commit():
        decide(world.parent, lisa, {4: False})
    assert sorted(t.pupil.given_name for t in TakeDown.objects.filter(status="open")) == [
        "Emma",
        "Lisa",
    ]
    assert _takedown_mails(world).count() == 1
    first = TakeDown.objects.get(pupil=world.emma)
    _client(world.teacher).post(reverse("takedown_confirm", args=[first.pk]))
    assert set(TakeDown.objects.values_list("status", flat=True)) == {"done"}
    current = publishing.current(world.group, 4).get()
    assert [e["visible"] for e in current.snapshot] == [False, False]


def test_after_a_confirmed_removal_a_new_lapse_mails_again(world, after_commit):
    """The publisher may have posted the version with Emma hidden: Lisa's no must reach it."""
    _public, lisa = _two_pupils_in_a_public_photo(world)
    with after_commit():
        decide(world.parent, world.emma, {4: False})
    takedowns.confirm(TakeDown.objects.get(), actor=world.teacher)
    with after_commit():
        decide(world.parent, lisa, {4: False})
    assert _takedown_mails(world).count() == 2
