"""The families' albums: who sees which published photo, and that a withdrawal takes effect
at the next request, before the take-down has re-rendered anything."""

import io
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from consentry.albums import services
from consentry.albums.coverage import shown_now
from consentry.audit.models import AuditEntry
from consentry.consent.services import decide, set_never_flag
from consentry.leaflets.models import LeafletVersion
from consentry.photos import takedowns
from consentry.photos.models import Face, Publication
from consentry.photos.publishing import publish
from consentry.schools.models import Group, Guardianship
from tests.albums.helpers import GPS_IFD, client_of, emma_consents, photo_of_emma, published_of_emma
from tests.photos.helpers import make_photo, small_jpeg
from tests.world import make_pupil, make_user


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _image_urls(response) -> list[str]:
    return re.findall(r'src="(/albums/images/\d+/)"', response.content.decode())


def _class_album(world, user):
    return client_of(user).get(reverse("album_group", args=[world.group.pk]))


def test_the_guardians_of_the_group_see_its_class_photos_newest_first(world):
    older = published_of_emma(world, 2)
    newer = published_of_emma(world, 2)
    publish(make_photo(world, small_jpeg()), 3, "blur", actor=world.teacher)  # not class

    response = _class_album(world, world.other_parent)
    assert response.status_code == 200
    assert _image_urls(response) == [
        reverse("album_image", args=[newer.pk]),
        reverse("album_image", args=[older.pk]),
    ]
    page = response.content.decode()
    assert "Class album of group Zon" in page
    assert "Do not spread photos in which other children can be recognised" in page
    assert "does not allow downloading" in page and "/download/" not in page


def test_the_album_reminds_of_the_rules_in_the_leaflets_own_words(world):
    LeafletVersion.objects.filter(pk=world.leaflet.pk).update(
        conduct_en="Do not spread images in which others can be recognised. Ask first."
    )
    page = _class_album(world, world.parent).content.decode()
    assert "<p>Do not spread images in which others can be recognised. Ask first.</p>" in page


def test_a_parent_of_another_group_sees_neither_the_album_nor_its_photos(world):
    publication = published_of_emma(world, 2)
    assert _class_album(world, world.another_parent).status_code == 404
    image = reverse("album_image", args=[publication.pk])
    assert client_of(world.another_parent).get(image).status_code == 404
    assert client_of(world.parent).get(image).status_code == 200


def test_the_image_is_private_uncached_and_without_metadata(world):
    publication = published_of_emma(world, 2)
    response = client_of(world.parent).get(reverse("album_image", args=[publication.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == "inline"
    data = response.content
    assert b"Album test camera" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif() and not image.getexif().get_ifd(GPS_IFD)
        assert "icc_profile" not in image.info and "comment" not in image.info


def test_a_withdrawal_hides_the_photo_at_once_and_the_replacement_follows(world):
    """The other parent refuses: the next page no longer lists it, before the take-down
    job has run (in the tests it runs only when asked); then the replacement appears."""
    publication = published_of_emma(world, 2)
    image = reverse("album_image", args=[publication.pk])
    decide(world.other_parent, world.emma, {2: False})

    assert Publication.objects.get(pk=publication.pk).withdrawn_at is None  # not yet taken down
    assert _image_urls(_class_album(world, world.parent)) == []
    assert client_of(world.parent).get(image).status_code == 404

    takedowns.take_down_for_pupil(world.emma.pk)
    replacement = Publication.objects.get(photo=publication.photo, withdrawn_at=None)
    assert not replacement.visible_pupils.exists()  # Emma hidden
    assert _image_urls(_class_album(world, world.parent)) == [
        reverse("album_image", args=[replacement.pk])
    ]
    assert client_of(world.parent).get(image).status_code == 404


def test_a_never_flag_hides_the_photo_at_once_without_saying_why(world):
    publication = published_of_emma(world, 2)
    set_never_flag(world.leadership, world.emma, active=True, reason="Safeguarding.")
    response = _class_album(world, world.parent)
    assert _image_urls(response) == []
    assert "never" not in response.content.decode().lower()
    url = reverse("album_image", args=[publication.pk])
    assert client_of(world.parent).get(url).status_code == 404


def test_a_photo_without_anyone_visible_stays_when_consent_changes(world):
    blurred = publish(photo_of_emma(world), 2, "blur", actor=world.teacher)  # no yes: hidden
    assert not blurred.visible_pupils.exists()
    decide(world.parent, world.emma, {2: False})
    assert _image_urls(_class_album(world, world.other_parent)) == [
        reverse("album_image", args=[blurred.pk])
    ]


def test_the_guardian_of_a_pupil_who_left_sees_nothing_any_more(world):
    publication = published_of_emma(world, 2)
    world.emma.left_on = date(2026, 1, 31)
    world.emma.save(update_fields=["left_on"])
    client = client_of(world.parent)
    assert services.family_albums(world.parent) == []
    assert "none of your children is at school" in client.get(reverse("albums")).content.decode()
    assert client.get(reverse("album_group", args=[world.group.pk])).status_code == 404
    assert client.get(reverse("album_school", args=[world.school.pk])).status_code == 404
    assert client.get(reverse("album_image", args=[publication.pk])).status_code == 404


def test_the_school_album_reaches_the_groups_involved(world):
    """Category 3: the photo's own group, and the stamgroepen of the pupils in it. A
    composed group's photo of Emma (group Zon) and of Noah (group Maan) reaches both."""
    maatjes = Group.objects.create(
        school=world.school, name="Maatjes", school_year="2026-2027", composed=True
    )
    world.emma.extra_groups.add(maatjes)
    world.noah.extra_groups.add(maatjes)
    decide(world.parent, world.emma, {3: True})
    decide(world.another_parent, world.noah, {3: True})
    photo = make_photo(world, group=maatjes)  # one face: Noah
    photo.faces.update(kind=Face.Kind.PUPIL, pupil=world.noah)
    world.noah.extra_groups.remove(maatjes)  # Noah's family is involved only through him
    of_maatjes = publish(photo, 3, "blur", actor=world.teacher)
    of_zon = publish(make_photo(world, small_jpeg()), 3, "blur", actor=world.teacher)
    school_album = reverse("album_school", args=[world.school.pk])

    emma_sees = _image_urls(client_of(world.parent).get(school_album))
    noah_sees = _image_urls(client_of(world.another_parent).get(school_album))
    assert emma_sees == [f"/albums/images/{of_zon.pk}/", f"/albums/images/{of_maatjes.pk}/"]
    assert noah_sees == [f"/albums/images/{of_maatjes.pk}/"]  # not Zon's
    url = reverse("album_image", args=[of_zon.pk])
    assert client_of(world.another_parent).get(url).status_code == 404


def test_an_album_lists_only_its_own_category(world):
    emma_consents(world, 2, 3, 4)
    photo = photo_of_emma(world)
    for category in (1, 2, 3, 4):
        publish(photo, category, "blur", actor=world.teacher)
    client = client_of(world.parent)
    class_urls = _image_urls(client.get(reverse("album_group", args=[world.group.pk])))
    school_urls = _image_urls(client.get(reverse("album_school", args=[world.school.pk])))
    by_category = dict(Publication.objects.values_list("category", "pk"))
    assert class_urls == [f"/albums/images/{by_category[2]}/"]
    assert school_urls == [f"/albums/images/{by_category[3]}/"]
    for category in (1, 4):  # the portfolio and the public feed are not albums
        url = reverse("album_image", args=[by_category[category]])
        assert client.get(url).status_code == 404


def test_downloads_only_where_the_school_allows_them(world):
    publication = published_of_emma(world, 2)
    url = reverse("album_download", args=[publication.pk])
    parent = client_of(world.parent)
    assert parent.get(url).status_code == 403

    leadership = client_of(world.leadership)
    settings_url = reverse("album_settings", args=[world.school.pk])
    assert leadership.post(settings_url, {"downloads_allowed": "on"}).status_code == 302
    entry = AuditEntry.objects.get(action="albums.settings_changed")
    assert entry.data["downloads_allowed"] is True and entry.actor_id == world.leadership.pk

    response = parent.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="photo-{publication.photo_id}-2-{publication.pk}.jpg"'
    )
    assert "/download/" in _class_album(world, world.parent).content.decode()
    leadership.post(settings_url, {})
    assert parent.get(url).status_code == 403


def test_only_the_leadership_changes_the_album_setting(world):
    url = reverse("album_settings", args=[world.school.pk])
    for person in (world.teacher, world.privacy_officer, world.parent, world.other_leadership):
        assert client_of(person).post(url, {"downloads_allowed": "on"}).status_code == 404
    assert not services.downloads_allowed(world.school.pk)


def test_the_albums_page_lists_each_group_and_the_school(world):
    second = make_pupil(world.school, world.other_group, "1003", "Sophie")
    Guardianship.objects.create(guardian=world.parent, pupil=second, has_parental_authority=True)
    page = client_of(world.parent).get(reverse("albums")).content.decode()
    assert "Class album of group Maan" in page and "Class album of group Zon" in page
    assert page.count("School album of De Test-Loofhut") == 1
    staff_only = make_user("staff.only@school.nl", "Staff only")
    assert services.family_albums(staff_only) == []


def test_the_read_time_check_costs_a_few_queries_however_many_photos(world):
    emma_consents(world, 2)
    for _ in range(2):
        publish(photo_of_emma(world), 2, "blur", actor=world.teacher)
    few = list(Publication.objects.all())
    with CaptureQueriesContext(connection) as small:
        assert len(shown_now(few)) == 2
    for _ in range(4):
        publish(photo_of_emma(world), 2, "blur", actor=world.teacher)
    many = list(Publication.objects.all())
    with CaptureQueriesContext(connection) as large:
        assert len(shown_now(many)) == 6
    assert len(large) == len(small) <= 7


def test_the_album_page_costs_the_same_however_many_photos(world):
    emma_consents(world, 2)
    client = client_of(world.parent)
    url = reverse("album_group", args=[world.group.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    publish(photo_of_emma(world), 2, "blur", actor=world.teacher)
    queries()  # the first request of a session reads a little more (the session itself)
    few = queries()
    for _ in range(4):
        publish(photo_of_emma(world), 2, "blur", actor=world.teacher)
    assert queries() == few
