"""What the albums add to the photo gate's publications: a school's album setting, the
leadership's releases to the public feed, and newsletters whose images are served by link.

Nothing here holds a rendition: every image is a `photos.Publication`, read at the moment
it is shown, so a take-down (which withdraws the publication) or a lapsed consent (checked
at every request, `coverage.py`) reaches every album, feed and link at once.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    """An unguessable name for a public image (256 bits, URL-safe): public URLs must not be
    derivable from ids, and stop working when the release or newsletter ends."""
    return secrets.token_urlsafe(32)


class AlbumSettings(models.Model):
    """A school's choices about its albums; a school without a row has the defaults."""

    school = models.OneToOneField(
        "schools.School", on_delete=models.CASCADE, related_name="album_settings"
    )
    # Default off: the leaflet asks parents not to spread photos in which other children are
    # recognisable; a school that allows downloads says so explicitly (audited).
    downloads_allowed = models.BooleanField(_("guardians may download photos"), default=False)

    class Meta:
        verbose_name = _("album settings")

    def __str__(self) -> str:
        return f"album settings of school {self.school_id}"


class FeedRelease(models.Model):
    """A category-4 publication the leadership released to the school's public feed.

    The public URL of its image is the token, never an id. The image leaves the feed when
    the release is retracted, the publication is withdrawn (a take-down) or a pupil visible
    in it may no longer appear in public; a take-down's replacement is not released by
    itself: nobody chose it for the public.
    """

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    publication = models.ForeignKey(
        "photos.Publication", on_delete=models.CASCADE, related_name="feed_releases"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    released_at = models.DateTimeField(default=timezone.now)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    retracted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-released_at", "-pk"]
        indexes = [models.Index(fields=["school", "retracted_at"], name="feed_release_school")]
        constraints = [
            models.UniqueConstraint(
                fields=["publication"],
                condition=models.Q(retracted_at__isnull=True),
                name="one_live_release_per_publication",
            )
        ]

    def __str__(self) -> str:
        return f"release of publication {self.publication_id}"


class Newsletter(models.Model):
    """Images the leadership picked for a newsletter (categories 3 and 4), served by link
    while the newsletter has not expired or been ended, and each image's consent holds."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("links valid until"))
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def is_open(self, now=None) -> bool:
        """Its links may still work (each image also needs its consent, at each request)."""
        return self.ended_at is None and (now or timezone.now()) < self.expires_at


class NewsletterItem(models.Model):
    """One picked image of a newsletter, with the token of its link."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="items")
    publication = models.ForeignKey(
        "photos.Publication", on_delete=models.CASCADE, related_name="newsletter_items"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "publication"], name="picked_once_per_newsletter"
            )
        ]

    def __str__(self) -> str:
        return f"publication {self.publication_id} in newsletter {self.newsletter_id}"
