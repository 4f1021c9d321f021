"""Separate consent requests: "in every other or doubtful case we ask separately".

The leaflet covers the usual uses of photos and data. Anything else (a photo in the regional
paper, a video for a project, one pupil's case for internal research) is asked as a
`ConsentRequest` about exactly the pupils it concerns. The answers are append-only
`RequestAnswer` events, like `consent.ConsentEvent`: what a request's answers mean now is
derived by `adhoc.services`, never stored.
"""

import uuid
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consentry.consent.models import AppendOnlyModel
from consentry.processors.storage import get_private_storage
from consentry.schools import access
from consentry.schools.models import Pupil, School


def preview_path(instance, filename: str) -> str:
    """A random name under DATA_DIR/private/requests/: the uploaded name never reaches disk."""
    return f"requests/{uuid.uuid4().hex}.jpg"


class ConsentRequestQuerySet(models.QuerySet["ConsentRequest"]):
    def visible_to_staff(self, user) -> "ConsentRequestQuerySet":
        """Requests a staff member may read: all of the schools they oversee (leadership,
        privacy officer), and those about a pupil of their own groups (teachers)."""
        return self.filter(
            Q(school__in=access.schools_overseen_by(user))
            | Q(pupils__in=access.pupils_seen_as_staff(user))
        ).distinct()

    def sent(self) -> "ConsentRequestQuerySet":
        """Open or closed: what guardians may see (a draft is the school's own business)."""
        return self.exclude(status=ConsentRequest.Status.DRAFT)


class ConsentRequest(models.Model):
    """A question the school asks the guardians of some pupils, with a deadline.

    `deadline` is the last day to answer: answers are accepted until the end of that day
    (the school's time zone). After that, or once staff close it, the answers are final:
    no answer by then is no. A closed request keeps its answers; it is not withdrawn.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="consent_requests")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=200)
    description = models.TextField(_("description"))
    # Re-encoded without metadata (adhoc.preview); served only by an access-checked view.
    preview = models.FileField(
        _("preview image"),
        storage=get_private_storage,
        upload_to=preview_path,
        max_length=200,
        blank=True,
    )
    # The pupils at the time of asking: a group chosen as a whole is stored as its pupils,
    # so a child who joins the group later was never asked (and is not covered).
    pupils = models.ManyToManyField(Pupil, related_name="consent_requests")
    deadline = models.DateField(_("answer by"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    opened_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    objects = ConsentRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("separate consent request")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.purpose

    @property
    def closes_at(self) -> datetime:
        """The moment answers stop: midnight after the deadline, in the school's time zone."""
        return timezone.make_aware(datetime.combine(self.deadline + timedelta(days=1), time.min))

    def accepts_answers(self, now: datetime) -> bool:
        """Open, and the deadline not passed yet."""
        return self.status == self.Status.OPEN and now < self.closes_at

    def effective_status(self, now: datetime) -> str:
        """What the request is now: an open request whose deadline passed is closed."""
        if self.status == self.Status.OPEN and not self.accepts_answers(now):
            return self.Status.CLOSED
        return self.status


class RequestAnswer(AppendOnlyModel):
    """One yes or no to a request for one pupil. A changed answer is a new row."""

    class ActorRole(models.TextChoices):
        GUARDIAN = "guardian", _("guardian")
        PUPIL = "pupil", _("pupil (16 or older)")

    class Channel(models.TextChoices):
        WEB = "web", _("web")

    request = models.ForeignKey(ConsentRequest, on_delete=models.PROTECT, related_name="answers")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="request_answers")
    # Whose decision this is: a guardian with parental authority, or (empty) the pupil from 16.
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="request_decisions",
    )
    given = models.BooleanField(_("consent given"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(_("acted as"), max_length=10, choices=ActorRole.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)

    audited_fields = (
        "request_id",
        "pupil_id",
        "guardian_id",
        "given",
        "actor_id",
        "actor_role",
        "channel",
        "recorded_at",
    )

    class Meta:
        verbose_name = _("answer to a separate consent request")
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["request", "pupil"])]

    def __str__(self) -> str:
        return f"{self.request_id}/{self.pupil_id}: {'yes' if self.given else 'no'}"
