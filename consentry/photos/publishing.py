"""Publishing: the reviewed rendition is stored, encrypted, with the proof of why each face
was visible or hidden at that moment; downloads one by one or as a zip per audience.

Why a snapshot: consent can change after publication (a guardian withdraws). The record of
each tagged pupil's state when the photo left the gate shows the school acted on the consent
it had, and tells the take-down which publications a withdrawal affects.
"""

import hashlib
import io
import uuid
import zipfile

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from consentry.adhoc.models import ConsentRequest
from consentry.audit.services import record
from consentry.imaging import MODES, Mode
from consentry.schools.models import Group

from . import crypto, gate, storage
from .models import Face, Photo, Publication, VisiblePupil

FOLDER = "renditions"


class PublishError(ValueError):
    """A publication that is not made; the message is for the teacher."""


def publish(photo: Photo, audience: gate.Audience, mode: Mode, *, actor) -> Publication:
    """Render for `audience`, store the rendition encrypted and record it, whole or not at
    all. Only a photo whose faces were found can be published: before that, faces the gate
    does not know of would be published unblurred; and a photo the detector was unsure of
    only once someone has looked at every face by eye."""
    current = Photo.objects.filter(pk=photo.pk).first()
    if current is None or current.status != Photo.Status.READY:
        raise PublishError(_("Faces are not found in this photo yet; it cannot be published."))
    if current.needs_check:
        raise PublishError(
            _(
                "The detector was unsure about this photo. Look at every face on “Who is "
                "who” first, add any it missed, and confirm there."
            )
        )
    if mode not in MODES:
        raise PublishError(_("Choose blur, pixelate or a black box."))
    decisions = gate.decide_faces(photo, audience)
    data = {"photo": photo.pk, "audience": gate.audience_key(audience), "mode": mode}
    return store(photo, audience, mode, decisions, actor=actor, action="photo.published", data=data)


def store(
    photo: Photo,
    audience: gate.Audience,
    mode: Mode,
    decisions: list[gate.FaceDecision],
    *,
    actor,
    action: str,
    data: dict,
    audit_actor=None,
) -> Publication:
    """Draw the rendition for these decisions, store it encrypted and record it with its
    audit entry (by `audit_actor`, else `actor`), whole or not at all (a file without a row
    is deleted again)."""
    jpeg = gate.render_decided(photo, decisions, mode)
    name = f"{FOLDER}/{uuid.uuid4().hex}.bin"
    sealed = crypto.seal(jpeg, bound_to=name)
    saved = storage.storage().save(name, ContentFile(sealed.ciphertext))
    try:
        with transaction.atomic():
            publication = Publication.objects.create(
                photo=photo,
                category=None if isinstance(audience, ConsentRequest) else audience,
                consent_request=audience if isinstance(audience, ConsentRequest) else None,
                mode=mode,
                sha256=hashlib.sha256(jpeg).hexdigest(),
                size=len(jpeg),
                storage_name=saved,
                wrapped_key=sealed.wrapped_key,
                published_by=actor,
                snapshot=snapshot(decisions),
            )
            VisiblePupil.objects.bulk_create(
                VisiblePupil(publication=publication, pupil_id=entry["pupil_id"])
                for entry in publication.snapshot
                if entry["visible"]
            )
            who = audit_actor or actor
            record(action, actor=who, obj=publication, school_id=photo.school_id, data=data)
    except BaseException:
        storage.storage().delete(saved)
        raise
    return publication


def withdraw(publication: Publication) -> None:
    """Take a publication down: keep its row (hash, snapshot: the proof), destroy the key of
    its rendition now and the file after the commit."""
    name = publication.storage_name
    Publication.objects.filter(pk=publication.pk).update(
        withdrawn_at=timezone.now(), wrapped_key=b""
    )
    transaction.on_commit(lambda: storage.storage().delete(name))


def snapshot(decisions: list[gate.FaceDecision]) -> list[dict]:
    """Each tagged pupil's consent state and whether they were visible (ids only)."""
    return [
        {"pupil_id": d.face.pupil_id, "state": d.state, "visible": d.visible}
        for d in decisions
        if d.face.kind == Face.Kind.PUPIL and d.face.pupil_id
    ]


def read_rendition(publication: Publication) -> bytes:
    """The decrypted rendition (raises `crypto.DecryptionFailed`)."""
    with storage.storage().open(publication.storage_name, "rb") as handle:
        ciphertext = handle.read()
    key = bytes(publication.wrapped_key)
    return crypto.unseal(ciphertext, key, bound_to=publication.storage_name)


def filename(publication: Publication) -> str:
    """No pupil's name and not the uploaded name (it may hold one): ids only."""
    return f"photo-{publication.photo_id}-{publication.audience_key}-{publication.pk}.jpg"


def current(group: Group, audience: gate.Audience) -> QuerySet[Publication]:
    """The latest publication per photo of the group for this audience (not taken down)."""
    if isinstance(audience, ConsentRequest):
        chosen = Publication.objects.filter(consent_request=audience)
    else:
        chosen = Publication.objects.filter(category=audience)
    chosen = chosen.filter(photo__group=group, withdrawn_at=None).order_by(
        "photo_id", "-published_at", "-pk"
    )
    latest: dict[int, int] = {}
    for pk, photo_id in chosen.values_list("pk", "photo_id"):
        latest.setdefault(photo_id, pk)
    return Publication.objects.filter(pk__in=latest.values()).order_by("photo_id")


def zip_of(publications: QuerySet[Publication]) -> bytes:
    """The renditions in one zip (stored, not compressed again: they are JPEGs)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for publication in publications:
            archive.writestr(filename(publication), read_rendition(publication))
    return buffer.getvalue()
