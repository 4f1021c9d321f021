"""Withdrawal reaches what was published: take-downs.

Why: a yes that turns to no (or a never-photograph flag) must not stay visible in photos
that already left the gate. When the consent engine says a pupil may appear in less
(`consent.signals.consent_narrowed`), the task `tasks.take_down_for_pupil` runs after the
commit and, per current publication whose snapshot shows the pupil visible while the gate
would now hide them:

- internal audiences (categories 1-3, the rendition lives in Consentry): re-render with the
  face hidden, store the replacement, withdraw the old publication (its row, hash and
  snapshot stay as proof; its key and file are destroyed) and close the take-down at once;
- external audiences (category 4 and separate requests, the photo went outside): an open
  take-down and a mail to the publisher, who (or the leadership) confirms the removal.

Everything is keyed on (publication, pupil), so the task may run twice. A pupil who was
blurred in a publication already produces nothing for it.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format

from consentry.adhoc.services import request_allows
from consentry.audit.services import record
from consentry.consent.services import consent_overview, is_never_flagged
from consentry.mail.links import absolute_url
from consentry.mail.models import OutgoingMail
from consentry.mail.services import queue_mail
from consentry.schools.models import Pupil

from . import gate, publishing
from .models import Face, Publication, TakeDown

INTERNAL = (1, 2, 3)  # portfolio, class group, school: renditions that live in Consentry


def on_consent_narrowed(sender, *, pupil_id: int, **kwargs) -> None:
    """Connected in apps.py: take down after the commit (never for a rolled-back change)."""
    from .tasks import take_down_for_pupil

    transaction.on_commit(lambda: take_down_for_pupil.enqueue(pupil_id))


def publications_no_longer_covered(pupil: Pupil) -> list[Publication]:
    """Current publications that showed `pupil` and for which the gate would now hide them.

    Found by index on the pupil (`VisiblePupil`), so the cost follows the pupil's own
    publications, not the school's. The pupil's consent is read once for every category; a
    category that is no longer in the leaflet covers nothing (default deny).
    """
    shown = list(
        Publication.objects.filter(visible_pupils__pupil=pupil, withdrawn_at=None)
        .select_related("consent_request")
        .order_by("-published_at", "-pk")
    )
    if not shown:
        return []
    verdicts = consent_overview([pupil]).get(pupil.pk, {})
    requests: dict[int, bool] = {}
    covered = []
    for publication in shown:
        if publication.consent_request is not None:
            asked = publication.consent_request
            if asked.pk not in requests:
                requests[asked.pk] = request_allows(asked, pupil)
            ok = requests[asked.pk]
        else:
            verdict = verdicts.get(publication.category)  # type: ignore[arg-type]
            ok = verdict is not None and verdict.allowed
        if not ok:
            covered.append(publication)
    return covered


def open_takedowns_for(pupil: Pupil) -> QuerySet[TakeDown]:
    """The pupil's take-downs still waiting for someone to remove a photo outside."""
    return TakeDown.objects.filter(pupil=pupil, status=TakeDown.Status.OPEN)


def take_down_for_pupil(pupil_id: int) -> int:
    """Create (and for internal ones carry out) the take-downs for one pupil; returns how
    many were created. Idempotent: a (publication, pupil) already handled is skipped."""
    pupil = Pupil.objects.filter(pk=pupil_id).select_related("school").first()
    if pupil is None:
        return 0
    created = 0
    for publication in publications_no_longer_covered(pupil):
        if TakeDown.objects.filter(publication=publication, pupil=pupil).exists():
            continue
        if publication.category in INTERNAL:
            _replace(publication, pupil)
        else:
            _ask_publisher(publication, pupil)
        created += 1
    return created


def _reason(publication: Publication, pupil: Pupil) -> str:
    if is_never_flagged(pupil):
        return TakeDown.Reason.NEVER
    if publication.consent_request_id:
        return TakeDown.Reason.REQUEST
    return TakeDown.Reason.CONSENT


def _audience(publication: Publication) -> gate.Audience:
    return publication.consent_request or publication.category  # type: ignore[return-value]


@transaction.atomic
def _replace(publication: Publication, pupil: Pupil) -> TakeDown:
    """Re-render with the current decisions, but never show a face the old one hid: the
    replacement is not reviewed by a teacher, so it may only show less."""
    photo = publication.photo
    was_visible = {e["pupil_id"] for e in publication.snapshot if e["visible"]}
    decisions = [
        d
        if d.face.kind != Face.Kind.PUPIL or d.face.pupil_id in was_visible or not d.visible
        else gate.FaceDecision(d.face, False, "no_consent", d.state)
        for d in gate.decide_faces(photo, _audience(publication))
    ]
    replacement = publishing.store(
        photo,
        _audience(publication),
        publication.mode,  # type: ignore[arg-type]
        decisions,
        actor=publication.published_by,
        action="photo.republished",
        audit_actor="system",
        data={"photo": photo.pk, "replaces": publication.pk, "pupil_id": pupil.pk},
    )
    publishing.withdraw(publication)
    takedown = TakeDown.objects.create(
        publication=publication,
        pupil=pupil,
        kind=TakeDown.Kind.INTERNAL,
        reason=_reason(publication, pupil),
        status=TakeDown.Status.DONE,
        done_at=timezone.now(),
        replacement=replacement,
    )
    _audit("photo.takedown.done", takedown, actor="system")
    return takedown


@transaction.atomic
def _ask_publisher(publication: Publication, pupil: Pupil) -> TakeDown:
    takedown = TakeDown.objects.create(
        publication=publication,
        pupil=pupil,
        kind=TakeDown.Kind.EXTERNAL,
        reason=_reason(publication, pupil),
    )
    _audit("photo.takedown.opened", takedown, actor="system")
    publisher = publication.published_by
    if publisher is not None and publisher.is_active:
        _mail(takedown, publisher)
    return takedown


def _mail(takedown: TakeDown, publisher) -> OutgoingMail:
    """What to remove (photo, audience, date), never why: the reason may be a never flag."""
    publication = takedown.publication
    with translation.override(publisher.preferred_language):
        context = {
            "publisher": publisher,
            "file": publishing.filename(publication),
            "audience": dict(gate.audiences_for(publication.photo.group)).get(
                publication.audience_key, publication.audience_key
            ),
            "published_at": date_format(timezone.localtime(publication.published_at)),
            "url": absolute_url("takedown_confirm", takedown.pk),
        }
        subject = render_to_string("photos/takedown_subject.txt", context).strip()
        body = render_to_string("photos/takedown_mail.txt", context)
    return queue_mail(
        publisher.email,
        subject,
        body,
        kind=OutgoingMail.Kind.OTHER,
        recipient=publisher,
        school=publication.photo.school,
    )


@transaction.atomic
def confirm(takedown: TakeDown, *, actor) -> None:
    """The photo was removed outside: withdraw the publication and close every open
    take-down of it (one removal covers every pupil in it)."""
    publication = Publication.objects.select_for_update().get(pk=takedown.publication_id)
    if publication.withdrawn_at is None:
        publishing.withdraw(publication)
    for each in TakeDown.objects.filter(publication=publication, status=TakeDown.Status.OPEN):
        each.status, each.done_at, each.done_by = TakeDown.Status.DONE, timezone.now(), actor
        each.save(update_fields=["status", "done_at", "done_by"])
        _audit("photo.takedown.confirmed", each, actor=actor)


def _audit(action: str, takedown: TakeDown, *, actor) -> None:
    publication = takedown.publication
    record(
        action,
        actor=actor,
        obj=takedown,
        school_id=publication.photo.school_id,
        data={
            "publication": publication.pk,
            "pupil_id": takedown.pupil_id,
            "kind": takedown.kind,
            "replacement": takedown.replacement_id,
        },
    )
