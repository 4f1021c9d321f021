"""The teacher's side of asking first: a guardian's question to share one of their photos.

Staff who see the photo's group read it (404 otherwise); those who may change the group's
photos (`services.may_upload`) send it to the guardians of the tagged pupils or decline it
(403 for those who only look). The rules are in parent_photos.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consentry.adhoc.services import coverage
from consentry.schools.access import groups_visible_to

from . import parent_photos, services
from .forms import DeclineForm, SendForm
from .models import ShareRequest


def _get_share_for_staff(user, share_id: int) -> ShareRequest:
    visible = ShareRequest.objects.filter(photo__group__in=groups_visible_to(user), pk=share_id)
    share = visible.select_related("photo__group", "asked_by", "consent_request").first()
    if share is None:
        raise Http404("No such question.")
    return share


@login_required
@require_http_methods(["GET", "POST"])
def photo_share(request, share_id: int):
    """The question, who would be asked, and the request to send (or what became of it)."""
    share = _get_share_for_staff(request.user, share_id)
    may_change = services.may_upload(request.user, share.photo.group)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        return _send(request, share)
    purpose, description = parent_photos.default_texts(share)
    initial = {
        "purpose": purpose,
        "description": description,
        "deadline": SendForm.default_deadline(),
    }
    return _page(request, share, may_change, SendForm(initial=initial))


def _page(request, share: ShareRequest, may_change: bool, form: SendForm):
    photo = share.photo
    asked = share.consent_request
    context = {
        "share": share,
        "photo": photo,
        "may_change": may_change,
        "reason": parent_photos.not_sendable_reason(photo) if share.status == "asked" else "",
        "pupils": parent_photos.shareable_pupils(photo),
        "form": form,
        "decline_form": DeclineForm(),
        "coverage": coverage(asked) if asked else None,
    }
    return render(request, "photos/photo_share.html", context)


def _send(request, share: ShareRequest):
    form = SendForm(request.POST)
    if not form.is_valid():
        return _page(request, share, True, form)
    try:
        parent_photos.send_share(share, actor=request.user, **form.cleaned_data)
    except parent_photos.ParentPhotoError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The question was sent to the parents of the tagged pupils."))
    return redirect("photo_share", share_id=share.pk)


@login_required
@require_POST
def photo_share_decline(request, share_id: int):
    share = _get_share_for_staff(request.user, share_id)
    if not services.may_upload(request.user, share.photo.group):
        raise PermissionDenied
    form = DeclineForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        parent_photos.decline_share(share, actor=request.user, note=note)
    except parent_photos.ParentPhotoError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The parent sees that you did not send the question."))
    return redirect("photo_share", share_id=share.pk)
