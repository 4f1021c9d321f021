"""Building blocks for the albums' tests (and the access table): photos of Emma published to
an audience, a release to the public feed, a newsletter."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from consentry.albums import feed, newsletters
from consentry.albums.models import FeedRelease, Newsletter
from consentry.consent.services import decide
from consentry.photos.models import Face, Photo, Publication
from consentry.photos.publishing import publish
from consentry.photos.services import store_upload
from tests.photos.helpers import astronaut, encode, make_photo, small_jpeg
from tests.world import World

GPS_IFD = 0x8825


def photo_of_emma(world: World, *, group=None, name: str = "emma-at-the-zoo.jpg") -> Photo:
    """The astronaut (one face, tagged as Emma) with EXIF and a GPS position, which no
    album, feed or link may pass on."""
    exif = Image.Exif()
    exif[0x010F] = "Album test camera"
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 30.0), 3: "E", 4: (5.0, 13.0, 12.0)}
    data = encode(astronaut(), "JPEG", quality=90, exif=exif)
    upload = SimpleUploadedFile(name, data, content_type="image/jpeg")
    photo = store_upload(group or world.group, upload, actor=world.teacher)
    photo.faces.update(kind=Face.Kind.PUPIL, pupil=world.emma)
    return photo


def emma_consents(world: World, *categories: int) -> None:
    decide(world.parent, world.emma, dict.fromkeys(categories, True))


def published_of_emma(world: World, category: int, **options) -> Publication:
    """A photo in which Emma is visible, published for `category` (her parent said yes)."""
    emma_consents(world, category)
    publication = publish(photo_of_emma(world, **options), category, "blur", actor=world.teacher)
    assert publication.visible_pupils.filter(pupil=world.emma).exists()
    return publication


def client_of(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def make_probe_release(world: World) -> FeedRelease:
    """For the access table: a public photo of the teacher's group (nobody visible in it)
    that the leadership released to the feed."""
    public = publish(make_photo(world, small_jpeg()), 4, "blur", actor=world.teacher)
    return feed.release(public, school=world.school, actor=world.leadership)


def make_probe_newsletter(world: World) -> Newsletter:
    """For the access table: a newsletter with one category-3 photo (nobody visible in it)."""
    school_photo = publish(make_photo(world, small_jpeg()), 3, "blur", actor=world.teacher)
    return newsletters.create(
        world.school,
        title="Probe newsletter",
        publication_ids=[school_photo.pk],
        valid_until=timezone.localdate() + timedelta(days=7),
        actor=world.leadership,
    )


def probe_form_bodies(world: World) -> dict[str, dict]:
    """For the access table: allow downloads, release a public photo not yet in the feed,
    make a newsletter of a photo that may be picked."""
    live = FeedRelease.objects.filter(retracted_at=None).values("publication_id")
    unreleased = (
        Publication.objects.filter(photo__school=world.school, category=4, withdrawn_at=None)
        .exclude(pk__in=live)
        .first()
    )
    assert unreleased is not None
    valid_until = timezone.localdate() + timedelta(days=7)
    return {
        "album_settings": {"downloads_allowed": "on"},
        "feed_releases": {"publication": str(unreleased.pk)},
        "newsletters": {
            "title": "Probe",
            "valid_until": valid_until.isoformat(),
            "publications": [str(newsletters.pickable(world.school)[0].pk)],
        },
    }
