"""The families' albums: which published photos a guardian sees, and the school's setting.

The leaflet says where photos go: category 2 "in the closed group environment" with the
parents of the class group, category 3 mood photos "with the groups involved". So:

- the class album of a group shows the category-2 publications of the group's photos, to
  the guardians of its current pupils (stamgroep, or a composed group they join);
- the school album shows the category-3 publications of the photos of those groups, plus
  the photos in which a pupil of those groups is tagged: the groups involved are the
  photo's own group and the stamgroepen of the pupils in it (a composed group's photo thus
  reaches each of its pupils' stamgroepen). That is all the model knows of who took part.

Only current pupils count: the guardian of a pupil who left sees nothing any more. Each
photo appears once per album, in its latest current publication (a take-down's replacement
follows the one it replaced), and only while every pupil visible in it may still appear
(`coverage.shown_now`, at every request).
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from consentry.audit.services import record
from consentry.leaflets.models import LeafletVersion
from consentry.photos.models import Face, Photo, Publication
from consentry.schools.access import own_pupils
from consentry.schools.models import Group, Pupil, School

from .models import AlbumSettings

CLASS, SCHOOL = 2, 3  # the leaflet's categories: the class group, the school


@dataclass(frozen=True)
class Album:
    """A class album (a group's category-2 photos) or a school album (category 3)."""

    category: int
    school: School
    group: Group | None = None

    @property
    def title(self) -> str:
        if self.group is not None:
            return _("Class album of group %(name)s") % {"name": self.group.name}
        return _("School album of %(name)s") % {"name": self.school.name}

    @property
    def url(self) -> str:
        if self.group is not None:
            return reverse("album_group", args=[self.group.pk])
        return reverse("album_school", args=[self.school.pk])


def family_pupils(user) -> QuerySet[Pupil]:
    """The user's children (and the user as a pupil of 16+) who are still at school."""
    return own_pupils(user).filter(left_on__isnull=True)


def family_group_ids(user) -> set[int]:
    """The groups of those pupils: stamgroepen and composed groups they join."""
    pupils = family_pupils(user)
    stamgroepen = pupils.exclude(group=None).values_list("group_id", flat=True)
    joined = Pupil.extra_groups.through.objects.filter(pupil__in=pupils).values_list(
        "group_id", flat=True
    )
    return set(stamgroepen) | set(joined)


def family_albums(user) -> list[Album]:
    """The class album of each of the family's groups, then each school's album."""
    found = Group.objects.filter(pk__in=sorted(family_group_ids(user))).select_related("school")
    groups = sorted(found, key=lambda g: (g.school.name, g.name))
    schools = {g.school_id: g.school for g in groups}
    return [Album(CLASS, g.school, g) for g in groups] + [
        Album(SCHOOL, school) for school in sorted(schools.values(), key=lambda s: s.name)
    ]


def latest_current(publications: QuerySet[Publication]) -> QuerySet[Publication]:
    """Current publications with no newer current one of the same photo and category."""
    newer = Publication.objects.filter(
        photo=OuterRef("photo"),
        category=OuterRef("category"),
        withdrawn_at=None,
        pk__gt=OuterRef("pk"),
    )
    return publications.filter(withdrawn_at=None).filter(~Exists(newer))


def _involved_photos(group_ids: set[int]) -> QuerySet:
    """Ids of the photos of these groups and of those showing a pupil of them (a union of
    two index lookups)."""
    ids = sorted(group_ids)
    of_groups = Photo.objects.filter(group__in=ids).values("id")
    tagged = Face.objects.filter(kind=Face.Kind.PUPIL, pupil__group__in=ids).values("photo_id")
    return of_groups.union(tagged, all=True)


def album_publications(album: Album, group_ids: set[int]) -> QuerySet[Publication]:
    """The album's candidates, newest first (the page still asks `coverage.shown_now`)."""
    if album.group is not None:
        chosen = Publication.objects.filter(category=CLASS, photo__group=album.group)
    else:
        chosen = Publication.objects.filter(
            category=SCHOOL, photo__school=album.school, photo__in=_involved_photos(group_ids)
        )
    return latest_current(chosen).order_by("-published_at", "-pk")


def family_publications(user) -> QuerySet[Publication]:
    """Every publication in any of the user's albums (the image view's access rule)."""
    group_ids = family_group_ids(user)
    if not group_ids:
        return Publication.objects.none()
    in_class = Q(category=CLASS, photo__group__in=sorted(group_ids))
    in_school = Q(category=SCHOOL, photo__in=_involved_photos(group_ids))
    return latest_current(Publication.objects.filter(in_class | in_school))


def find_album(user, *, group_id: int | None = None, school_id: int | None = None):
    """One of the user's albums, or None when it is not theirs."""
    for album in family_albums(user):
        if group_id is not None and album.group is not None and album.group.pk == group_id:
            return album
        if school_id is not None and album.group is None and album.school.pk == school_id:
            return album
    return None


def downloads_allowed(school_id: int) -> bool:
    return AlbumSettings.objects.filter(school_id=school_id, downloads_allowed=True).exists()


def set_downloads_allowed(school: School, allowed: bool, *, actor) -> bool:
    """Allow or forbid guardians to download album photos; returns whether it changed.
    Audited, because it changes what families may take out of Consentry."""
    with transaction.atomic():
        settings, _created = AlbumSettings.objects.select_for_update().get_or_create(school=school)
        if settings.downloads_allowed == allowed:
            return False
        settings.downloads_allowed = allowed
        settings.save(update_fields=["downloads_allowed"])
        record(
            "albums.settings_changed",
            actor=actor,
            obj=settings,
            school_id=school.pk,
            data={"downloads_allowed": allowed},
        )
    return True


def conduct_text(school: School) -> str:
    """What the school's active leaflet asks of parents ("do not spread images in which
    others can be recognised; ask first"), in the reader's language; shown with the album."""
    version = LeafletVersion.objects.active().filter(school=school).first()
    return version.conduct if version is not None else ""
