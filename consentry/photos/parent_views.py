"""Pages for guardians: their own photos for the school (upload, status, the teacher's
decision, a thumbnail with every face blurred) and asking first before sharing one.

A guardian only ever reaches their own uploads and their own questions (404 otherwise); the
rules are in parent_photos.py. Nothing here shows an original or another child's face.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import crypto, parent_photos, publishing
from .forms import AskForm
from .models import Photo, ShareRequest
from .views import ACCEPT


def _get_own_upload(user, upload_id: int) -> Photo:
    photo = parent_photos.uploads_of(user).select_related("group").filter(pk=upload_id).first()
    if photo is None:
        raise Http404("No such photo.")
    return photo


def _get_own_share(user, share_id: int) -> ShareRequest:
    found = ShareRequest.objects.filter(pk=share_id, asked_by=user, photo__uploaded_by=user)
    share = found.select_related("photo", "consent_request").first()
    if share is None:
        raise Http404("No such question.")
    return share


def _jpeg(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def my_photos(request):
    if request.method == "POST":
        return _upload(request)
    groups = list(parent_photos.upload_groups(request.user))
    children = parent_photos.children_in(request.user, groups)
    context = {
        "groups": [(group, children[group.pk]) for group in groups],
        "uploads": parent_photos.overview(request.user),
        "accept": ACCEPT,
        "per_request": parent_photos.FILES_PER_REQUEST,
        "per_day": parent_photos.PHOTOS_PER_DAY,
    }
    return render(request, "photos/my_photos.html", context)


def _upload(request):
    """All chosen files at once (at most FILES_PER_REQUEST); each file's outcome by name."""
    group = parent_photos.upload_groups(request.user).filter(pk=_int(request.POST.get("group")))
    if not group.exists():
        raise Http404("No such group.")
    try:
        outcomes = parent_photos.store_uploads(
            request.user, group.get(), request.FILES.getlist("photos")
        )
    except parent_photos.NotAllowed:
        raise Http404("No such group.") from None
    except parent_photos.ParentPhotoError as exc:
        messages.error(request, str(exc))
    else:
        for outcome in outcomes:
            say = messages.success if outcome.ok else messages.error
            say(request, f"{outcome.name}: {outcome.message}")
    return redirect("my_photos")


def _int(value) -> int:
    return int(value) if value and str(value).isdigit() and len(str(value)) <= 18 else 0


@login_required
@require_GET
def my_photo_thumbnail(request, upload_id: int):
    """The guardian's own photo, small and with every face blurred; never cached."""
    photo = _get_own_upload(request.user, upload_id)
    try:
        return _jpeg(parent_photos.thumbnail_jpeg(photo))
    except (parent_photos.ParentPhotoError, FileNotFoundError, crypto.DecryptionFailed):
        raise Http404("No thumbnail.") from None


@login_required
@require_http_methods(["GET", "POST"])
def my_photo_share(request, upload_id: int):
    """Ask first: where the guardian would like to share the photo; the teacher takes it on."""
    photo = _get_own_upload(request.user, upload_id)
    form = AskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            parent_photos.ask_to_share(photo, request.user, form.cleaned_data["where"])
        except parent_photos.NotAllowed:
            raise PermissionDenied from None
        except parent_photos.ParentPhotoError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Your question was sent to the teacher, who will ask the parents.")
            )
        return redirect("my_photos")
    context = {"photo": photo, "form": form, "open_share": parent_photos.open_share(photo)}
    return render(request, "photos/my_photo_share.html", context)


@login_required
@require_POST
def photo_share_release(request, share_id: int):
    """Make the version to share with the answers as they are now."""
    share = _get_own_share(request.user, share_id)
    try:
        parent_photos.release(share, request.user)
    except parent_photos.ParentPhotoError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The version to share is ready: download it below."))
    return redirect("my_photos")


@login_required
@require_GET
def photo_share_download(request, share_id: int):
    """The version to share that Consentry serves now (after a take-down: the replacement)."""
    share = _get_own_share(request.user, share_id)
    publication = parent_photos.current_release(share)
    if publication is None:
        raise Http404("No version to share yet.")
    try:
        response = _jpeg(publishing.read_rendition(publication))
    except (FileNotFoundError, crypto.DecryptionFailed):
        raise Http404("The photo cannot be read.") from None
    response["Content-Disposition"] = f'attachment; filename="{publishing.filename(publication)}"'
    return response
