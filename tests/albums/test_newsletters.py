"""Newsletter images: links by token that work only until the date, until the newsletter is
ended, and while everyone visible may still appear; a zip of what may be shown now."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from consentry.albums import newsletters
from consentry.albums.models import Newsletter
from consentry.audit.models import AuditEntry
from consentry.consent.services import decide
from tests.albums.helpers import client_of, published_of_emma


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _create(world, *publications, days: int = 14) -> Newsletter:
    return newsletters.create(
        world.school,
        title="October",
        publication_ids=[p.pk for p in publications],
        valid_until=timezone.localdate() + timedelta(days=days),
        actor=world.leadership,
    )


def _links(world, newsletter) -> list[str]:
    page = client_of(world.leadership).get(reverse("newsletter", args=[newsletter.pk]))
    return re.findall(
        r'value="http://testserver(/newsletter-images/[\w-]+\.jpg)"', page.content.decode()
    )


def test_the_leadership_picks_photos_and_gets_a_link_each(world):
    school_photo = published_of_emma(world, 3)
    public = published_of_emma(world, 4)
    url = reverse("newsletters", args=[world.school.pk])
    leadership = client_of(world.leadership)
    form = leadership.get(url).content.decode()
    assert f'value="{school_photo.pk}"' in form and f'value="{public.pk}"' in form
    valid_until = (timezone.localdate() + timedelta(days=20)).isoformat()
    body = {"title": "October", "valid_until": valid_until}
    response = leadership.post(url, body | {"publications": [school_photo.pk, public.pk]})
    assert response.status_code == 302
    newsletter = Newsletter.objects.get()
    links = _links(world, newsletter)
    assert len(links) == 2
    for link in links:
        image = client_of(None).get(link)
        assert image.status_code == 200 and image["Cache-Control"] == "no-store"
        assert b"Exif" not in image.content
    entry = AuditEntry.objects.get(action="albums.newsletter.created")
    assert entry.data["publications"] == [school_photo.pk, public.pk]


def test_class_group_photos_and_photos_of_another_school_cannot_be_picked(world):
    class_photo = published_of_emma(world, 2)
    school_photo = published_of_emma(world, 3)
    with pytest.raises(newsletters.NewsletterError):
        _create(world, class_photo)
    with pytest.raises(newsletters.NewsletterError):
        _create(world, school_photo, class_photo)  # all or nothing
    with pytest.raises(newsletters.NewsletterError):
        newsletters.create(
            world.other_school,
            title="Not theirs",
            publication_ids=[school_photo.pk],
            valid_until=timezone.localdate(),
            actor=world.other_leadership,
        )
    assert not Newsletter.objects.exists()


def test_links_last_at_most_ninety_days(world):
    school_photo = published_of_emma(world, 3)
    with pytest.raises(newsletters.NewsletterError):
        _create(world, school_photo, days=91)
    with pytest.raises(newsletters.NewsletterError):
        _create(world, school_photo, days=-1)
    assert _create(world, school_photo, days=90)


def test_a_link_stops_when_consent_lapses_and_works_again_with_a_yes(world):
    publication = published_of_emma(world, 3)
    newsletter = _create(world, publication)
    [link] = _links(world, newsletter)
    anyone = client_of(None)
    assert anyone.get(link).status_code == 200
    decide(world.other_parent, world.emma, {3: False})
    assert anyone.get(link).status_code == 404
    page = client_of(world.leadership).get(reverse("newsletter", args=[newsletter.pk]))
    assert "no longer available" in page.content.decode()
    decide(world.other_parent, world.emma, {3: True})  # before any take-down ran
    assert anyone.get(link).status_code == 200


def test_a_link_stops_after_its_date_and_when_ended(world):
    newsletter = _create(world, published_of_emma(world, 3))
    [link] = _links(world, newsletter)
    anyone = client_of(None)
    Newsletter.objects.filter(pk=newsletter.pk).update(expires_at=timezone.now())
    assert anyone.get(link).status_code == 404

    other = _create(world, published_of_emma(world, 3))
    [link] = _links(world, other)
    assert anyone.get(link).status_code == 200
    end = reverse("newsletter_end", args=[other.pk])
    assert client_of(world.other_leadership).post(end).status_code == 404
    assert client_of(world.leadership).post(end).status_code == 302
    assert anyone.get(link).status_code == 404
    assert AuditEntry.objects.filter(action="albums.newsletter.ended").count() == 1


def test_the_zip_holds_only_what_may_be_shown_now(world):
    shown = published_of_emma(world, 3)
    decide(world.parent, world.emma, {4: True})
    lapsing = published_of_emma(world, 4)
    newsletter = _create(world, shown, lapsing)
    decide(world.other_parent, world.emma, {4: False})
    response = client_of(world.leadership).get(reverse("newsletter_zip", args=[newsletter.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == [f"photo-{shown.photo_id}-3-{shown.pk}.jpg"]
    entry = AuditEntry.objects.get(action="albums.newsletter.zip")
    assert entry.data["publications"] == [shown.pk]
    assert (
        client_of(world.teacher).get(reverse("newsletter_zip", args=[newsletter.pk])).status_code
        == 404
    )
