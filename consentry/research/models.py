"""Research and training projects: the leaflet's categories 6, 7 and 8.

The leaflet promises parents that material of these kinds is never shown publicly, never
shared with others, used only for its purpose and destroyed after use. A project makes that
promise checkable: it has a kind, an external party, a purpose, the members who may see its
material, and an end date after which the material is destroyed.

- Kind 6 (internal research) is about one pupil, the subject: the subject's guardians give
  explicit consent through a separate request (`adhoc.ConsentRequest`); the other pupils in
  the material are "bijvangst" and need category 6 consent.
- Kind 7 (internal training) and 8 (anonymised national research): every pupil in the
  material needs category 7 or 8 consent.
- Like the photo gate, coverage is default-deny: material is usable only when everyone in
  it is positively covered. The uploader ticks the pupils and says who else appears
  (`Material.others`): nobody, adults who each agreed (only in a project that allows
  adults), or people who cannot be ticked (an unknown child, a pupil not in the list). The
  last, and material for which nobody said it yet, is not covered.
- The end date can be moved, but the first end date is kept: a later end date than the
  first one needs a reason, and every change of the end date is in the audit trail.

Who is covered is derived, never stored (see `coverage.py`): consent can be withdrawn at any
time, and material that stops being covered is blocked at once.
"""

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consentry.adhoc.models import ConsentRequest
from consentry.processors.storage import get_private_storage
from consentry.schools.models import Pupil, School


class ProjectQuerySet(models.QuerySet["Project"]):
    def ended_before(self, day: date) -> "ProjectQuerySet":
        return self.filter(ends_on__lt=day)


def extension_needs_reason(first: date, old: date, new: date) -> bool:
    """Moving the end date from `old` to `new` needs a reason when it is an extension that
    ends after the first end date; a shortening, or an extension up to the first end date
    (after an earlier shortening), needs none."""
    return new > old and new > first


class Project(models.Model):
    """A research or training project whose material only its members may see."""

    class Kind(models.IntegerChoices):
        RESEARCH = 6, _("6. Internal research about one pupil")
        TRAINING = 7, _("7. Internal training")
        NATIONAL = 8, _("8. Anonymised national research")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="projects")
    kind = models.PositiveSmallIntegerField(_("kind"), choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    external_party = models.CharField(
        _("external party"),
        max_length=200,
        help_text=_("Who works with the school on it, for example a coach or a university."),
    )
    purpose = models.TextField(_("purpose"))
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="research_projects",
        verbose_name=_("members"),
        help_text=_("Only they may see the material."),
    )
    subject = models.ForeignKey(
        Pupil,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="research_projects",
        verbose_name=_("the pupil the research is about"),
    )
    consent_request = models.OneToOneField(
        ConsentRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="research_project",
        verbose_name=_("separate consent request"),
    )
    ends_on = models.DateField(
        _("end date"),
        help_text=_("The last day the material may be used; it is destroyed the day after."),
    )
    first_ends_on = models.DateField(
        _("first end date"),
        editable=False,
        help_text=_("The end date the project was created with; a later one needs a reason."),
    )
    adults_may_appear = models.BooleanField(
        _("adults may appear in the material"),
        default=False,
        help_text=_(
            "For example the teacher who is coached. Only adults who each agreed; without "
            "this, material in which adults appear is not covered."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("research or training project")
        ordering = ["-ends_on", "title"]
        constraints = [
            # Kind 6 is about one pupil and rests on a separate request; 7 and 8 on neither.
            # (The subject of an ended kind 6 project is cleared when the pupil is erased.)
            models.CheckConstraint(
                condition=Q(kind=6, consent_request__isnull=False)
                | (~Q(kind=6) & Q(subject__isnull=True, consent_request__isnull=True)),
                name="research_request_only_for_kind_6",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if self.first_ends_on is None:
            self.first_ends_on = self.ends_on
        super().save(*args, **kwargs)

    @property
    def was_extended(self) -> bool:
        return self.ends_on > self.first_ends_on

    @property
    def category_number(self) -> int:
        """The leaflet category that covers the pupils in the material: the kind itself."""
        return int(self.kind)

    def has_ended(self, day: date) -> bool:
        """The end date is the last day of use: from the next day the project is read-only
        and its material is due for destruction."""
        return day > self.ends_on


def material_path(instance: "Material", filename: str) -> str:
    """A random name: the uploaded name (kept in `original_name`) never reaches the disk."""
    suffix = {"photo": "img", "video": "video", "document": "pdf"}.get(instance.kind, "bin")
    return f"research/{uuid.uuid4().hex}.{suffix}"


class MaterialQuerySet(models.QuerySet["Material"]):
    def live(self) -> "MaterialQuerySet":
        return self.filter(destroyed_at__isnull=True)


class Material(models.Model):
    """A photo, video or document of a project, with the pupils who appear in it.

    The uploader tags the pupils and says who else appears (`others`); coverage is checked
    against both, and only "nobody else" (or consenting adults, where the project allows
    them) can be covered. After destruction the row stays as the record (kind, dates,
    rule), without the file, its name or the tags.
    """

    class Others(models.TextChoices):
        # "" is material for which nobody has said it yet: not covered.
        UNSTATED = "", _("not stated yet")
        NOBODY = "nobody", _("nobody else: every person in it is a pupil ticked above")
        ADULTS = "adults", _("also adults, each of whom agreed to appear in it")
        UNTAGGED = (
            "untagged",
            _(
                "also others: a child who is not in the list, an adult who did not agree, or "
                "someone I do not know"
            ),
        )

    class Kind(models.TextChoices):
        PHOTO = "photo", _("photo")
        VIDEO = "video", _("video")
        DOCUMENT = "document", _("document")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="materials")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(
        _("file"), storage=get_private_storage, upload_to=material_path, max_length=200
    )
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    description = models.CharField(_("description"), max_length=300, blank=True)
    pupils = models.ManyToManyField(
        Pupil, blank=True, related_name="research_material", verbose_name=_("pupils in it")
    )
    others = models.CharField(
        _("who else appears in it"),
        max_length=10,
        choices=Others.choices,
        default=Others.UNSTATED,
        blank=True,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(_("destroyed at"), null=True, blank=True)
    destroyed_under = models.CharField(_("destroyed under rule"), max_length=200, blank=True)

    objects = MaterialQuerySet.as_manager()

    class Meta:
        verbose_name = _("project material")
        verbose_name_plural = _("project material")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.project})"

    @property
    def is_destroyed(self) -> bool:
        return self.destroyed_at is not None

    @property
    def is_video(self) -> bool:
        return self.kind == self.Kind.VIDEO


class Video(models.Model):
    """The anonymising of one video of a project, from the upload to the result.

    The leaflet promises recognisable images only of who consented; in a classroom video
    every other child is "bijvangst". So Consentry keeps visible exactly the people the
    uploader marks (the subject of a kind 6 project, the adult who is coached or studied in
    7 and 8) and blurs every other face in every frame. Members download only that result.

    The original (`Material.file`), the pieces and the result are sealed in chunks under one
    data key of the video's own (research/sealing.py), wrapped by the master key and kept
    only here: deleting this row destroys them all, even in backups of the files.

    The work runs in the background, spread over workers (research/videos.py): faces are
    found per piece of frames (`VideoPiece`, step detect), linked into tracks over the whole
    video (`VideoTrack`), marked by the uploader, drawn per piece (step render) and joined.
    """

    class Stage(models.TextChoices):
        DETECTING = "detecting", _("Finding faces")
        LINKING = "linking", _("Following the faces through the video")
        MARKING = "marking", _("Waiting: mark who stays visible")
        RENDERING = "rendering", _("Blurring everyone else")
        JOINING = "joining", _("Putting the video together")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    material = models.OneToOneField(Material, on_delete=models.CASCADE, related_name="video")
    wrapped_key = models.BinaryField()  # the data key, wrapped by the master key
    info = models.JSONField()  # imaging.video.VideoInfo.as_json() of the original
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.DETECTING)
    stage_started_at = models.DateTimeField(default=timezone.now)
    progressed_at = models.DateTimeField(default=timezone.now)  # a piece finished, or a stage
    failed_stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    error = models.CharField(max_length=40, blank=True)  # a stable code (videos.failure_message)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    marked_at = models.DateTimeField(null=True)
    result_name = models.CharField(max_length=200, blank=True)  # the sealed anonymised MP4
    result_size = models.PositiveBigIntegerField(default=0)
    result_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("project video")

    def __str__(self) -> str:
        return f"video of material #{self.material_id} ({self.stage})"


class VideoPiece(models.Model):
    """Frames [first, end) of a video: one job's share of finding faces or of drawing.

    A job writes its piece in one transaction (faces, or the sealed drawn piece) and a rerun
    of a finished piece does nothing, so a job that runs twice, or again after its worker
    was killed, leaves the same result."""

    class Step(models.TextChoices):
        DETECT = "detect", _("finding faces")
        RENDER = "render", _("blurring")

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="pieces")
    step = models.CharField(max_length=6, choices=Step.choices)
    index = models.PositiveIntegerField()
    first = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    faces = models.JSONField(null=True)  # detect: {"frame": [[x, y, w, h, score], ...]}
    storage_name = models.CharField(max_length=200, blank=True)  # render: the sealed piece
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["video", "step", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["video", "step", "index"], name="research_video_piece_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} piece {self.index} of video #{self.video_id}"


class VideoTrack(models.Model):
    """One face followed through a stretch of the video (imaging.tracks.Track), with a
    picture of it at its best frame for the uploader to mark: never recognised, never an
    embedding, only boxes. `kept`: the uploader marked it as the person who stays visible."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="tracks")
    number = models.PositiveIntegerField()
    first_frame = models.PositiveIntegerField()
    last_frame = models.PositiveIntegerField()
    best_frame = models.PositiveIntegerField()
    data = models.JSONField()  # Track.as_json(): its boxes per frame
    face = models.BinaryField()  # a JPEG of the face at its best frame, sealed
    kept = models.BooleanField(default=False)

    class Meta:
        ordering = ["video", "number"]
        constraints = [
            models.UniqueConstraint(fields=["video", "number"], name="research_video_track_once")
        ]

    def __str__(self) -> str:
        return f"track {self.number} of video #{self.video_id}"
