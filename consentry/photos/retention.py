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
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
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
    in_pages,
    register_eraser,
    register_files,
    register_rule,
    register_section,
)
from consentry.retention.rules import left_pupil_years, years_before
from consentry.schools.models import Pupil

from . import crypto, storage
from .models import Face, Photo, Publication, VisiblePupil

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


def expired_originals(now: datetime, school_id: int | None = None) -> Iterator[Item]:
    cutoff = now - timedelta(days=settings.RETENTION_PHOTO_DAYS)
    photos = Photo.objects.filter(created_at__lt=cutoff).exclude(wrapped_key=b"")
    if school_id is not None:
        photos = photos.filter(school_id=school_id)
    return in_pages(
        photos,
        ("school_id", "created_at"),
        lambda rows: [
            Item(
                pk,
                school,
                _("photo #%(id)s, uploaded on %(day)s") % {"id": pk, "day": f"{created:%Y-%m-%d}"},
            )
            for pk, school, created in rows
        ],
    )


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


ITEM_FIELDS = ("photo__school_id", "category", "consent_request_id", "published_at")


def _item(pk: int, school_id: int, category, request_id, published_at) -> Item:
    audience = str(category) if category else f"r{request_id}"
    note = _("publication #%(id)s (%(audience)s), published on %(day)s") % {
        "id": pk,
        "audience": audience,
        "day": f"{published_at:%Y-%m-%d}",
    }
    return Item(pk, school_id, note)


def _publications(school_id: int | None):
    publications = live_publications()
    if school_id is not None:
        publications = publications.filter(photo__school_id=school_id)
    return publications


def _visible_in(publication_ids: list[int]) -> dict[int, set[int]]:
    visible: dict[int, set[int]] = {pk: set() for pk in publication_ids}
    for publication_id, pupil_id in VisiblePupil.objects.filter(
        publication_id__in=publication_ids
    ).values_list("publication_id", "pupil_id"):
        visible[publication_id].add(pupil_id)
    return visible


def expired_portfolio(now: datetime, school_id: int | None = None) -> Iterator[Item]:
    today = timezone.localdate(now)
    cutoff = now - timedelta(days=settings.RETENTION_PUBLICATION_DAYS)
    periods: dict[int, int] = {}

    def kept_pupils(pupil_ids: set[int]) -> set[int]:
        kept = set()
        for pk, school, left_on in Pupil.objects.filter(pk__in=pupil_ids).values_list(
            "pk", "school_id", "left_on"
        ):
            if school not in periods:
                periods[school] = left_pupil_years(school)
            if left_on is None or left_on >= years_before(today, periods[school]):
                kept.add(pk)
        return kept

    def items(rows: list[tuple]) -> list[Item]:
        visible = _visible_in([row[0] for row in rows])
        kept = kept_pupils(set().union(*visible.values()))
        expired = []
        for row in rows:
            pupils = visible[row[0]]
            if pupils & kept:
                continue
            if not pupils and row[4] >= cutoff:
                continue
            expired.append(_item(*row))
        return expired

    return in_pages(_publications(school_id).filter(category=1), ITEM_FIELDS, items)


def end_of_school_year(day: date) -> date:
    """31 July of the school year (1 August to 31 July) that `day` falls in."""
    return date(day.year if day.month <= 7 else day.year + 1, 7, 31)


def start_of_school_year(day: date) -> datetime:
    """The first moment (1 August, the school's time zone) of the school year of `day`."""
    first = date(day.year if day.month >= 8 else day.year - 1, 8, 1)
    return timezone.make_aware(datetime.combine(first, time.min))


def expired_class_group(now: datetime, school_id: int | None = None) -> Iterator[Item]:
    """Published in an earlier school year: that year ended before today."""
    publications = _publications(school_id).filter(
        category=2, published_at__lt=start_of_school_year(timezone.localdate(now))
    )
    return in_pages(publications, ITEM_FIELDS, lambda rows: [_item(*row) for row in rows])


def expired_other(now: datetime, school_id: int | None = None) -> Iterator[Item]:
    cutoff = now - timedelta(days=settings.RETENTION_PUBLICATION_DAYS)
    publications = (
        _publications(school_id).exclude(category__in=[1, 2]).filter(published_at__lt=cutoff)
    )
    return in_pages(publications, ITEM_FIELDS, lambda rows: [_item(*row) for row in rows])


# Erasure


def erase(pupil: Pupil) -> Counter[str]:
    counts: Counter[str] = Counter()
    untagged = Face.objects.filter(pupil=pupil).update(
        pupil=None, kind=Face.Kind.UNKNOWN, consents=False
    )
    if untagged:
        counts[FACE] += untagged
    showing = live_publications().filter(visible_pupils__pupil=pupil)
    destroyed = destroy_publications(list(showing))
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
    shown_in = VisiblePupil.objects.filter(pupil=pupil).values("publication__photo_id")
    publications = live_publications().filter(photo__in=shown_in, withdrawn_at=None)
    latest: dict[tuple[int, str], Publication] = {}
    for publication in publications.order_by("photo_id", "-published_at", "-pk"):
        latest.setdefault((publication.photo_id, publication.audience_key), publication)
    showing = set(
        VisiblePupil.objects.filter(
            pupil=pupil, publication__in=[p.pk for p in latest.values()]
        ).values_list("publication_id", flat=True)
    )
    for publication in sorted(latest.values(), key=lambda p: p.pk):
        if publication.pk not in showing:
            continue
        try:
            data = _read(publication)
        except (FileNotFoundError, crypto.DecryptionFailed):
            continue
        day = timezone.localdate(publication.published_at)
        yield f"publication-{publication.pk}-{day:%Y-%m-%d}.jpg", data


# Registration


def _rule(name: str, expired: Callable[..., Iterator[Item]], text: Callable[[], str]) -> Rule:
    return Rule(
        name=name,
        what=PUBLICATION,
        description=text,
        expired=expired,
        destroy=_destroy_items,
        school_filter=True,
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
            school_filter=True,
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
