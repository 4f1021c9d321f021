"""Pages of the take-downs (takedowns.py): the leadership's list, and confirming that a photo
that went outside was removed (the publisher or the leadership; 404 for everyone else)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consentry.schools.access import get_school_led_by, schools_led_by

from . import gate, takedowns
from .models import TakeDown

RECENT = timedelta(days=30)


def _get_takedown_for_user(user, takedown_id: int) -> TakeDown:
    """An external take-down of a publication this user published, or of a school they lead."""
    mine = Q(publication__published_by=user) | Q(
        publication__photo__school__in=schools_led_by(user)
    )
    takedown = (
        TakeDown.objects.filter(mine, kind=TakeDown.Kind.EXTERNAL, pk=takedown_id)
        .select_related("publication__photo__group")
        .first()
    )
    if takedown is None or not user.is_active:
        raise Http404("No such take-down.")
    return takedown


@login_required
@require_GET
def takedown_list(request, school_id: int):
    school = get_school_led_by(request.user, school_id)
    related = ("publication__photo__group", "publication__published_by", "pupil", "done_by")
    mine = TakeDown.objects.filter(publication__photo__school=school).select_related(*related)
    since = timezone.now() - RECENT
    context = {
        "school": school,
        "open_takedowns": _with_audience(mine.filter(status=TakeDown.Status.OPEN)),
        "done_takedowns": _with_audience(
            mine.filter(status=TakeDown.Status.DONE, done_at__gte=since)
        ),
    }
    return render(request, "photos/takedowns.html", context)


def _with_audience(takedowns) -> list[TakeDown]:
    """Each take-down with its audience in words ("4 · public"), read once per group."""
    labels: dict[int, dict[str, str]] = {}
    listed = list(takedowns)
    for takedown in listed:
        publication = takedown.publication
        group = publication.photo.group
        if group.pk not in labels:
            labels[group.pk] = dict(gate.audiences_for(group))
        key = publication.audience_key
        takedown.audience = labels[group.pk].get(key, key)  # type: ignore[attr-defined]
    return listed


@login_required
@require_http_methods(["GET", "POST"])
def takedown_confirm(request, takedown_id: int):
    takedown = _get_takedown_for_user(request.user, takedown_id)
    if request.method == "POST" and takedown.status == TakeDown.Status.OPEN:
        takedowns.confirm(takedown, actor=request.user)
        messages.success(request, _("Thank you: the removal is recorded."))
        return redirect("takedown_confirm", takedown.pk)
    publication = takedown.publication
    audiences = dict(gate.audiences_for(publication.photo.group))
    context = {
        "takedown": takedown,
        "photo": publication.photo,
        "audience": audiences.get(publication.audience_key, publication.audience_key),
    }
    return render(request, "photos/takedown_confirm.html", context)
