"""Pages of the photo gate: a group's photos (upload, status, try again), the original, who
is who (tagging.py), and review then publish (gate.py, publishing.py).

Every view opens its group, photo or publication through `schools.access` (404 when not
yours); changes need `services.may_upload` (403 for those who only look). Originals,
previews and renditions are never under a URL of their own: they are decrypted or drawn
for staff who may see the group, with caching forbidden.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consentry.imaging import MODES, Mode
from consentry.schools.access import get_group_for_user, groups_visible_to

from . import crypto, gate, publishing, services, tagging
from .models import Photo, Publication, ShareRequest

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
    photos = group.photos.select_related("uploaded_by").prefetch_related("faces")
    shares = ShareRequest.objects.filter(photo__group=group, status=ShareRequest.Status.ASKED)
    context = {
        "group": group,
        "photos": photos,
        "can_upload": can_upload,
        "accept": ACCEPT,
        "shares": shares.select_related("photo", "asked_by"),
    }
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


def _may_change(user, photo: Photo) -> None:
    if not services.may_upload(user, photo.group):
        raise PermissionDenied


def _jpeg(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def photo_preview(request, photo_id: int):
    """The photo downscaled and unblurred, for tagging; same access as the original."""
    photo = _get_photo_for_user(request.user, photo_id)
    try:
        return _jpeg(tagging.preview_jpeg(photo))
    except (FileNotFoundError, crypto.DecryptionFailed):
        raise Http404("The photo cannot be read.") from None


@login_required
@require_http_methods(["GET", "POST"])
def photo_tag(request, photo_id: int):
    """Who is who: one select per face and one Save (keyboard-friendly, no script)."""
    photo = _get_photo_for_user(request.user, photo_id)
    if request.method == "POST":
        _may_change(request.user, photo)
        return _save_tags(request, photo)
    faces = list(photo.faces.select_related("pupil"))
    number_size, numbers = tagging.face_numbers(photo, faces)
    context = {
        "photo": photo,
        "faces": [(n, face, tagging.choice_of(face)) for n, face in enumerate(faces, 1)],
        "numbers": numbers,
        "number_size": number_size,
        "pupils": tagging.group_pupils(photo),
        "can_tag": services.may_upload(request.user, photo.group),
        "box_form": FaceBoxForm(),
    }
    return render(request, "photos/photo_tag.html", context)


def _save_tags(request, photo: Photo):
    prefix = "face-"
    choices = {}
    for key, value in request.POST.items():
        if key.startswith(prefix):
            if not key[len(prefix) :].isdigit():
                raise Http404("No such face.")
            choices[int(key[len(prefix) :])] = value
    try:
        tagging.save_tags(photo, choices, actor=request.user)
    except tagging.TaggingError as exc:
        messages.error(request, str(exc))
        return redirect("photo_tag", photo_id=photo.pk)
    messages.success(request, _("Saved."))
    following = tagging.next_untagged(photo) if "next" in request.POST else None
    return redirect("photo_tag", photo_id=(following or photo).pk)


@login_required
@require_POST
def photo_checked(request, photo_id: int):
    """The teacher has looked at every face of a photo the detector was unsure of."""
    photo = _get_photo_for_user(request.user, photo_id)
    _may_change(request.user, photo)
    services.confirm_checked(photo, actor=request.user)
    messages.success(request, _("Thank you: the photo can now be published."))
    return redirect("photo_tag", photo_id=photo.pk)


class FaceBoxForm(forms.Form):
    x = forms.IntegerField(label=gettext_lazy("From the left (px)"), min_value=0)
    y = forms.IntegerField(label=gettext_lazy("From the top (px)"), min_value=0)
    w = forms.IntegerField(label=gettext_lazy("Width (px)"), min_value=1)
    h = forms.IntegerField(label=gettext_lazy("Height (px)"), min_value=1)


@login_required
@require_POST
def photo_add_face(request, photo_id: int):
    photo = _get_photo_for_user(request.user, photo_id)
    _may_change(request.user, photo)
    form = FaceBoxForm(request.POST)
    try:
        if not form.is_valid():
            raise tagging.TaggingError(_("Give the box as four whole numbers of pixels."))
        tagging.add_face(photo, **form.cleaned_data, actor=request.user)
    except tagging.TaggingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The face was added."))
    return redirect("photo_tag", photo_id=photo.pk)


def _audience(group, key: str) -> gate.Audience:
    audience = gate.audience_from_key(group, key or "2")
    if audience is None:
        raise Http404("No such audience.")
    return audience


def _mode(value: str) -> Mode:
    return next((mode for mode in MODES if mode == value), "blur")


@login_required
@require_http_methods(["GET", "POST"])
def photo_review(request, photo_id: int):
    """Choose the audience, see the rendition and who is hidden and why, then publish."""
    photo = _get_photo_for_user(request.user, photo_id)
    if request.method == "POST":
        _may_change(request.user, photo)
        return _publish(request, photo)
    key, mode = request.GET.get("audience", "2"), _mode(request.GET.get("mode", ""))
    audience = _audience(photo.group, key)
    query = f"?audience={gate.audience_key(audience)}&mode={mode}"
    context = {
        "photo": photo,
        "audiences": gate.audiences_for(photo.group),
        "modes": Publication.Mode.choices,
        "audience": gate.audience_key(audience),
        "mode": mode,
        "query": query,
        "decisions": list(enumerate(gate.decide_faces(photo, audience), 1)),
        "publications": photo.publications.select_related("published_by"),
        "can_publish": services.may_upload(request.user, photo.group),
    }
    return render(request, "photos/photo_review.html", context)


def _publish(request, photo: Photo):
    """Publish, then come back to the review of the same audience and mode."""
    audience = _audience(photo.group, request.POST.get("audience", ""))
    mode = _mode(request.POST.get("mode", ""))
    try:
        publishing.publish(photo, audience, mode, actor=request.user)
    except publishing.PublishError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Published."))
    review = reverse("photo_review", args=[photo.pk])
    return redirect(f"{review}?audience={gate.audience_key(audience)}&mode={mode}")


@login_required
@require_GET
def photo_rendition(request, photo_id: int):
    """The rendition the gate would publish, drawn on the fly and never cached."""
    photo = _get_photo_for_user(request.user, photo_id)
    audience = _audience(photo.group, request.GET.get("audience", "2"))
    try:
        return _jpeg(gate.render(photo, audience, _mode(request.GET.get("mode", ""))))
    except (FileNotFoundError, crypto.DecryptionFailed):
        raise Http404("The photo cannot be read.") from None


@login_required
@require_GET
def publication_download(request, publication_id: int):
    visible = Publication.objects.filter(photo__group__in=groups_visible_to(request.user))
    visible = visible.filter(withdrawn_at=None)  # a taken-down rendition's key is destroyed
    publication = visible.filter(pk=publication_id).first()
    if publication is None:
        raise Http404("No such publication.")
    response = _jpeg(publishing.read_rendition(publication))
    response["Content-Disposition"] = f'attachment; filename="{publishing.filename(publication)}"'
    return response


@login_required
@require_GET
def publications_zip(request, group_id: int, audience: str):
    """Every current publication of the group for one audience, as one zip."""
    group = get_group_for_user(request.user, group_id)
    chosen = publishing.current(group, _audience(group, audience))
    response = HttpResponse(publishing.zip_of(chosen), content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    name = f"group-{group.pk}-{audience}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
