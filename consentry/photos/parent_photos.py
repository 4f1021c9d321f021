"""Parents' own photos: a guardian who helped on a trip (ouderhulp) uploads into the group's
queue instead of sharing the photos in a chat, and may "ask first" before sharing one outside.

Why through the gate: the leaflet asks parents not to spread photos in which other children
are recognisable. A parent's photo is stored, detected, tagged and published exactly like a
teacher's (`services.store_upload`, "Who is who", `gate.decide_faces`, `publishing`), and a
teacher decides what is published. The guardian sees only their own uploads, and never
another child's face unblurred: their thumbnail has every face blurred.

Asking first: a guardian cannot say who is who (they may not tag other people's children),
so the guardian asks (`ask_to_share`), the teacher tags the faces and sends the question to
the guardians of every tagged pupil as a separate consent request (`send_share`, through
`adhoc.services.create_request`, its preview with every face blurred), and the guardian
then makes a rendition with that request as audience (`release`): only the pupils whose
guardians said yes are visible, every other face blurred. It is a `Publication` published
by the guardian, so a later "no" reaches it like any other (takedowns.py: replaced at once,
and the guardian is asked to remove the copy they shared).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from consentry.adhoc import services as adhoc
from consentry.adhoc.models import ConsentRequest
from consentry.adhoc.preview import PreviewRejected
from consentry.audit.services import record
from consentry.consent.services import never_flagged
from consentry.imaging import Face as Box
from consentry.imaging import decode_image, render
from consentry.schools.access import scope_of
from consentry.schools.models import Group, Pupil

from . import crypto, gate, publishing, services
from .models import Face, Photo, Publication, ShareRequest, TakeDown

FILES_PER_REQUEST = 10  # one upload form, sent at once from a phone
PHOTOS_PER_DAY = 30  # per guardian, in any 24 hours: a trip's best photos, not a whole roll
ANSWER_DAYS = 14  # the request's default deadline, from the day the teacher sends it
THUMBNAIL_PX = 320


class ParentPhotoError(ValueError):
    """Something that cannot be done now; the message is safe to show to the person."""


class NotAllowed(ParentPhotoError):
    """The person may not do this at all (a 403 or 404, as opposed to a bad request)."""


# Uploading


def upload_groups(user) -> QuerySet[Group]:
    """The groups a guardian may upload to: those of their children still at school (the
    stamgroep and any composed group). With or without parental authority: uploading a
    photo decides nothing about anyone's consent."""
    children = Pupil.objects.filter(pk__in=sorted(scope_of(user).guardian_of)).current()
    own = children.exclude(group=None).values("group_id")
    joined = Pupil.extra_groups.through.objects.filter(pupil__in=children).values("group_id")
    return Group.objects.filter(pk__in=own.union(joined, all=True)).order_by("name", "pk")


def children_in(user, groups: Iterable[Group]) -> dict[int, list[Pupil]]:
    """Per group: the user's children in it (to label the group on the upload form)."""
    children = Pupil.objects.filter(pk__in=sorted(scope_of(user).guardian_of)).current()
    result: dict[int, list[Pupil]] = {}
    for group in groups:
        result[group.pk] = list(children.members_of(group).order_by("given_name", "pk"))
    return result


def may_upload(user, group: Group) -> bool:
    return upload_groups(user).filter(pk=group.pk).exists()


def uploads_of(user) -> QuerySet[Photo]:
    """A guardian's own uploads: all they ever see of the photo queue."""
    return Photo.objects.filter(uploaded_by=user, from_guardian=True)


def uploaded_today(user, now: datetime | None = None) -> int:
    """How many photos the guardian stored in the last 24 hours (refused files do not count)."""
    since = (now or timezone.now()) - timedelta(days=1)
    return uploads_of(user).filter(created_at__gt=since).count()


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    message: str


def store_uploads(
    user, group: Group, uploads: list[UploadedFile], *, now: datetime | None = None
) -> list[Outcome]:
    """Store a guardian's photos for `group`, each on its own (good ones stored, bad ones
    reported by name), within the limits: FILES_PER_REQUEST at once, PHOTOS_PER_DAY a day.

    Why limits: a guardian's account is reached by a mailed code, not a school password; a
    stolen or scripted one must not fill the school's storage or the teacher's queue."""
    if not may_upload(user, group):
        raise NotAllowed(_("You can only upload photos for the groups of your own children."))
    if not uploads:
        raise ParentPhotoError(_("Choose one or more photos."))
    if len(uploads) > FILES_PER_REQUEST:
        raise ParentPhotoError(
            _("Upload at most %(most)s photos at once.") % {"most": FILES_PER_REQUEST}
        )
    room = max(0, PHOTOS_PER_DAY - uploaded_today(user, now))
    outcomes = []
    for upload in uploads:
        name = upload.name or ""
        if room == 0:
            message = _("Not stored: you can upload at most %(most)s photos a day.") % {
                "most": PHOTOS_PER_DAY
            }
            outcomes.append(Outcome(name, False, message))
            continue
        try:
            services.store_upload(group, upload, actor=user, from_guardian=True)
        except services.PhotoRejected as exc:
            outcomes.append(Outcome(name, False, str(exc)))
        else:
            room -= 1
            outcomes.append(Outcome(name, True, _("Received: the teacher will look at it.")))
    return outcomes


def thumbnail_jpeg(photo: Photo) -> bytes:
    """The guardian's own photo, small, without metadata and with every face found blurred:
    enough to recognise the scene, never another child. Only once faces were found, and not
    while the detector's doubts wait for a look by eye (a face may have been missed)."""
    if photo.status != Photo.Status.READY or photo.needs_check:
        raise ParentPhotoError(_("The photo is not ready yet."))
    image = decode_image(services.read_original(photo), min_long_side=THUMBNAIL_PX)
    faces = [Box(f.x, f.y, f.w, f.h, 1.0) for f in photo.faces.all()]
    return render(image, faces, mode="blur", max_side=THUMBNAIL_PX)[0]


# Asking first


def open_share(photo: Photo) -> ShareRequest | None:
    """The photo's share request that is waiting or sent (at most one: a constraint)."""
    statuses = (ShareRequest.Status.ASKED, ShareRequest.Status.SENT)
    return photo.share_requests.filter(status__in=statuses).first()


def ask_to_share(photo: Photo, user, where: str) -> ShareRequest:
    """The guardian who uploaded `photo` asks to share it outside the school (`where`: the
    family app, a grandparent). Only for their own upload, while their child is still in
    the group; one question at a time per photo (after a "no" from the teacher, again)."""
    if not photo.from_guardian or photo.uploaded_by_id != user.pk:
        raise NotAllowed(_("You can only ask about your own photos."))
    if not may_upload(user, photo.group):
        raise ParentPhotoError(_("Your child is no longer in this group."))
    where = where.strip()
    if not where:
        raise ParentPhotoError(_("Say where you would like to share the photo."))
    with transaction.atomic():
        Photo.objects.select_for_update().filter(pk=photo.pk).first()
        if open_share(photo) is not None:
            raise ParentPhotoError(_("You have already asked to share this photo."))
        share = ShareRequest.objects.create(photo=photo, asked_by=user, where=where[:200])
        record(
            "photo.share_asked",
            actor=user,
            obj=share,
            school_id=photo.school_id,
            data={"photo": photo.pk},  # not `where`: free text may name someone
        )
    return share


def shareable_pupils(photo: Photo) -> list[Pupil]:
    """The pupils whose guardians are asked: every pupil tagged in the photo who is still at
    school, except a pupil who must never be photographed (blurred whatever the answers, so
    nobody is asked, and the question does not reveal the flag's family to the others)."""
    ids = photo.faces.filter(kind=Face.Kind.PUPIL).exclude(pupil=None).values("pupil_id")
    pupils = Pupil.objects.filter(pk__in=ids).current()
    never = never_flagged(pupils.values_list("pk", flat=True))
    ordered = pupils.order_by("given_name", "family_name", "pk")
    return [pupil for pupil in ordered if pupil.pk not in never]


def not_sendable_reason(photo: Photo) -> str:
    """Why the teacher cannot send the question yet ("" when they can). The gate trusts the
    tags, and the tagged pupils are who is asked: every face must have been looked at."""
    if photo.status != Photo.Status.READY:
        return _("Faces are not found in this photo yet.")
    if photo.needs_check:
        return _("The detector was unsure about this photo: check every face on “Who is who”.")
    if photo.faces.filter(kind=Face.Kind.UNTAGGED).exists():
        return _("Say who is who for every face first.")
    if not shareable_pupils(photo):
        return _("No pupil is tagged in this photo: there is nobody to ask.")
    return ""


def default_texts(share: ShareRequest) -> tuple[str, str]:
    """The question as the teacher first sees it (and may change): purpose, description.
    It does not name the asking parent: the question is the school's."""
    values = {"where": share.where}
    purpose = _("Sharing a trip photo: %(where)s") % values
    description = (
        _(
            "A parent who helped on a trip took this photo and would like to share it "
            "outside the school (%(where)s). As the privacy leaflet asks, they ask first. "
            "Only the children whose parents say yes will be recognisable in the photo they "
            "receive; every other face is blurred."
        )
        % values
    )
    return purpose[:200], description


def _all_blurred(photo: Photo) -> bytes:
    """The photo with every known face hidden: the request's preview (adhoc.preview blurs
    whatever else it finds on top), shown to every asked guardian before anyone answered."""
    hidden = [gate.FaceDecision(face, False, "untagged") for face in photo.faces.all()]
    return gate.render_decided(photo, hidden, "blur")


def send_share(
    share: ShareRequest,
    *,
    actor,
    purpose: str,
    description: str,
    deadline: date,
    notify: bool = True,
    now: datetime | None = None,
) -> ConsentRequest:
    """The teacher sends the question to the guardians of the tagged pupils: a separate
    consent request (mail and their page: `adhoc.notices`), sent at once. Whole or nothing;
    a share request is sent once (a double click sends nothing twice)."""
    photo = Photo.objects.select_related("group", "school").get(pk=share.photo_id)  # as it is now
    if not services.may_upload(actor, photo.group):
        raise NotAllowed(_("Only a teacher of the group or the leadership can send this."))
    if share.status != ShareRequest.Status.ASKED:
        raise ParentPhotoError(_("This question has already been decided."))
    reason = not_sendable_reason(photo)
    if reason:
        raise ParentPhotoError(reason)
    try:
        preview = _all_blurred(photo)
    except (FileNotFoundError, crypto.DecryptionFailed):
        raise ParentPhotoError(_("This photo is no longer kept.")) from None
    pupils = shareable_pupils(photo)
    try:
        with transaction.atomic():
            locked = ShareRequest.objects.select_for_update().get(pk=share.pk)
            if locked.status != ShareRequest.Status.ASKED:
                raise ParentPhotoError(_("This question has already been decided."))
            consent_request = adhoc.create_request(
                school=photo.school,
                actor=actor,
                purpose=purpose,
                description=description,
                pupils=pupils,
                deadline=deadline,
                preview=preview,
                now=now,
            )
            adhoc.open_request(consent_request, actor=actor, now=now, notify=notify)
            _decide(locked, actor, ShareRequest.Status.SENT, consent_request=consent_request)
            record(
                "photo.share_sent",
                actor=actor,
                obj=locked,
                school_id=photo.school_id,
                data={
                    "photo": photo.pk,
                    "request": consent_request.pk,
                    "pupil_ids": [pupil.pk for pupil in pupils],
                },
            )
    except (adhoc.RequestError, PreviewRejected) as error:
        raise ParentPhotoError(str(error)) from None
    share.refresh_from_db()
    return consent_request


def decline_share(share: ShareRequest, *, actor, note: str = "") -> None:
    """The teacher does not send the question (the photo is not fit to share, say); the
    guardian sees the note and may ask again."""
    if not services.may_upload(actor, share.photo.group):
        raise NotAllowed(_("Only a teacher of the group or the leadership can decline this."))
    with transaction.atomic():
        locked = ShareRequest.objects.select_for_update().get(pk=share.pk)
        if locked.status != ShareRequest.Status.ASKED:
            raise ParentPhotoError(_("This question has already been decided."))
        locked.note = note.strip()[:500]
        _decide(locked, actor, ShareRequest.Status.DECLINED)
        record(
            "photo.share_declined",
            actor=actor,
            obj=locked,
            school_id=share.photo.school_id,
            data={"photo": share.photo_id},
        )
    share.refresh_from_db()


def _decide(share: ShareRequest, actor, status: str, **fields) -> None:
    share.status, share.decided_by, share.decided_at = status, actor, timezone.now()
    for name, value in fields.items():
        setattr(share, name, value)
    share.save()


# The version to share


def current_release(share: ShareRequest) -> Publication | None:
    """The latest rendition for the share's request that Consentry still serves (after a
    take-down: its replacement)."""
    if share.consent_request_id is None:
        return None
    return (
        Publication.objects.filter(
            photo_id=share.photo_id, consent_request_id=share.consent_request_id, withdrawn_at=None
        )
        .order_by("-published_at", "-pk")
        .first()
    )


def _visible(snapshot: list[dict]) -> set[int]:
    return {entry["pupil_id"] for entry in snapshot if entry["visible"]}


def release(share: ShareRequest, user) -> Publication:
    """Make the version the asking guardian may share: the gate with the request as audience
    (only pupils whose guardians said yes visible; untagged, unknown and everyone else
    blurred), published by the guardian so that a take-down reaches them.

    The same answers give the same version (no new one). A newer version replaces an older
    one only when it shows everyone the older one showed: otherwise the older one stays
    current until the take-down for the pupil who is no longer visible reaches it, which
    asks the guardian to remove the copy they may have shared."""
    if share.asked_by_id != user.pk:
        raise NotAllowed(_("Only the parent who asked can get this photo."))
    if share.status != ShareRequest.Status.SENT or share.consent_request is None:
        raise ParentPhotoError(_("The teacher has not sent this question yet."))
    photo, audience = share.photo, share.consent_request
    decisions = gate.decide_faces(photo, audience)
    latest = current_release(share)
    snapshot = publishing.snapshot(decisions)
    if latest is not None and latest.snapshot == snapshot:
        return latest
    replaced = (
        latest if latest is not None and _visible(latest.snapshot) <= _visible(snapshot) else None
    )
    data = {"photo": photo.pk, "audience": gate.audience_key(audience), "share": share.pk}
    if replaced is not None:
        data["replaces"] = replaced.pk
    try:
        with transaction.atomic():
            publication = publishing.store(
                photo, audience, "blur", decisions, actor=user, action="photo.released", data=data
            )
            if replaced is not None:
                publishing.withdraw(replaced)
    except (FileNotFoundError, crypto.DecryptionFailed):
        raise ParentPhotoError(_("This photo is no longer kept.")) from None
    return publication


def open_takedowns(share: ShareRequest) -> QuerySet[TakeDown]:
    """Take-downs that ask the guardian to remove a copy they shared of this photo."""
    return TakeDown.objects.filter(
        kind=TakeDown.Kind.EXTERNAL,
        status=TakeDown.Status.OPEN,
        publication__photo_id=share.photo_id,
        publication__consent_request_id=share.consent_request_id,
        publication__published_by_id=share.asked_by_id,
    )


# What the guardian sees of each upload


@dataclass
class Upload:
    photo: Photo
    published_for: list[str]  # the teacher's decision: the audiences it is published for
    share: ShareRequest | None  # the latest question to share it
    asked: int = 0  # pupils whose guardians were asked
    approved: int = 0  # of them, those who may be recognisable now
    release: Publication | None = None
    takedowns: list[TakeDown] | None = None


def overview(user) -> list[Upload]:
    """The guardian's uploads, newest first, each with what the teacher decided and where
    its question to share stands. Names of other pupils are never part of it: counts only."""
    photos = list(uploads_of(user).select_related("group"))
    categories: dict[int, set[int]] = {}
    for photo_id, category in Publication.objects.filter(
        photo__in=photos, withdrawn_at=None, category__isnull=False
    ).values_list("photo_id", "category"):
        if category is not None:
            categories.setdefault(photo_id, set()).add(category)
    shares: dict[int, ShareRequest] = {}
    for share in ShareRequest.objects.filter(photo__in=photos).select_related("consent_request"):
        shares.setdefault(share.photo_id, share)  # newest first (Meta.ordering)
    result = []
    for photo in photos:
        latest = shares.get(photo.pk)
        published = [str(gate.CATEGORY_LABELS[n]) for n in sorted(categories.get(photo.pk, ()))]
        item = Upload(photo, published, latest)
        if latest is not None and latest.consent_request is not None:
            item.asked = latest.consent_request.pupils.count()
            item.approved = len(adhoc.coverage(latest.consent_request).approved)
            item.release = current_release(latest)
            item.takedowns = list(open_takedowns(latest))
        result.append(item)
    return result
