"""The pages: staff write and send a request, guardians answer it on their own page."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from consentry.adhoc.models import ConsentRequest, RequestAnswer
from consentry.mail.models import OutgoingMail
from consentry.schools.models import Guardianship
from tests.adhoc.helpers import ask, image_bytes
from tests.files import stored_files
from tests.photos.helpers import astronaut, encode
from tests.photos.test_gate import _sharpness


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(**extra) -> dict:
    deadline = timezone.localdate() + timedelta(days=7)
    return {
        "purpose": "Photo in the regional paper",
        "description": "After sports day the paper would like to print one photo.",
        "deadline": deadline.isoformat(),
        **extra,
    }


def test_a_teacher_asks_a_whole_group_and_sends_it(world):
    teacher = client_for(world.teacher)
    new = reverse("consent_request_new", args=[world.school.pk])
    response = teacher.post(new, form_data(groups=[world.group.pk]))
    consent_request = ConsentRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consent_request", args=[consent_request.pk])
    assert list(consent_request.pupils.all()) == [world.emma]
    assert consent_request.status == "draft"
    assert not OutgoingMail.objects.exists()

    response = teacher.post(reverse("consent_request_open", args=[consent_request.pk]), follow=True)
    assert "The request was sent." in response.text
    consent_request.refresh_from_db()
    assert consent_request.status == "open"
    recipients = set(OutgoingMail.objects.values_list("to_address", flat=True))
    assert recipients == {"parent@example.nl", "other.parent@example.nl"}


def test_a_teacher_cannot_choose_a_pupil_of_another_group(world):
    response = client_for(world.teacher).post(
        reverse("consent_request_new", args=[world.school.pk]), form_data(pupils=[world.noah.pk])
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not ConsentRequest.objects.exists()


def test_a_request_needs_pupils(world):
    response = client_for(world.teacher).post(
        reverse("consent_request_new", args=[world.school.pk]), form_data()
    )
    assert "Choose the pupils this request is about" in response.text
    assert not ConsentRequest.objects.exists()


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored(world):
    upload = SimpleUploadedFile("photo.jpg", b"%PDF-1.7 not a photo", content_type="image/jpeg")
    response = client_for(world.teacher).post(
        reverse("consent_request_new", args=[world.school.pk]),
        form_data(pupils=[world.emma.pk], image=upload),
    )
    assert response.status_code == 200
    assert "This file is not an image we can read. Upload a JPEG, PNG or WebP image." in (
        response.text
    )
    assert not ConsentRequest.objects.exists()
    assert stored_files() == []


def test_a_too_large_image_is_refused(world, monkeypatch):
    monkeypatch.setattr("consentry.adhoc.forms.MAX_BYTES", 100)
    upload = SimpleUploadedFile("photo.jpg", image_bytes(), content_type="image/jpeg")
    response = client_for(world.teacher).post(
        reverse("consent_request_new", args=[world.school.pk]),
        form_data(pupils=[world.emma.pk], image=upload),
    )
    assert "The image is larger than 100\xa0bytes" in response.text
    assert not ConsentRequest.objects.exists()


def test_the_preview_is_re_encoded_and_shown_only_to_those_concerned(world):
    upload = SimpleUploadedFile(
        "IMG_0001.png", image_bytes("PNG", secret="Secret camera 123"), content_type="image/png"
    )
    client_for(world.teacher).post(
        reverse("consent_request_new", args=[world.school.pk]),
        form_data(pupils=[world.emma.pk], image=upload),
    )
    consent_request = ConsentRequest.objects.get()
    (stored,) = stored_files()
    assert stored == consent_request.preview.name and stored.startswith("requests/")
    assert stored.endswith(".jpg") and "IMG_0001" not in stored
    url = reverse("consent_request_preview", args=[consent_request.pk])

    # A draft's preview is for staff only.
    assert client_for(world.parent).get(url).status_code == 404
    response = client_for(world.leadership).get(url)
    assert response.status_code == 200
    client_for(world.teacher).post(reverse("consent_request_open", args=[consent_request.pk]))

    response = client_for(world.parent).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xff\xd8") and b"Secret camera" not in body
    for stranger in (world.another_parent, world.other_teacher, world.intern):
        assert client_for(stranger).get(url).status_code == 404


def test_staff_of_another_group_or_school_cannot_see_the_request(world):
    consent_request = ask(world)
    detail = reverse("consent_request", args=[consent_request.pk])
    assert client_for(world.teacher).get(detail).status_code == 200
    assert client_for(world.privacy_officer).get(detail).status_code == 200
    for stranger in (world.other_teacher, world.other_leadership, world.intern, world.parent):
        assert client_for(stranger).get(detail).status_code == 404
    listing = client_for(world.other_teacher).get(
        reverse("consent_requests", args=[world.school.pk])
    )
    assert "Photo in the regional paper" not in listing.text
    other_school = reverse("consent_requests", args=[world.school.pk])
    assert client_for(world.other_leadership).get(other_school).status_code == 404


def test_a_teacher_sees_only_the_answers_for_their_own_pupils(world):
    consent_request = ask(world, world.emma, world.noah)  # by the leadership
    response = client_for(world.other_teacher).get(
        reverse("consent_request", args=[consent_request.pk])
    )
    assert "Noah Test" in response.text and "Emma Test" not in response.text


def test_the_detail_shows_the_outcome_per_pupil(world):
    consent_request = ask(world)
    client_for(world.parent).post(
        reverse("consent_request_answer", args=[consent_request.pk]),
        {"pupil": world.emma.pk, "answer": "yes"},
    )
    response = client_for(world.teacher).get(reverse("consent_request", args=[consent_request.pk]))
    assert "A guardian with parental authority gave consent." in response.text
    assert "Parent of Emma: yes" in response.text


def test_the_guardian_sees_the_question_and_answers_it(world):
    consent_request = ask(world)
    parent = client_for(world.parent)
    page = parent.get(reverse("children"))
    assert "Questions from the school" in page.text
    assert "Photo in the regional paper" in page.text
    assert "Yes for Emma" in page.text and "No for Emma" in page.text

    response = parent.post(
        reverse("consent_request_answer", args=[consent_request.pk]),
        {"pupil": world.emma.pk, "answer": "no"},
        follow=True,
    )
    assert response.redirect_chain[-1][0].startswith(reverse("children"))
    assert "Saved: your answer for Emma is no." in response.text
    assert "your answer is no" in response.text
    assert RequestAnswer.objects.get().given is False

    assert (
        "Questions from the school"
        not in client_for(world.another_parent).get(reverse("children")).text
    )


def test_a_guardian_without_authority_sees_it_but_cannot_answer(world):
    consent_request = ask(world)
    Guardianship.objects.filter(guardian=world.other_parent).update(has_parental_authority=False)
    other = client_for(world.other_parent)
    page = other.get(reverse("children"))
    assert "Only a guardian with parental authority can answer." in page.text
    assert "Yes for Emma" not in page.text
    response = other.post(
        reverse("consent_request_answer", args=[consent_request.pk]),
        {"pupil": world.emma.pk, "answer": "yes"},
    )
    assert response.status_code == 403
    assert not RequestAnswer.objects.exists()


@pytest.mark.parametrize("pupil", ["emma", "noah", "nobody"])
def test_the_guardian_of_another_child_cannot_answer(world, pupil):
    consent_request = ask(world)
    pupil_id = getattr(world, pupil).pk if pupil != "nobody" else "x"
    response = client_for(world.another_parent).post(
        reverse("consent_request_answer", args=[consent_request.pk]),
        {"pupil": pupil_id, "answer": "yes"},
    )
    assert response.status_code == 404
    assert not RequestAnswer.objects.exists()


def test_answering_after_the_deadline_is_refused_on_the_page(world):
    consent_request = ask(world)
    yesterday = timezone.localdate() - timedelta(days=1)
    ConsentRequest.objects.filter(pk=consent_request.pk).update(deadline=yesterday)
    response = client_for(world.parent).post(
        reverse("consent_request_answer", args=[consent_request.pk]),
        {"pupil": world.emma.pk, "answer": "yes"},
        follow=True,
    )
    assert "The deadline for this request has passed" in response.text
    assert "no answer counts as no" in response.text
    assert not RequestAnswer.objects.exists()


def test_after_the_deadline_the_page_offers_only_to_withdraw_a_yes(world):
    consent_request = ask(world)
    parent = client_for(world.parent)
    answer_url = reverse("consent_request_answer", args=[consent_request.pk])
    parent.post(answer_url, {"pupil": world.emma.pk, "answer": "yes"})
    yesterday = timezone.localdate() - timedelta(days=1)
    ConsentRequest.objects.filter(pk=consent_request.pk).update(deadline=yesterday)
    page = parent.get(reverse("children"))
    assert "Withdraw my yes for Emma" in page.text and "Yes for Emma" not in page.text
    assert (
        "Questions from the school"
        not in client_for(world.other_parent).get(reverse("children")).text
    )  # no yes of theirs to withdraw
    parent.post(answer_url, {"pupil": world.emma.pk, "answer": "no"})
    assert list(RequestAnswer.objects.values_list("given", flat=True)) == [True, False]


def test_a_sent_request_can_no_longer_be_edited(world):
    consent_request = ask(world)
    edit = reverse("consent_request_edit", args=[consent_request.pk])
    response = client_for(world.teacher).post(edit, form_data(purpose="Changed"), follow=True)
    assert "it can no longer be changed" in response.text
    consent_request.refresh_from_db()
    assert consent_request.purpose == "Photo in the regional paper"


def test_a_draft_can_be_edited_and_its_preview_replaced(world):
    consent_request = ask(world, send=False, preview=image_bytes())
    (old,) = stored_files("requests")
    upload = SimpleUploadedFile("new.jpg", image_bytes(size=(80, 60)), content_type="image/jpeg")
    client_for(world.teacher).post(
        reverse("consent_request_edit", args=[consent_request.pk]),
        form_data(purpose="Changed", pupils=[world.emma.pk], image=upload),
    )
    consent_request.refresh_from_db()
    assert consent_request.purpose == "Changed"
    assert consent_request.preview.name != old


def test_staff_pages_link_to_the_requests(world):
    listing = reverse("consent_requests", args=[world.school.pk])
    matrix = client_for(world.teacher).get(reverse("group_matrix", args=[world.group.pk]))
    assert listing in matrix.text
    overview = client_for(world.leadership).get(reverse("school_overview", args=[world.school.pk]))
    assert listing in overview.text


def test_every_face_in_the_preview_is_blurred_before_any_guardian_sees_it(world):
    """Sent to the whole group before anyone answered: nobody in it is yet a consenting
    pupil, and a never-photographed pupil may be in it."""
    face = (177, 54, 95, 122)  # the astronaut's face (x, y, w, h)
    upload = SimpleUploadedFile("klas.jpg", encode(astronaut(), "JPEG", quality=95))
    client_for(world.teacher).post(
        reverse("consent_request_new", args=[world.school.pk]),
        form_data(pupils=[world.emma.pk], image=upload),
    )
    consent_request = ConsentRequest.objects.get()
    client_for(world.teacher).post(reverse("consent_request_open", args=[consent_request.pk]))
    response = client_for(world.parent).get(
        reverse("consent_request_preview", args=[consent_request.pk])
    )
    shown = b"".join(response.streaming_content)
    assert Image.open(io.BytesIO(shown)).size == (512, 512)
    original = encode(astronaut(), "JPEG", quality=95)
    assert _sharpness(shown, face) < _sharpness(original, face) / 20
