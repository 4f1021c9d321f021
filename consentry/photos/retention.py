"""How photos plug into retention, erasure and the pupil's export
(`consentry.retention.registry`), registered from `PhotosConfig.ready()`.

A destroyed file is destroyed twice over: its wrapped key is wiped from the row (so even a
backup of the file cannot be decrypted) and the file is deleted once that has committed (a
rollback leaves it in place).

Rules (each destruction is audited by the retention job, one entry per rule and school):

- `photos.original`: an uploaded original and its faces are destroyed
  CONSENTRY_RETENTION_PHOTO_DAYS days after the upload (365). A photo without publications
  goes entirely (row, faces, file). A photo with publications keeps its row, without faces,
  key, file or uploaded name, marked failed ("unreadable", so nothing is tagged, reviewed or
  published from it): the publications hang on it (CASCADE) and are the proof of what left
  the gate (they follow their own rules below).
- Publications, per audience: the rendition's file and key are destroyed, the row (audience,
  sha256, snapshot of each tagged pupil's state, who and when) stays as the proof.
  - `photos.portfolio` (category 1): kept while a pupil visible in it is at school or
    within the left-pupil period (`retention.rules.left_pupil_years`); erasing that pupil
    destroys it too (eraser below). One in which no pupil is visible goes after
    CONSENTRY_RETENTION_PUBLICATION_DAYS.
  - `photos.class_group` (category 2): until the end of the school year in which it was
    published (31 July); destroyed from 1 August.
  - `photos.publication` (categories 3 and 4 and separate requests):
    CONSENTRY_RETENTION_PUBLICATION_DAYS days after publication (365).
- Eraser: erasing a pupil untags them (their faces become "unknown", so they stay blurred in
  any later rendition; deleting the face would leave the face unblurred) and destroys the
  renditions in which they were visible. Snapshots keep the pupil's id, like the audit trail:
  with the pupil's row gone the id no longer leads to a person.
- Export: the section `photos` lists the photos in which the pupil is tagged (ids, dates,
  audiences, visible or blurred); the zip's `photos/` folder holds the decrypted renditions
  of the current publications in which the pupil is visible, named by publication id and
  date. Other children in them are visible only where their own consent allowed it when
  published, exactly as the audience saw them; so the family gets them too.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consentry.retention.registry import (
    Item,
    Rule,
    Section,
    register_eraser,
    register_files,
    register_rule,
    register_section,
)
from consentry.retention.rules import left_pupil_years, years_before
from consentry.schools.models import Pupil

from . import crypto, storage
from .models import Face, Photo, Publication

RULE_ORIGINAL = "photos.original"
RULE_PORTFOLIO = "photos.portfolio"
RULE_CLASS_GROUP = "photos.class_group"
RULE_PUBLICATION = "photos.publication"
PHOTO, FACE, PUBLICATION = "photos.photo", "photos.face", "photos.publication"


def _delete_after_commit(names: list[str]) -> None:
    store = storage.storage()
    for name in names:
        transaction.on_commit(partial(store.delete, name))


# Originals


def expired_originals(now: datetime) -> list[Item]:
    cutoff = now - timedelta(days=settings.RETENTION_PHOTO_DAYS)
    photos = Photo.objects.filter(created_at__lt=cutoff).exclude(wrapped_key=b"")
    return [
        Item(pk, school_id, f"photo #{pk}, uploaded on {created:%Y-%m-%d}")
        for pk, school_id, created in photos.order_by("pk").values_list(
            "pk", "school_id", "created_at"
        )
    ]


def destroy_originals(items: list[Item]) -> Counter[str]:
    counts: Counter[str] = Counter()
    photos = Photo.objects.filter(pk__in=[item.pk for item in items]).exclude(wrapped_key=b"")
    for photo in photos:
        faces = photo.faces.all().delete()[1].get(Face._meta.label, 0)
        if faces:
            counts[FACE] += faces
        if photo.publications.exists():
            # Failed/unreadable: nothing can be tagged, reviewed or published from it any more.
            photo.wrapped_key, photo.original_name = b"", ""
            photo.status, photo.error = Photo.Status.FAILED, "unreadable"
            photo.save(update_fields=["wrapped_key", "original_name", "status", "error"])
        else:
            Photo.objects.filter(pk=photo.pk).update(wrapped_key=b"")
            photo.delete()
        _delete_after_commit([photo.storage_name])
        counts[PHOTO] += 1
    return counts


# Publications


def live_publications():
    """Publications whose rendition still exists."""
    return Publication.objects.exclude(wrapped_key=b"")


def destroy_publications(publications: Iterable[Publication]) -> int:
    """Wipe the renditions' keys now and delete their files after the commit; the rows stay,
    marked as withdrawn so that no list or download offers them any more."""
    destroyed = 0
    for publication in publications:
        if not bytes(publication.wrapped_key):
            continue
        Publication.objects.filter(pk=publication.pk).update(
            wrapped_key=b"", withdrawn_at=publication.withdrawn_at or timezone.now()
        )
        _delete_after_commit([publication.storage_name])
        destroyed += 1
    return destroyed


def _destroy_items(items: list[Item]) -> Counter[str]:
    publications = live_publications().filter(pk__in=[item.pk for item in items])
    destroyed = destroy_publications(publications)
    return Counter({PUBLICATION: destroyed} if destroyed else {})


def _item(publication: Publication) -> Item:
    return Item(
        publication.pk,
        publication.photo.school_id,
        f"publication #{publication.pk} ({publication.audience_key}), "
        f"published on {publication.published_at:%Y-%m-%d}",
    )


def _visible(publication: Publication) -> set[int]:
    return {entry["pupil_id"] for entry in publication.snapshot if entry.get("visible")}


def expired_portfolio(now: datetime) -> list[Item]:
    today = timezone.localdate(now)
    cutoff = now - timedelta(days=settings.RETENTION_PUBLICATION_DAYS)
    publications = list(
        live_publications().filter(category=1).select_related("photo").order_by("pk")
    )
    visible = set().union(*(_visible(p) for p in publications)) if publications else set()
    periods: dict[int, int] = {}
    kept: set[int] = set()
    for pk, school_id, left_on in Pupil.objects.filter(pk__in=visible).values_list(
        "pk", "school_id", "left_on"
    ):
        if school_id not in periods:
            periods[school_id] = left_pupil_years(school_id)
        if left_on is None or left_on >= years_before(today, periods[school_id]):
            kept.add(pk)
    expired = []
    for publication in publications:
        pupils = _visible(publication)
        if pupils & kept:
            continue
        if not pupils and publication.published_at >= cutoff:
            continue
        expired.append(_item(publication))
    return expired


def end_of_school_year(day: date) -> date:
    """31 July of the school year (1 August to 31 July) that `day` falls in."""
    return date(day.year if day.month <= 7 else day.year + 1, 7, 31)


def expired_class_group(now: datetime) -> list[Item]:
    today = timezone.localdate(now)
    publications = live_publications().filter(category=2).select_related("photo")
    return [
        _item(publication)
        for publication in publications.order_by("pk")
        if end_of_school_year(timezone.localdate(publication.published_at)) < today
    ]


def expired_other(now: datetime) -> list[Item]:
    cutoff = now - timedelta(days=settings.RETENTION_PUBLICATION_DAYS)
    publications = live_publications().exclude(category__in=[1, 2]).filter(published_at__lt=cutoff)
    return [
        _item(publication) for publication in publications.select_related("photo").order_by("pk")
    ]


# Erasure


def erase(pupil: Pupil) -> Counter[str]:
    counts: Counter[str] = Counter()
    untagged = Face.objects.filter(pupil=pupil).update(
        pupil=None, kind=Face.Kind.UNKNOWN, consents=False
    )
    if untagged:
        counts[FACE] += untagged
    showing = [
        publication
        for publication in live_publications().filter(photo__school_id=pupil.school_id)
        if pupil.pk in _visible(publication)
    ]
    destroyed = destroy_publications(showing)
    if destroyed:
        counts[PUBLICATION] += destroyed
    return counts


# Export


def _mentions(publication: Publication, pupil: Pupil) -> dict[str, Any] | None:
    for entry in publication.snapshot:
        if entry.get("pupil_id") == pupil.pk:
            return entry
    return None


def export(pupil: Pupil) -> list[dict[str, Any]]:
    """The photos in which the pupil is tagged, with each publication that mentions them."""
    photos = Photo.objects.filter(faces__pupil=pupil).distinct().order_by("created_at", "pk")
    result = []
    for photo in photos.prefetch_related("publications"):
        publications = []
        for publication in sorted(photo.publications.all(), key=lambda p: (p.published_at, p.pk)):
            entry = _mentions(publication, pupil)
            publications.append(
                {
                    "publication": publication.pk,
                    "audience": publication.audience_key,
                    "published_at": publication.published_at,
                    "tagged_then": entry is not None,
                    "visible": bool(entry and entry.get("visible")),
                    "rendition_destroyed": not bytes(publication.wrapped_key),
                }
            )
        result.append(
            {
                "photo": photo.pk,
                "uploaded_at": photo.created_at,
                "original_destroyed": not bytes(photo.wrapped_key),
                "publications": publications,
            }
        )
    return result


def _read(publication: Publication) -> bytes:
    with storage.storage().open(publication.storage_name, "rb") as handle:
        ciphertext = handle.read()
    return crypto.unseal(
        ciphertext, bytes(publication.wrapped_key), bound_to=publication.storage_name
    )


def export_files(pupil: Pupil, audience: str) -> Iterable[tuple[str, bytes]]:
    """The current rendition per photo and audience in which the pupil is visible. Every
    export audience (leadership, privacy officer, family) gets them: they show the pupil,
    and everyone else in them as that audience saw them."""
    publications = live_publications().filter(photo__school_id=pupil.school_id, withdrawn_at=None)
    latest: dict[tuple[int, str], Publication] = {}
    for publication in publications.order_by("photo_id", "-published_at", "-pk"):
        latest.setdefault((publication.photo_id, publication.audience_key), publication)
    for publication in sorted(latest.values(), key=lambda p: p.pk):
        if pupil.pk not in _visible(publication):
            continue
        try:
            data = _read(publication)
        except (FileNotFoundError, crypto.DecryptionFailed):
            continue
        day = timezone.localdate(publication.published_at)
        yield f"publication-{publication.pk}-{day:%Y-%m-%d}.jpg", data


# Registration


def _rule(name: str, expired: Callable[[datetime], list[Item]], text: Callable[[], str]) -> Rule:
    return Rule(
        name=name, what=PUBLICATION, description=text, expired=expired, destroy=_destroy_items
    )


def register() -> None:
    register_rule(
        Rule(
            name=RULE_ORIGINAL,
            what=PHOTO,
            description=lambda: (
                _(
                    "Photo originals and their faces: destroyed %(days)s days after the upload; "
                    "a published photo keeps an empty record for its publications."
                )
                % {"days": settings.RETENTION_PHOTO_DAYS}
            ),
            expired=expired_originals,
            destroy=destroy_originals,
        )
    )
    register_rule(
        _rule(
            RULE_PORTFOLIO,
            expired_portfolio,
            lambda: _(
                "Published photos for the portfolio (category 1): the image is destroyed once "
                "no pupil visible in it is at school or within the period after leaving."
            ),
        )
    )
    register_rule(
        _rule(
            RULE_CLASS_GROUP,
            expired_class_group,
            lambda: _(
                "Published photos for the class group (category 2): the image is destroyed "
                "after the school year in which it was published (31 July)."
            ),
        )
    )
    register_rule(
        _rule(
            RULE_PUBLICATION,
            expired_other,
            lambda: (
                _(
                    "Other published photos (categories 3 and 4, separate requests): the image is "
                    "destroyed %(days)s days after publication; the record stays as proof."
                )
                % {"days": settings.RETENTION_PUBLICATION_DAYS}
            ),
        )
    )
    register_eraser(erase, models=(FACE,))  # Face.pupil is SET_NULL: untagged, not deleted
    register_section(
        Section(key="photos", collect=export, family=True, models=(PHOTO, FACE, PUBLICATION))
    )
    register_files("photos", export_files)
