"""Photos uploaded to the gate and the faces found in them (boxes only, never embeddings)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Photo(models.Model):
    """An original photo, encrypted in private storage (see crypto.py and storage.py).

    Status: stored (uploaded, waiting for the worker) -> detecting -> ready, or failed with
    `error` for the teacher. Width and height are the upright (EXIF-oriented) size, the
    coordinate system of its faces.
    """

    class Status(models.TextChoices):
        STORED = "stored", _("waiting for face detection")
        DETECTING = "detecting", _("finding faces")
        READY = "ready", _("faces found")
        FAILED = "failed", _("failed")

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey("schools.Group", on_delete=models.CASCADE, related_name="photos")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    storage_name = models.CharField(max_length=100, unique=True)
    wrapped_key = models.BinaryField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.STORED)
    error = models.CharField(max_length=30, blank=True)  # a code: services.failure_message
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    detecting_since = models.DateTimeField(null=True, blank=True)
    detected_at = models.DateTimeField(null=True, blank=True)
    # Why detection may have missed a face (codes of consentry.imaging.detect.DOUBTS,
    # comma-separated): such a photo is published only after someone has looked at every
    # face by eye and said so (checked_by, checked_at; audited as photo.faces_checked).
    doubts = models.CharField(max_length=100, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    # Uploaded by a guardian who helped on a trip (ouderhulp) instead of shared in a chat
    # (parent_photos.py): it passes the same gate, a teacher decides what is published, and
    # the guardian sees only their own uploads, never another child's face unblurred.
    from_guardian = models.BooleanField(_("uploaded by a parent"), default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_stuck(self) -> bool:
        """Detecting for longer than a worker's lease: its worker probably died. The worker
        takes the job over by itself; the page says so and offers to try again."""
        if self.status != self.Status.DETECTING or self.detecting_since is None:
            return False
        lease = timedelta(seconds=settings.JOB_LEASE_SECONDS)
        return timezone.now() - self.detecting_since > lease

    @property
    def error_message(self) -> str:
        from .services import failure_message

        return failure_message(self.error) if self.error else ""

    @property
    def needs_check(self) -> bool:
        """Detection had doubts and nobody has yet looked at every face by eye."""
        return bool(self.doubts) and self.checked_at is None

    @property
    def doubt_texts(self) -> list[str]:
        from .services import doubt_text

        return [doubt_text(code) for code in self.doubts.split(",") if code]

    @property
    def can_retry(self) -> bool:
        return self.status == self.Status.FAILED or self.is_stuck


class Face(models.Model):
    """A face box in the photo's upright, full-resolution pixels."""

    class Source(models.TextChoices):
        DETECTOR = "detector", _("found by the detector")
        MANUAL = "manual", _("drawn by hand")

    class Kind(models.TextChoices):
        UNTAGGED = "untagged", _("not tagged yet")
        PUPIL = "pupil", _("pupil")
        ADULT = "adult", _("adult")
        UNKNOWN = "unknown", _("not a pupil / unknown")

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="faces")
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    w = models.PositiveIntegerField()
    h = models.PositiveIntegerField()
    score = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.DETECTOR)
    # Who is who (tagging.py): a pupil of the photo's group, an adult, or someone unknown.
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.UNTAGGED)
    pupil = models.ForeignKey(
        "schools.Pupil", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # An adult is blurred unless the teacher marks them as consenting (gate.py).
    consents = models.BooleanField(default=False)

    class Meta:
        ordering = ["photo", "-score", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["photo", "pupil"],
                condition=models.Q(pupil__isnull=False),
                name="pupil_once_per_photo",
            )
        ]

    def __str__(self) -> str:
        return f"{self.w}x{self.h} at ({self.x}, {self.y})"


class Publication(models.Model):
    """A rendition that left the gate: what was published to which audience, by whom, and
    each tagged pupil's consent state at that moment (the proof, if ever asked).

    The audience is a leaflet category (1-4) or a separate consent request, never both. The
    rendition is encrypted like the original (crypto.py), under a key of its own.
    """

    class Mode(models.TextChoices):
        BLUR = "blur", _("blur")
        PIXELATE = "pixelate", _("pixelate")
        SOLID = "solid", _("black box")

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="publications")
    category = models.PositiveSmallIntegerField(null=True, blank=True)
    consent_request = models.ForeignKey(
        "adhoc.ConsentRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.BLUR)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    storage_name = models.CharField(max_length=100, unique=True)
    wrapped_key = models.BinaryField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    snapshot = models.JSONField(default=list)  # [{pupil_id, state, visible}] per tagged pupil
    # Taken down (takedowns.py): replaced by a re-rendered one, or removed from the outside
    # channel. The row stays as proof (hash, snapshot); the rendition's key is destroyed.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__isnull=False, consent_request__isnull=True)
                | models.Q(category__isnull=True, consent_request__isnull=False),
                name="publication_one_audience",
            )
        ]

    def __str__(self) -> str:
        return f"{self.photo} for {self.audience_key}"

    @property
    def audience_key(self) -> str:
        """As in URLs and forms: "2" for a category, "r7" for request 7 (gate.audience_key)."""
        return str(self.category) if self.category else f"r{self.consent_request_id}"


class VisiblePupil(models.Model):
    """A pupil who is visible in a publication: the snapshot's visible entries as rows.

    Why rows besides the snapshot: a withdrawal, an erasure and an export ask "where is this
    pupil visible?", and that must be a lookup by index on the pupil, not a read of every
    snapshot of the school (tens of thousands of publications over the years). Written with
    the publication, in the same transaction; the snapshot stays the proof.
    """

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="visible_pupils"
    )
    pupil = models.ForeignKey("schools.Pupil", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "pupil"], name="visible_once")
        ]

    def __str__(self) -> str:
        return f"pupil {self.pupil_id} visible in publication {self.publication_id}"


class TakeDown(models.Model):
    """A publication that shows a pupil who may no longer appear in it (takedowns.py).

    Internal ones (categories 1-3: the rendition lives in Consentry) are re-rendered with the
    face hidden and replaced at once, done by the system. External ones (category 4 and
    separate requests: the photo went outside) stay open until the publisher or the
    leadership confirms the removal.
    """

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("replaced in Consentry")
        EXTERNAL = "external", _("to be removed outside Consentry")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")

    class Reason(models.TextChoices):
        CONSENT = "consent", _("consent withdrawn for this category")
        NEVER = "never", _("may not be photographed")
        REQUEST = "request", _("answer to the separate request withdrawn")

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("schools.Pupil", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=10, choices=Reason.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )  # empty when the system replaced the rendition
    replacement = models.ForeignKey(
        Publication, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "pupil"],
                condition=models.Q(status="open"),
                name="one_open_takedown_per_pupil",
            )
        ]

    def __str__(self) -> str:
        return f"take-down of {self.publication} for pupil {self.pupil_id}"


class ShareRequest(models.Model):
    """A guardian asks to share one of their own photos outside the school: "ask first".

    The leaflet asks parents not to spread photos in which other children are recognisable
    and to ask first. A guardian cannot say who is who in a photo (they may not tag other
    people's children), so the teacher tags the faces and sends the question to the
    guardians of every tagged pupil as a separate consent request (`consent_request`, with
    the engine's rules). The guardian then gets a rendition for that request as audience:
    only the pupils whose guardians said yes are visible (parent_photos.release).
    """

    class Status(models.TextChoices):
        ASKED = "asked", _("waiting for the teacher")
        SENT = "sent", _("put to the guardians")
        DECLINED = "declined", _("declined by the teacher")

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="share_requests")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    where = models.CharField(_("where you want to share it"), max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ASKED)
    created_at = models.DateTimeField(default=timezone.now)
    consent_request = models.OneToOneField(
        "adhoc.ConsentRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="photo_share",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note to the parent"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["photo"],
                condition=models.Q(status__in=["asked", "sent"]),
                name="one_share_request_per_photo",
            )
        ]

    def __str__(self) -> str:
        return f"share request for {self.photo}"
