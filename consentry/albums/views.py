"""The families' pages: their albums, and the images in them.

An image is never under a public URL: it is decrypted for a person who may see it at that
moment (the album's guardians, or staff who see the photo's group), without metadata (the
gate's rendition has none) and with caching forbidden. 404 when it is not theirs, or no
longer shown (taken down, consent lapsed, the pupil left).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from consentry.photos import crypto, publishing
from consentry.photos.models import Publication
from consentry.schools.access import groups_visible_to, scope_of

from . import services
from .coverage import is_shown_now, shown_now

PER_PAGE = 24


@login_required
@require_GET
def albums(request):
    return render(request, "albums/albums.html", {"albums": services.family_albums(request.user)})


@login_required
@require_GET
def album_group(request, group_id: int):
    return _album(request, services.find_album(request.user, group_id=group_id))


@login_required
@require_GET
def album_school(request, school_id: int):
    return _album(request, services.find_album(request.user, school_id=school_id))


def _album(request, album: services.Album | None):
    if album is None:
        raise Http404("No such album.")
    group_ids = services.family_group_ids(request.user)
    candidates = services.album_publications(album, group_ids)
    page = Paginator(candidates, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "album": album,
        "page": page,
        "publications": shown_now(page.object_list),
        "downloads_allowed": services.downloads_allowed(album.school.pk),
        "conduct": services.conduct_text(album.school),
    }
    return render(request, "albums/album.html", context)


def _get_publication_for_viewer(user, publication_id: int) -> tuple[Publication, bool]:
    """The publication and whether the user sees it as staff: staff who see the photo's
    group see every current one; a family only what its albums show now."""
    if scope_of(user).is_staff:
        staff_view = Publication.objects.filter(
            photo__group__in=groups_visible_to(user), withdrawn_at=None, pk=publication_id
        ).first()
        if staff_view is not None:
            return staff_view, True
    publication = (
        services.family_publications(user).filter(pk=publication_id).select_related("photo").first()
    )
    if publication is None or not is_shown_now(publication):
        raise Http404("No such photo.")
    return publication, False


def _image(publication: Publication, disposition: str) -> HttpResponse:
    try:
        data = publishing.read_rendition(publication)
    except (FileNotFoundError, crypto.DecryptionFailed):
        raise Http404("The photo cannot be read.") from None
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = disposition
    return response


@login_required
@require_GET
def album_image(request, publication_id: int):
    publication, _staff = _get_publication_for_viewer(request.user, publication_id)
    return _image(publication, "inline")


@login_required
@require_GET
def album_download(request, publication_id: int):
    """The same image as a file, where the school allows families to download (403 where
    it does not: they may look, not take)."""
    publication, staff = _get_publication_for_viewer(request.user, publication_id)
    if not staff and not services.downloads_allowed(publication.photo.school_id):
        raise PermissionDenied
    name = publishing.filename(publication)
    return _image(publication, f'attachment; filename="{name}"')
