"""Pages of the photo gate: a group's photos (upload, status, try again) and the original.

Every view opens its group or photo through `schools.access` (404 when not yours). The
original is never under a URL of its own: `photo_original` decrypts it for staff who may
see the group, with caching forbidden.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consentry.schools.access import get_group_for_user, groups_visible_to

from . import crypto, services
from .models import Photo

ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"


def _get_photo_for_user(user, photo_id: int) -> Photo:
    try:
        visible = Photo.objects.filter(group__in=groups_visible_to(user))
        return visible.select_related("group", "school").get(pk=photo_id)
    except Photo.DoesNotExist:
        raise Http404("No such photo.") from None


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@login_required
@require_http_methods(["GET", "POST"])
def group_photos(request, group_id: int):
    group = get_group_for_user(request.user, group_id)
    can_upload = services.may_upload(request.user, group)
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied
        return _upload(request, group)
    photos = group.photos.prefetch_related("faces")
    context = {"group": group, "photos": photos, "can_upload": can_upload, "accept": ACCEPT}
    return render(request, "photos/group_photos.html", context)


def _upload(request, group):
    """Each file on its own: good ones stored, bad ones reported, by name."""
    results = []
    for upload in request.FILES.getlist("photos"):
        try:
            services.store_upload(group, upload, actor=request.user)
        except services.PhotoRejected as exc:
            results.append((upload.name, False, str(exc)))
        else:
            results.append((upload.name, True, _("Stored; faces are being found.")))
    if not results:
        results.append(("", False, _("Choose one or more photos.")))
    if _wants_json(request):
        files = [{"name": n, "ok": ok, "message": m} for n, ok, m in results]
        return JsonResponse({"files": files}, status=200 if all(r[1] for r in results) else 400)
    for name, ok, message in results:
        (messages.success if ok else messages.error)(request, f"{name}: {message}")
    return redirect("photos_group", group_id=group.pk)


@login_required
@require_GET
def photo_original(request, photo_id: int):
    """The decrypted original, for staff who may see the group; never cached."""
    photo = _get_photo_for_user(request.user, photo_id)
    try:
        data = services.read_original(photo)
    except (FileNotFoundError, crypto.DecryptionFailed):
        raise Http404("The photo cannot be read.") from None
    response = HttpResponse(data, content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_POST
def photo_retry(request, photo_id: int):
    photo = _get_photo_for_user(request.user, photo_id)
    if not services.may_upload(request.user, photo.group):
        raise PermissionDenied
    if services.retry_detection(photo, actor=request.user):
        messages.success(request, _("Faces will be looked for again."))
    return redirect("photos_group", group_id=photo.group_id)


@login_required
@require_POST
def photo_delete(request, photo_id: int):
    photo = _get_photo_for_user(request.user, photo_id)
    if not services.may_upload(request.user, photo.group):
        raise PermissionDenied
    services.delete_photo(photo, actor=request.user)
    messages.success(request, _("The photo was deleted."))
    return redirect("photos_group", group_id=photo.group_id)
