"""The school's public feed (category 4): what the leadership released, as a page, RSS and
JSON Feed for the school's website.

Why an explicit release: category 4 is "carefully made and selected" material for everyone;
a teacher publishing a photo for the public is not yet the school putting it on its
website. The leadership releases (and retracts) each image, audited.

What the public sees is read at every request: a release that is live, of a publication
still current, whose visible pupils may all still appear in public (`coverage.shown_now`).
The image's address is the release's token, so it cannot be guessed from ids and stops
working the moment the image leaves the feed. No pupil's name, no file name (it may hold
one) and no uploader appear in the feed: only the school and the date.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consentry.audit.services import record
from consentry.photos.models import Publication
from consentry.schools.models import School

from .coverage import is_shown_now, shown_now
from .models import FeedRelease

PUBLIC = 4  # the leaflet's category for public communication
FEED_SIZE = 50  # the newest images in the feed
CHOOSE_FROM = 100  # the newest category-4 publications offered for release


class ReleaseError(ValueError):
    """A release that is not made; the message is for the leadership."""


def live_releases(school: School) -> list[FeedRelease]:
    """The feed now, newest release first."""
    releases = list(
        FeedRelease.objects.filter(school=school, retracted_at=None, publication__withdrawn_at=None)
        .select_related("publication")
        .order_by("-released_at", "-pk")[:FEED_SIZE]
    )
    shown = {p.pk for p in shown_now(r.publication for r in releases)}
    return [r for r in releases if r.publication_id in shown]


def release_for_token(token: str) -> FeedRelease | None:
    """The release whose image may be served under this token now, or None."""
    release = (
        FeedRelease.objects.filter(token=token, retracted_at=None)
        .select_related("publication")
        .first()
    )
    if release is None or not is_shown_now(release.publication):
        return None
    return release


def candidates(school: School) -> list[Publication]:
    """The school's current category-4 publications, newest first, each with `release`
    (its live release, or None) and `shown` (whether it may appear in public now)."""
    publications = list(
        Publication.objects.filter(category=PUBLIC, photo__school=school, withdrawn_at=None)
        .select_related("photo__group")
        .order_by("-published_at", "-pk")[:CHOOSE_FROM]
    )
    live = {
        r.publication_id: r
        for r in FeedRelease.objects.filter(
            publication__in=[p.pk for p in publications], retracted_at=None
        )
    }
    shown = {p.pk for p in shown_now(publications)}
    for publication in publications:
        publication.release = live.get(publication.pk)  # type: ignore[attr-defined]
        publication.shown = publication.pk in shown  # type: ignore[attr-defined]
    return publications


def taken_down(school: School) -> list[FeedRelease]:
    """Live releases whose publication was taken down: the leadership sees that the image
    left the feed, and may release the replacement (listed with the candidates)."""
    return list(
        FeedRelease.objects.filter(school=school, retracted_at=None)
        .exclude(publication__withdrawn_at=None)
        .select_related("publication__photo__group")
        .order_by("-released_at", "-pk")[:CHOOSE_FROM]
    )


def release(publication: Publication, *, school: School, actor) -> FeedRelease:
    """Put a category-4 publication of `school` in its public feed, audited."""
    if publication.photo.school_id != school.pk or publication.category != PUBLIC:
        raise ReleaseError(_("Only photos published for category 4 (public) can be released."))
    if not is_shown_now(publication):
        raise ReleaseError(
            _("This photo can no longer be shown in public: it was taken down or consent lapsed.")
        )
    try:
        with transaction.atomic():
            released = FeedRelease.objects.create(
                school=school, publication=publication, released_by=actor
            )
            record(
                "albums.feed.released",
                actor=actor,
                obj=released,
                school_id=school.pk,
                data={"publication": publication.pk},
            )
    except IntegrityError:
        raise ReleaseError(_("This photo is already in the public feed.")) from None
    return released


def retract(released: FeedRelease, *, actor) -> bool:
    """Take an image out of the feed; its address stops working at once. Returns whether
    it was still live."""
    with transaction.atomic():
        changed = FeedRelease.objects.filter(pk=released.pk, retracted_at=None).update(
            retracted_at=timezone.now(), retracted_by=actor
        )
        if changed:
            record(
                "albums.feed.retracted",
                actor=actor,
                obj=released,
                school_id=released.school_id,
                data={"publication": released.publication_id},
            )
    return bool(changed)
